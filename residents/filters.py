"""One FilterSet per list, shared by the API and the desk pages."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.models import Building, HouseholdRequest, Occupancy, Pass, Person, SensitiveAccessLog, Unit
from residents.selectors import normalize_pass_number, persons_matching
from servicecenter.forms import IdFilter


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Unit"))
    estate = IdFilter(field_name="estate_id", label=_("Estate"))
    building = IdFilter(field_name="building_id", label=_("Building"))
    state = django_filters.ChoiceFilter(choices=Unit.State.choices, label=_("State"))
    use = django_filters.ChoiceFilter(choices=Unit.Use.choices, label=_("Use"))

    class Meta:
        model = Unit
        fields = ["q", "estate", "building", "state", "use"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(code__istartswith=value.strip()) if value.strip() else queryset


class BuildingFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label=_("Estate"))

    class Meta:
        model = Building
        fields = ["estate"]


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or phone"))
    estate = IdFilter(field_name="estate_id", label=_("Estate"))
    unit = IdFilter(method="filter_unit", label=_("Unit"))

    class Meta:
        model = Person
        fields = ["q", "estate", "unit"]

    def filter_q(self, queryset, name, value):
        return persons_matching(queryset, value)

    def filter_unit(self, queryset, name, value):
        return queryset.filter(occupancies__unit_id=value).distinct()


class OccupancyFilter(django_filters.FilterSet):
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    person = IdFilter(field_name="person_id", label=_("Person"))
    role = django_filters.ChoiceFilter(choices=Occupancy.Role.choices, label=_("Role"))
    current = django_filters.BooleanFilter(method="filter_current", label=_("Current only"))

    class Meta:
        model = Occupancy
        fields = ["unit", "person", "role", "current"]

    def filter_current(self, queryset, name, value):
        if value is None:
            return queryset
        current_ids = Occupancy.objects.current().values("pk")
        return queryset.filter(pk__in=current_ids) if value else queryset.exclude(pk__in=current_ids)


class AccessLogFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=SensitiveAccessLog.Action.choices, label=_("Action"))
    purpose = django_filters.ChoiceFilter(choices=SensitiveAccessLog.Purpose.choices, label=_("Task"))
    actor = IdFilter(field_name="actor_id", label=_("Who"))
    person = IdFilter(field_name="person_id", label=_("Whose"))
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"))
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = SensitiveAccessLog
        fields = ["action", "purpose", "actor", "person", "since", "until"]


class PassFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(method="filter_number", label=_("Pass number"))
    holder = django_filters.CharFilter(field_name="holder_name", lookup_expr="icontains", label=_("Holder"))
    kind = django_filters.ChoiceFilter(choices=Pass.Kind.choices, label=_("Kind"))
    estate = IdFilter(field_name="estate_id", label=_("Estate"))
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    valid = django_filters.BooleanFilter(method="filter_valid", label=_("Valid now"))

    class Meta:
        model = Pass
        fields = ["number", "holder", "kind", "estate", "unit", "valid"]

    def filter_number(self, queryset, name, value):
        number = normalize_pass_number(value)
        return queryset.filter(number__icontains=number) if number else queryset

    def filter_valid(self, queryset, name, value):
        if value is None:
            return queryset
        now = timezone.now()
        valid = Q(revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now)
        return queryset.filter(valid) if value else queryset.exclude(valid)


class HouseholdRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=HouseholdRequest.Status.choices, label=_("Status"))
    estate = IdFilter(field_name="estate_id", label=_("Estate"))
    unit = IdFilter(field_name="unit_id", label=_("Unit"))

    class Meta:
        model = HouseholdRequest
        fields = ["status", "estate", "unit"]
