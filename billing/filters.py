"""One FilterSet per list, shared by the API and the desk pages."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Bill, ChargeItem, MeterReading, Payment, PaymentMethod
from servicecenter.forms import IdFilter, ReasonableDateFilter
from servicecenter.periods import parse_month


class PeriodFilter(django_filters.CharFilter):
    """`2025-03` → the bills of March 2025. A malformed value matches nothing."""

    def filter(self, qs, value):
        if not value:
            return qs
        period = parse_month(value)
        return qs.filter(**{self.field_name: period}) if period else qs.none()


class BillFilter(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    unit_code = django_filters.CharFilter(field_name="unit__code", lookup_expr="istartswith", label=_("Unit"))
    estate = IdFilter(field_name="estate_id", label=_("Estate"))
    building = IdFilter(field_name="unit__building_id", label=_("Building"))
    charge_item = IdFilter(field_name="charge_item_id", label=_("Charge item"))
    status = django_filters.MultipleChoiceFilter(choices=Bill.Status.choices, label=_("Status"))
    period = PeriodFilter(field_name="period", label=_("Period (YYYY-MM)"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Bill
        fields = ["unit", "unit_code", "estate", "building", "charge_item", "status", "period", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        overdue = Q(status__in=Bill.UNPAID_STATUSES, due_date__lt=today)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class PaymentFilter(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    estate = IdFilter(field_name="estate_id", label=_("Estate"))
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices, label=_("Method"))
    status = django_filters.ChoiceFilter(choices=Payment.Status.choices, label=_("Status"))
    receipt = django_filters.CharFilter(
        field_name="receipt__number", lookup_expr="iexact", label=_("Receipt number")
    )
    since = ReasonableDateFilter(field_name="received_at", lookup_expr="date__gte", label=_("From"))
    until = ReasonableDateFilter(field_name="received_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = Payment
        fields = ["unit", "estate", "method", "status", "receipt", "since", "until"]


class ChargeItemFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label=_("Estate"))
    kind = django_filters.ChoiceFilter(choices=ChargeItem.Kind.choices, label=_("Kind"))
    active = django_filters.BooleanFilter(field_name="is_active", label=_("Active"))

    class Meta:
        model = ChargeItem
        fields = ["estate", "kind", "active"]


class MeterReadingFilter(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    estate = IdFilter(field_name="estate_id", label=_("Estate"))
    meter = IdFilter(field_name="meter_id", label=_("Meter"))
    building = IdFilter(field_name="unit__building_id", label=_("Building"))
    period = PeriodFilter(field_name="period", label=_("Period (YYYY-MM)"))

    class Meta:
        model = MeterReading
        fields = ["unit", "estate", "meter", "building", "period"]
