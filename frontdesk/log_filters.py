"""One FilterSet per desk log (visitors, lost and found, parcels), used by the API and the desk
lists alike. Everything filters in the database. A phone matches only in full or by its last four
digits (`servicecenter.phones`): the masked middle can never be guessed through a search."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontdesk.models import LostItem, Parcel, Visitor
from residents.models import Estate
from servicecenter.forms import IdFilter, ReasonableDateFilter
from servicecenter.phones import phone_q, phone_search_digits


def _estates(request):
    if request is None:
        return Estate.objects.none()
    return Estate.objects.visible_to(request.user).order_by("code")


def _text_q(value: str, *, fields: tuple[str, ...], phone_field: str | None = None) -> Q:
    query = Q()
    for field in fields:
        query |= Q(**{f"{field}__icontains": value})
    digits = phone_search_digits(value) if phone_field else None
    if digits:
        query |= phone_q(phone_field, digits)
    return query


class _DeskLogFilter(django_filters.FilterSet):
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=_("Estate"))
    date_from = ReasonableDateFilter(method="filter_date_from", label=_("From"))
    date_until = ReasonableDateFilter(method="filter_date_until", label=_("Until"))
    date_field = ""

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__date__gte": value})

    def filter_date_until(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__date__lte": value})


class VisitorFilter(_DeskLogFilter):
    q = django_filters.CharFilter(method="filter_q", label=_("Name, unit or phone"))
    status = django_filters.ChoiceFilter(choices=Visitor.Status.choices, label=_("Status"))
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    date_field = "arrived_at"

    class Meta:
        model = Visitor
        fields = ["q", "status", "estate", "unit", "date_from", "date_until"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(_text_q(value, fields=("name", "unit__code", "purpose"), phone_field="phone"))


class LostItemFilter(_DeskLogFilter):
    q = django_filters.CharFilter(method="filter_q", label=_("Item, place or claimant"))
    status = django_filters.ChoiceFilter(choices=LostItem.Status.choices, label=_("Status"))
    due = django_filters.BooleanFilter(method="filter_due", label=_("Keep period over"))
    date_field = "found_at"

    class Meta:
        model = LostItem
        fields = ["q", "status", "estate", "due", "date_from", "date_until"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            _text_q(
                value,
                fields=("description", "found_place", "storage_place", "claimant_name"),
                phone_field="claimant_phone",
            )
        )

    def filter_due(self, queryset, name, value):
        due = Q(status=LostItem.Status.HELD, keep_until__lte=timezone.localdate())
        return queryset.filter(due) if value else queryset.exclude(due)


class ParcelFilter(_DeskLogFilter):
    q = django_filters.CharFilter(method="filter_q", label=_("Tracking number, unit or name"))
    status = django_filters.ChoiceFilter(choices=Parcel.Status.choices, label=_("Status"))
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    carrier = django_filters.CharFilter(field_name="carrier", lookup_expr="iexact", label=_("Carrier"))
    date_field = "received_at"

    class Meta:
        model = Parcel
        fields = ["q", "status", "estate", "unit", "carrier", "date_from", "date_until"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            _text_q(value, fields=("tracking_number", "unit__code", "recipient_name", "collected_by"))
        )
