"""FilterSet of the move-in API: everything filters in the database; a malformed id is a 400."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from moveins.models import MoveIn
from residents.models import Estate
from servicecenter.forms import IdFilter


def _estates(request):
    if request is None:
        return Estate.objects.none()
    return Estate.objects.visible_to(request.user).order_by("code")


class MoveInFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Number or unit"))
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=_("Estate"))
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    batch = IdFilter(field_name="batch_id", label=_("Batch"))
    building = IdFilter(field_name="unit__building_id", label=_("Building"))
    status = django_filters.MultipleChoiceFilter(
        choices=MoveIn.Status.choices, distinct=False, label=_("Status")
    )
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open"))

    class Meta:
        model = MoveIn
        fields = ["q", "estate", "unit", "batch", "building", "status", "open"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(unit__code__icontains=value))

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(status__in=MoveIn.OPEN) if value else queryset.filter(status__in=MoveIn.FINISHED)
        )
