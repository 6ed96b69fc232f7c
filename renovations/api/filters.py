"""FilterSets of the renovation API: renovations, patrols and violations. Everything filters in the
database; a malformed id or date is a 400 (the kernel's strict filters)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renovations.models import Patrol, Renovation, Violation
from residents.models import Estate
from servicecenter.forms import IdFilter, ReasonableDateFilter


def _estates(request):
    if request is None:
        return Estate.objects.none()
    return Estate.objects.visible_to(request.user).order_by("code")


class RenovationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Number or unit"))
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=_("Estate"))
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    status = django_filters.MultipleChoiceFilter(
        choices=Renovation.Status.choices, distinct=False, label=_("Status")
    )
    regular = django_filters.BooleanFilter(field_name="is_regular", label=_("Regular renovation"))
    # The planned period overlaps [planned_from, planned_until].
    planned_from = ReasonableDateFilter(field_name="planned_end", lookup_expr="gte", label=_("Planned from"))
    planned_until = ReasonableDateFilter(
        field_name="planned_start", lookup_expr="lte", label=_("Planned until")
    )

    class Meta:
        model = Renovation
        fields = ["q", "estate", "unit", "status", "regular", "planned_from", "planned_until"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(unit__code__icontains=value))


class PatrolFilter(django_filters.FilterSet):
    date = ReasonableDateFilter(label=_("Date"))
    result = django_filters.MultipleChoiceFilter(
        choices=Patrol.Result.choices, distinct=False, label=_("Result")
    )
    assignee = django_filters.ChoiceFilter(
        choices=[("me", _("Me"))], method="filter_assignee", label=_("Housekeeper")
    )
    missed = django_filters.BooleanFilter(method="filter_missed", label=_("Missed"))
    renovation = IdFilter(field_name="renovation_id", label=_("Renovation"))
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=_("Estate"))

    class Meta:
        model = Patrol
        fields = ["date", "result", "assignee", "missed", "renovation", "estate"]

    def filter_assignee(self, queryset, name, value):
        return queryset.filter(assignee=getattr(self.request, "user", None))

    def filter_missed(self, queryset, name, value):
        # Missed: marked missed by the sweep, or still due on a day that has passed.
        missed = Q(result=Patrol.Result.MISSED) | Q(
            result=Patrol.Result.PENDING, date__lt=timezone.localdate()
        )
        return queryset.filter(missed) if value else queryset.exclude(missed)


class ViolationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Violation.Status.choices, distinct=False, label=_("Status")
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Violation.Kind.choices, distinct=False, label=_("Type")
    )
    renovation = IdFilter(field_name="renovation_id", label=_("Renovation"))
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=_("Estate"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Violation
        fields = ["status", "kind", "renovation", "unit", "estate", "overdue"]

    def filter_overdue(self, queryset, name, value):
        # Overdue: still open or rectifying after its rectification deadline.
        overdue = Q(
            status__in=[Violation.Status.OPEN, Violation.Status.RECTIFYING],
            rectify_by__lt=timezone.localdate(),
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
