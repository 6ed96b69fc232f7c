"""One FilterSet for the ticket list page and the API, and one for callbacks. Everything filters in
the database, on indexed columns where the list is large."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import Estate
from residents.selectors import parse_archive_query
from servicecenter.forms import IdFilter, ReasonableDateFilter
from servicecenter.phones import LAST_DIGITS, phone_q
from servicecenter.scoping import access_for
from staff.models import StaffProfile, Team
from tickets.models import Callback, Ticket, TicketCategory, TicketCoReporter
from tickets.selectors import with_pending_callback_due

User = get_user_model()


def _teams(request):
    if request is None:
        return Team.objects.none()
    return Team.objects.visible_to(request.user).select_related("estate").order_by("estate__code", "name")


def _estates(request):
    if request is None:
        return Estate.objects.none()
    return Estate.objects.visible_to(request.user).order_by("code")


def _staff(request):
    if request is None:
        return User.objects.none()
    access = access_for(request.user)
    users = User.objects.filter(is_active=True, staff_profile__isnull=False)
    if not access.all_estates:
        users = users.filter(staff_profile__estates__in=sorted(access.estate_ids))
    return users.distinct().order_by("username")


def local_day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class TicketFilter(django_filters.FilterSet):
    VIEW_MINE = "mine"
    VIEW_TEAM = "team"
    VIEW_OVERDUE = "overdue"
    VIEW_CALLBACKS_DUE = "callbacks_due"
    VIEWS = [
        (VIEW_MINE, pgettext_lazy("saved view", "Mine")),
        (VIEW_TEAM, pgettext_lazy("saved view", "My team")),
        (VIEW_OVERDUE, pgettext_lazy("saved view", "Overdue")),
        (VIEW_CALLBACKS_DUE, pgettext_lazy("saved view", "Callbacks due")),
    ]

    view = django_filters.ChoiceFilter(choices=VIEWS, method="filter_view", label=_("View"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    # distinct=False: these filter the ticket table itself (no join can repeat a row), and a
    # DISTINCT over a large list would sort every matching row before taking one page.
    status = django_filters.MultipleChoiceFilter(
        choices=Ticket.Status.choices, distinct=False, label=_("Status")
    )
    kind = django_filters.MultipleChoiceFilter(choices=Ticket.Kind.choices, distinct=False, label=_("Type"))
    channel = django_filters.MultipleChoiceFilter(
        choices=Ticket.Channel.choices, distinct=False, label=_("Channel")
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Ticket.Priority.choices, distinct=False, label=_("Priority")
    )
    category = django_filters.ModelChoiceFilter(
        queryset=TicketCategory.objects.order_by("sort_order", "code"), label=_("Category")
    )
    team = django_filters.ModelChoiceFilter(queryset=_teams, label=_("Team"))
    assignee = django_filters.ModelChoiceFilter(queryset=_staff, label=_("Assignee"))
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=_("Estate"))
    unit = IdFilter(field_name="unit_id", label=_("Unit"))
    # The hotspot table's links (dashboards.hotspots): a building's tickets are its units' and
    # its public places'.
    building = IdFilter(method="filter_building", label=_("Building"))
    public_location = IdFilter(field_name="public_location_id", label=_("Public location"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    is_major = django_filters.BooleanFilter(label=_("Major complaint"))
    created_after = ReasonableDateFilter(method="filter_created_after", label=_("Registered from"))
    created_before = ReasonableDateFilter(method="filter_created_before", label=_("Registered until"))

    class Meta:
        model = Ticket
        fields = [
            "view",
            "q",
            "status",
            "kind",
            "channel",
            "priority",
            "category",
            "team",
            "assignee",
            "estate",
            "unit",
            "building",
            "public_location",
            "overdue",
            "is_major",
            "created_after",
            "created_before",
        ]

    def _user(self):
        return getattr(self.request, "user", None)

    def filter_view(self, queryset, name, value):
        user = self._user()
        if value == self.VIEW_MINE:
            return queryset.filter(assignee=user).exclude(
                status__in=[Ticket.Status.CLOSED, Ticket.Status.CANCELLED]
            )
        if value == self.VIEW_TEAM:
            team_ids = StaffProfile.objects.filter(user=user, team__isnull=False).values("team_id")
            return queryset.filter(team_id__in=team_ids, status__in=Ticket.OPEN)
        if value == self.VIEW_OVERDUE:
            return queryset.overdue().order_by("resolution_due_at")
        if value == self.VIEW_CALLBACKS_DUE:
            return with_pending_callback_due(
                queryset.filter(status=Ticket.Status.RESOLVED), now=timezone.now()
            )
        return queryset

    def filter_q(self, queryset, name, value):
        """A ticket number, a unit code, a phone (whole, or exactly its last four digits: never a
        fragment the mask hides, servicecenter.phones) or words of the description, place or
        reporter's name. Phones are stored as plain digits, so this is a comparison in the
        database, never a decryption."""
        value = value.strip()
        if not value:
            return queryset
        if "-" in value and value.split("-")[0].isalpha():
            # A ticket number (LJY-20250310-0007), or a unit code with a letter (A-0801).
            return queryset.filter(Q(number__istartswith=value) | Q(unit__code__istartswith=value))
        parsed = parse_archive_query(value)
        if parsed.kind == "phone":
            digits = parsed.digits
            co_reporter = TicketCoReporter.objects.filter(ticket=OuterRef("pk")).filter(
                phone_q("phone", digits) | phone_q("person__mobile", digits)
            )
            return queryset.filter(
                phone_q("reporter_phone", digits)
                | phone_q("reporter__mobile", digits)
                | Exists(co_reporter)
                # Four digits are also the end of a ticket number (the day's sequence).
                | (Q(number__endswith=digits) if len(digits) == LAST_DIGITS else Q(pk__in=[]))
            )
        if parsed.kind in ("unit", "number"):
            return queryset.filter(Q(unit__code__istartswith=value) | Q(number__icontains=value))
        return queryset.filter(
            Q(description__icontains=value)
            | Q(location__icontains=value)
            | Q(reporter_name__icontains=value)
            | Q(reporter__name__icontains=value)
            | Q(public_location__name__icontains=value)
        )

    def filter_building(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(
            Q(unit__building_id=value) | Q(unit__isnull=True, public_location__building_id=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=local_day_start(value))

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=local_day_start(value + timedelta(days=1)))


class CallbackFilter(django_filters.FilterSet):
    ticket = IdFilter(field_name="ticket_id", label=_("Ticket"))
    status = django_filters.MultipleChoiceFilter(
        choices=Callback.Status.choices, distinct=False, label=_("Status")
    )
    due = django_filters.BooleanFilter(method="filter_due", label=_("Due now"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Mine"))
    estate = IdFilter(field_name="estate_id", label=_("Estate"))

    class Meta:
        model = Callback
        fields = ["ticket", "status", "due", "mine", "estate"]

    def filter_due(self, queryset, name, value):
        if value is None:
            return queryset
        due = Q(status=Callback.Status.PENDING, next_attempt_at__lte=timezone.now())
        return queryset.filter(due) if value else queryset.exclude(due)

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        user = self.request.user
        team_ids = StaffProfile.objects.filter(user=user, team__isnull=False).values("team_id")
        return queryset.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True, team_id__in=team_ids))
