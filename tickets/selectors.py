"""Reads for tickets: configuration, screen-shaped lists and pages, lookups and KPIs.

Every selector that serves a person takes the viewing user and goes through `visible_to`, so
anything outside the user's reach simply is not there (404 on pages and in the API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from residents.models import Occupancy, Person, Unit
from residents.selectors import parse_archive_query
from servicecenter.periods import month_bounds, month_ended_by, month_start
from servicecenter.scoping import access_for
from staff.models import StaffProfile, Team, Zone
from tickets.defaults import DEFAULT_SLA_MINUTES
from tickets.models import (
    Callback,
    CallbackReview,
    DeskPreference,
    RootCause,
    SlaTarget,
    SuggestionModel,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketCoReporter,
    TicketEvent,
    TicketPolicy,
    TicketRequestKey,
)
from tickets.suggestions import CATEGORY_KEYWORDS, IntakeModel, Ranked, keyword_scores

User = get_user_model()


# --- configuration ----------------------------------------------------------------------------


def policy_for(estate) -> TicketPolicy:
    """The estate's own policy if it has one, else the company-wide row, else built-in defaults."""
    estate_id = getattr(estate, "pk", estate)
    rows = {
        p.estate_id: p for p in TicketPolicy.objects.filter(Q(estate_id=estate_id) | Q(estate__isnull=True))
    }
    return rows.get(estate_id) or rows.get(None) or TicketPolicy()


def policies_by_estate(estate_ids) -> dict[int, TicketPolicy]:
    """Policies for many estates in one query (for sweeps)."""
    estate_ids = set(estate_ids)
    rows = list(TicketPolicy.objects.filter(Q(estate_id__in=estate_ids) | Q(estate__isnull=True)))
    default = next((p for p in rows if p.estate_id is None), None) or TicketPolicy()
    own = {p.estate_id: p for p in rows if p.estate_id is not None}
    return {estate_id: own.get(estate_id, default) for estate_id in estate_ids}


def sla_minutes(*, category: TicketCategory, priority: str) -> tuple[int, int]:
    """(response, resolution) minutes for the category at the priority; built-in defaults fill gaps."""
    row = (
        SlaTarget.objects.filter(category=category, priority=priority)
        .values_list("response_minutes", "resolution_minutes")
        .first()
    )
    return (row[0], row[1]) if row else DEFAULT_SLA_MINUTES[priority]


def active_categories() -> QuerySet[TicketCategory]:
    return TicketCategory.objects.filter(is_active=True).order_by("sort_order", "code")


def last_ticket_kind(user) -> str:
    """The type the user registered last at the desk, else a repair (the commonest request)."""
    kind = (
        DeskPreference.objects.filter(user_id=getattr(user, "pk", None))
        .values_list("last_ticket_kind", flat=True)
        .first()
    )
    return kind or Ticket.Kind.REPAIR


def active_root_causes() -> list[RootCause]:
    return list(RootCause.objects.filter(is_active=True))


def category_defaults() -> dict[str, dict]:
    """What the new-ticket form needs to pre-fill team and priority when a category is picked."""
    return {
        str(row["id"]): {
            "team_kind": row["team_kind"],
            "priority": row["default_priority"],
            "callback_mandatory": row["is_callback_mandatory"],
            "kinds": row["kinds"] or [],
        }
        for row in active_categories().values(
            "id", "team_kind", "default_priority", "is_callback_mandatory", "kinds"
        )
    }


def teams_by_estate(*, user) -> dict[str, dict[str, int]]:
    """{estate id: {team kind: team id}} for the estates the user sees (the first team of each kind)."""
    result: dict[str, dict[str, int]] = {}
    for team in (
        Team.objects.visible_to(user).order_by("estate_id", "kind", "pk").values("pk", "estate_id", "kind")
    ):
        result.setdefault(str(team["estate_id"]), {}).setdefault(team["kind"], team["pk"])
    return result


# --- who ---------------------------------------------------------------------------------------


def team_member_users(team_id: int | None) -> list:
    if not team_id:
        return []
    return list(User.objects.filter(staff_profile__team_id=team_id, is_active=True))


def open_tickets_of_team(*, team_id: int, limit: int = 200) -> list[tuple[int, str, str]]:
    """(id, number, first words) of a team's open tickets, oldest first: what a shift handover
    (staff.services_attendance.write_handover) may pick from."""
    rows = (
        Ticket.objects.open()
        .filter(team_id=team_id)
        .order_by("created_at", "pk")
        .values_list("pk", "number", "description")[:limit]
    )
    return [(pk, number, description[:80]) for pk, number, description in rows]


def estate_users_with_role(*, estate_id: int, role: str) -> list:
    return list(
        User.objects.filter(staff_profile__estates=estate_id, groups__name=role, is_active=True).distinct()
    )


def is_staff_of_estate(user, estate_id: int) -> bool:
    return StaffProfile.objects.filter(user=user, estates=estate_id, user__is_active=True).exists()


def assignable_users(*, estate_id: int) -> QuerySet:
    """Staff who can be given work in the estate, with their team (for the assign select)."""
    return (
        User.objects.filter(staff_profile__estates=estate_id, is_active=True)
        .filter(Q(groups__name__in=["technician", "supervisor", "housekeeper", "frontdesk"]))
        .select_related("staff_profile__team")
        .distinct()
        .order_by("staff_profile__team__name", "username")
    )


# --- lists and pages ---------------------------------------------------------------------------


def tickets_for_list(*, user) -> QuerySet[Ticket]:
    """The API list's base query: scoped, with everything a row shows in one query."""
    return (
        Ticket.objects.visible_to(user)
        .select_related("category", "unit", "public_location", "team", "assignee", "reporter")
        .order_by("-created_at")
    )


DESK_LIST_FIELDS = (
    "id",
    "estate_id",
    "number",
    "kind",
    "status",
    "priority",
    "is_major",
    "category_id",
    "unit_id",
    "unit__code",
    "public_location_id",
    "public_location__name",
    "location",
    "description",
    "team_id",
    "assignee_id",
    "created_at",
    "response_due_at",
    "resolution_due_at",
    "first_responded_at",
)


def tickets_for_desk_list(*, user) -> QuerySet[Ticket]:
    """The desk list's base query: one narrow join. Category, team and assignee names come from
    `DeskListChoices` (the filter's own option lists), not from three more joins: on a large
    table PostgreSQL spends longer planning a six-way join than running it."""
    return (
        Ticket.objects.visible_to(user)
        .select_related("unit", "public_location")
        .only(*DESK_LIST_FIELDS)
        .order_by("-created_at")
    )


STATUS_CSS = {
    Ticket.Status.RESOLVED: "ok",
    Ticket.Status.CLOSED: "ok",
    Ticket.Status.ON_HOLD: "warn",
    Ticket.Status.REOPENED: "warn",
}


@dataclass
class DeskListChoices:
    """Options of the list filters as (value, label) with string values, and lookups by id."""

    categories: list[tuple[str, str]]
    teams: list[tuple[str, str]]
    staff: list[tuple[str, str]]
    estates: list[tuple[str, str]]

    def label_rows(self, tickets) -> None:
        categories, teams, staff = dict(self.categories), dict(self.teams), dict(self.staff)
        missing = {t.assignee_id for t in tickets if t.assignee_id and str(t.assignee_id) not in staff}
        if missing:  # someone who has left still holds old work
            staff.update((str(pk), _person_name(*rest)) for pk, *rest in _user_names(missing))
        now = timezone.now()
        major = gettext("major")
        # get_FOO_display() rebuilds and translates the whole choice list on every call; translate once.
        status_labels = {value: str(label) for value, label in Ticket.Status.choices}
        kind_labels = {value: str(label) for value, label in Ticket.Kind.choices}
        priority_labels = {value: str(label) for value, label in Ticket.Priority.choices}
        for ticket in tickets:
            ticket.category_label = categories.get(str(ticket.category_id), "")
            ticket.team_label = teams.get(str(ticket.team_id), "") if ticket.team_id else ""
            ticket.assignee_label = staff.get(str(ticket.assignee_id), "") if ticket.assignee_id else ""
            # What a row shows, worked out here once rather than by template logic per cell.
            ticket.is_late = ticket.is_overdue(now)
            ticket.status_css = STATUS_CSS.get(ticket.status, "")
            ticket.status_label = status_labels.get(ticket.status, ticket.status)
            ticket.type_label = f"{kind_labels.get(ticket.kind, ticket.kind)} · {ticket.category_label}"
            ticket.where_label = ticket.place
            ticket.dispatch_label = " · ".join(
                part for part in (ticket.team_label or "—", ticket.assignee_label) if part
            )
            flags = []
            if ticket.priority in (Ticket.Priority.EMERGENCY, Ticket.Priority.URGENT):
                flags.append(priority_labels[ticket.priority])
            if ticket.is_major:
                flags.append(major)
            ticket.flag_label = " · ".join(flags)


def _user_names(ids) -> list[tuple]:
    return list(User.objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name", "username"))


def _person_name(first_name: str, last_name: str, username: str) -> str:
    return f"{first_name} {last_name}".strip() or username


def desk_list_choices(*, user) -> DeskListChoices:
    """Four small queries of plain values (no model instances)."""
    access = access_for(user)
    users = User.objects.filter(is_active=True, staff_profile__isnull=False)
    if not access.all_estates:
        users = users.filter(staff_profile__estates__in=sorted(access.estate_ids))
    from residents.models import Estate

    return DeskListChoices(
        categories=[
            (str(pk), str(TicketCategory(name=name)))
            for pk, name in TicketCategory.objects.order_by("sort_order", "code").values_list("pk", "name")
        ],
        teams=[
            (str(pk), name)
            for pk, name in Team.objects.visible_to(user)
            .order_by("estate_id", "name")
            .values_list("pk", "name")
        ],
        staff=[
            (str(pk), _person_name(*rest))
            for pk, *rest in users.distinct()
            .order_by("first_name", "username")
            .values_list("pk", "first_name", "last_name", "username")
        ],
        estates=[
            (str(pk), name)
            for pk, name in Estate.objects.visible_to(user).order_by("code").values_list("pk", "name")
        ],
    )


def ticket_for_page(*, user, pk: int) -> Ticket:
    """One ticket with its timeline (warnings and escalations included), files and callbacks, or
    Ticket.DoesNotExist when out of the user's reach. Residents get only what is public. Four
    queries whatever the history."""
    access = access_for(user)
    events = TicketEvent.objects.select_related("actor").order_by("created_at", "pk")
    attachments = TicketAttachment.objects.order_by("uploaded_at", "pk")
    if not access.is_staff_member:
        events = events.filter(is_public=True)
        attachments = attachments.filter(is_internal=False)
    return (
        Ticket.objects.visible_to(user)
        # Past five tables PostgreSQL spends more planning the join (every order of nine tables)
        # than fetching: dispatch and root cause come by primary key, and not at all when empty.
        .select_related("estate", "category", "unit", "reporter")
        .prefetch_related(
            "team",
            "assignee",
            "root_cause",
            "public_location",
            Prefetch("events", queryset=events),
            Prefetch("attachments", queryset=attachments),
            Prefetch(
                "callbacks",
                queryset=Callback.objects.select_related("assigned_to", "team", "co_reporter__person"),
            ),
            Prefetch("co_reporters", queryset=TicketCoReporter.objects.select_related("person")),
        )
        .get(pk=pk)
    )


def label_events(events) -> None:
    """Timeline labels, translated once per page rather than per event (get_FOO_display
    rebuilds and translates the whole choice list on every call)."""
    statuses = {value: str(label) for value, label in Ticket.Status.choices}
    kinds = {value: str(label) for value, label in TicketEvent.Kind.choices}
    for event in events:
        if event.kind in (TicketEvent.Kind.STATUS, TicketEvent.Kind.ASSIGNED) and event.to_status:
            event.title = f"{statuses.get(event.from_status, '')} → {statuses.get(event.to_status, '')}"
        else:
            event.title = kinds.get(event.kind, event.kind)


def assign_choices(*, estate_id: int) -> dict[str, list[tuple[str, str]]]:
    """People and teams a ticket of the estate can be dispatched to, as plain (value, label) pairs."""
    people = [
        (str(pk), _person_name(first, last, username) + (f" · {team}" if team else ""))
        for pk, first, last, username, team in assignable_users(estate_id=estate_id).values_list(
            "pk", "first_name", "last_name", "username", "staff_profile__team__name"
        )
    ]
    teams = [
        (str(pk), name)
        for pk, name in Team.objects.filter(estate_id=estate_id).order_by("name").values_list("pk", "name")
    ]
    return {"people": people, "teams": teams}


def recent_tickets_of_unit(*, user, unit, limit: int = 10) -> list[Ticket]:
    return list(
        Ticket.objects.visible_to(user)
        .filter(unit=unit)
        .select_related("category", "assignee", "team")
        .order_by("-created_at")[:limit]
    )


def recent_tickets_of_resident(*, user, limit: int = 5) -> list[Ticket]:
    return list(
        Ticket.objects.visible_to(user).select_related("category", "unit").order_by("-created_at")[:limit]
    )


def callbacks_for_list(*, user) -> QuerySet[Callback]:
    return (
        Callback.objects.visible_to(user)
        # Two joins and three small lookups: planning a six-way join costs more than it saves.
        .select_related("ticket__category", "ticket__unit", "ticket__public_location", "co_reporter")
        .prefetch_related("ticket__reporter", "co_reporter__person", "assigned_to", "team")
        .order_by("next_attempt_at", "pk")
    )


def label_callbacks(callbacks) -> None:
    statuses = {value: str(label) for value, label in Callback.Status.choices}
    now = timezone.now()
    for callback in callbacks:
        callback.status_label = statuses.get(callback.status, callback.status)
        callback.is_late = callback.is_overdue(now)


def tickets_for_work_cards(*, user) -> QuerySet[Ticket]:
    return Ticket.objects.visible_to(user).select_related("unit", "public_location", "category", "reporter")


def label_cards(tickets) -> None:
    """What a work card shows, translated once per page."""
    statuses = {value: str(label) for value, label in Ticket.Status.choices}
    priorities = {value: str(label) for value, label in Ticket.Priority.choices}
    now = timezone.now()
    for ticket in tickets:
        ticket.status_label = statuses.get(ticket.status, ticket.status)
        ticket.status_css = STATUS_CSS.get(ticket.status, "")
        ticket.is_late = ticket.is_overdue(now)
        ticket.priority_flag = (
            priorities[ticket.priority]
            if ticket.priority in (Ticket.Priority.EMERGENCY, Ticket.Priority.URGENT)
            else ""
        )


def reviews_for_list(*, user) -> QuerySet[CallbackReview]:
    return (
        CallbackReview.objects.visible_to(user)
        .select_related(
            "sample__estate",
            "callback__ticket__unit",
            "callback__ticket__public_location",
            "callback__ticket__reporter",
            "callback__completed_by",
            "reviewed_by",
        )
        .order_by("-sample__month", "reviewed_at", "pk")
    )


def with_pending_callback_due(queryset: QuerySet[Ticket], *, now: datetime) -> QuerySet[Ticket]:
    return queryset.filter(
        Exists(
            Callback.objects.filter(
                ticket=OuterRef("pk"), status=Callback.Status.PENDING, next_attempt_at__lte=now
            )
        )
    )


# --- possible duplicates at the desk ------------------------------------------------------------

# A second caller about the same leak usually rings within days; older tickets are other problems.
DUPLICATE_WINDOW = timedelta(days=7)
DUPLICATE_LIMIT = 10


def possible_duplicates(
    *,
    user,
    category_id: int | None,
    unit_id: int | None = None,
    public_location_id: int | None = None,
    now: datetime | None = None,
    limit: int = DUPLICATE_LIMIT,
) -> list[Ticket]:
    """Open tickets the user can see, of the same category and the same unit (or, without a
    unit, the same public place), registered in the last seven days: newest first. One query."""
    if not category_id or not (unit_id or public_location_id):
        return []
    now = now or timezone.now()
    tickets = (
        Ticket.objects.visible_to(user)
        .open()
        .filter(category_id=category_id, created_at__gte=now - DUPLICATE_WINDOW)
    )
    tickets = (
        tickets.filter(unit_id=unit_id) if unit_id else tickets.filter(public_location_id=public_location_id)
    )
    return list(
        tickets.select_related("unit", "public_location", "category", "team", "assignee")
        .annotate(co_reporter_count=Count("co_reporters"))
        .order_by("-created_at", "-pk")[:limit]
    )


def registration_key_used(key: str) -> bool:
    return TicketRequestKey.objects.filter(key=key).exists()


def duplicate_rows(tickets: list[Ticket]) -> list[dict]:
    """The JSON the desk form shows (no personal data: number, place, status, age)."""
    statuses = dict(Ticket.Status.choices)
    return [
        {
            "id": ticket.pk,
            "number": ticket.number,
            "place": ticket.place,
            "category": str(ticket.category),
            "status": ticket.status,
            "status_label": str(statuses.get(ticket.status, ticket.status)),
            "created_at": timezone.localtime(ticket.created_at).isoformat(),
            "description": ticket.description[:120],
            "team": ticket.team.name if ticket.team_id else "",
            "co_reporter_count": getattr(ticket, "co_reporter_count", 0),
        }
        for ticket in tickets
    ]


# --- the front desk's type-ahead --------------------------------------------------------------


PHONE_MATCHES = 200  # people sharing one phone's last four digits; far more than a form shows


def lookup_reporters(*, user, query: str, limit: int = 12) -> list[dict]:
    """Units and their current occupants matching a phone (full or last digits), a name or a unit
    code, for the new-ticket form. Phones come back masked. Two queries, whatever the match (three
    for a phone: the people it matches first)."""
    query = query.strip()
    if not query or (len(query) < 2 and query.isascii()):  # one Chinese character is a surname
        return []
    occupancies = (
        Occupancy.objects.visible_to(user)
        .current()
        .select_related("person", "unit__estate")
        .order_by("unit__code", "role", "person__name")
    )
    units = Unit.objects.visible_to(user).select_related("estate").order_by("code")
    parsed = parse_archive_query(query)
    if parsed.kind == "unit":
        occupancies = occupancies.filter(unit__code__istartswith=parsed.text)
        units = units.filter(code__istartswith=parsed.text)
    elif parsed.kind == "phone":
        # People first, from their phone indexes (a handful), then their occupancies by key. As a
        # join or a subquery, PostgreSQL walked every current occupancy in unit-code order looking
        # for the few matches (30x the floor at 50,000 units).
        matching = list(Person.objects.filter(parsed.person_q()).values_list("pk", flat=True)[:PHONE_MATCHES])
        occupancies = occupancies.filter(person_id__in=matching)
        units = units.none()
    else:
        occupancies = occupancies.filter(
            Q(person__name__icontains=parsed.text) | Q(unit__code__istartswith=parsed.text)
        )
        units = units.filter(code__istartswith=parsed.text)
    results: list[dict] = []
    seen_units: set[int] = set()
    for occ in occupancies[:limit]:
        seen_units.add(occ.unit_id)
        results.append(_lookup_row(occ.unit, occ.person, occ.get_role_display()))
    for unit in units[: max(0, limit - len(results))]:
        if unit.pk not in seen_units:
            results.append(_lookup_row(unit, None, ""))
    return results


def _lookup_row(unit: Unit, person, role: str) -> dict:
    return {
        "unit": {"id": unit.pk, "code": unit.code, "estate_id": unit.estate_id, "estate": unit.estate.name},
        "person": (
            {"id": person.pk, "name": person.name, "mobile_masked": person.mobile_masked, "role": str(role)}
            if person
            else None
        ),
    }


# --- KPIs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketMetrics:
    estate_id: int
    month: str
    ticket_count: int
    counts_by_kind: dict[str, int]
    counts_by_status: dict[str, int]
    timely_handling_rate: float | None
    success_rate: float | None
    callback_rate: float | None
    satisfaction_rate: float | None
    average_satisfaction: float | None
    complaints_replied_within_72h_rate: float | None
    average_response_hours: float | None
    average_resolution_hours: float | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _hours(delta: timedelta | None) -> float | None:
    return round(delta.total_seconds() / 3600, 2) if delta is not None else None


def _duration(later: str, earlier: str):
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


# What a KPI row can be grouped by: the team that holds the ticket, the staff member it is
# assigned to, or the housekeeper's zone (责任片区) of its unit's or public place's building.
KPI_GROUPS = ("team", "assignee", "zone")


def _group_expression(by: str, prefix: str = ""):
    if by == "team":
        return F(f"{prefix}team_id")
    if by == "assignee":
        return F(f"{prefix}assignee_id")
    if by == "zone":
        return Coalesce(
            F(f"{prefix}unit__building__zone_building__zone_id"),
            F(f"{prefix}public_location__building__zone_building__zone_id"),
        )
    raise ValueError(by)


def _ticket_figures(
    cohort: QuerySet[Ticket], *, now: datetime, reply_limit: timedelta, by: str | None
) -> dict:
    """The counts behind every rate, per group (key None when not grouped): two queries."""
    live = Q(status__in=[s for s in Ticket.Status.values if s != Ticket.Status.CANCELLED])
    complaint = live & Q(kind=Ticket.Kind.COMPLAINT)
    # The ticket's own callback: a co-reporter's call is heard but does not count twice.
    reached = Callback.objects.filter(ticket=OuterRef("pk"), co_reporter__isnull=True, reached=True)
    tickets = cohort.annotate(
        has_reached_call=Exists(reached), has_unsolved_call=Exists(reached.filter(is_solved=False))
    )
    aggregates = {
        "total": Count("pk"),
        **{f"kind_{k}": Count("pk", filter=Q(kind=k)) for k in Ticket.Kind.values},
        **{f"status_{k}": Count("pk", filter=Q(status=k)) for k in Ticket.Status.values},
        "on_time": Count(
            "pk",
            filter=live
            & Q(first_resolved_at__isnull=False, first_resolved_at__lte=F("first_resolution_due_at")),
        ),
        "judged": Count(
            "pk",
            filter=live
            & (
                Q(first_resolved_at__isnull=False)
                | Q(
                    first_resolved_at__isnull=True, status__in=Ticket.CLOCK_RUNNING, resolution_due_at__lt=now
                )
            ),
        ),
        "resolved_once": Count("pk", filter=live & (Q(resolved_at__isnull=False) | Q(reopen_count__gt=0))),
        "complaints_in_time": Count(
            "pk",
            filter=complaint
            & Q(first_replied_at__isnull=False, first_replied_at__lte=F("created_at") + reply_limit),
        ),
        "complaints_judged": Count(
            "pk",
            filter=complaint & (Q(first_replied_at__isnull=False) | Q(created_at__lt=now - reply_limit)),
        ),
        "reached_tickets": Count("pk", filter=live & Q(has_reached_call=True)),
        "confirmed_tickets": Count("pk", filter=live & Q(has_reached_call=True, has_unsolved_call=False)),
        "response": Avg(
            _duration("first_responded_at", "created_at"), filter=live & Q(first_responded_at__isnull=False)
        ),
        "resolution": Avg(_duration("resolved_at", "created_at"), filter=live & Q(resolved_at__isnull=False)),
        "held_minutes": Avg("on_hold_minutes", filter=live & Q(resolved_at__isnull=False)),
    }
    calls = Callback.objects.filter(ticket__in=cohort.filter(live), co_reporter__isnull=True, reached=True)
    call_aggregates = {
        "scored": Count("pk", filter=Q(satisfaction__isnull=False)),
        "satisfied": Count("pk", filter=Q(satisfaction__gte=4)),
        "score_total": Sum("satisfaction"),
    }
    if by is None:
        rows = {None: tickets.aggregate(**aggregates)}
        rows[None] |= calls.aggregate(**call_aggregates)
    else:
        rows = {
            row.pop("group_key"): row
            for row in tickets.annotate(group_key=_group_expression(by))
            .values("group_key")
            .annotate(**aggregates)
            .order_by()
        }
        for row in (
            calls.annotate(group_key=_group_expression(by, "ticket__"))
            .values("group_key")
            .annotate(**call_aggregates)
            .order_by()
        ):
            rows.setdefault(row.pop("group_key"), {}).update(row)
    for figures in rows.values():
        scored = figures.get("scored") or 0
        figures["scored"], figures["satisfied"] = scored, figures.get("satisfied") or 0
        figures["mean_score"] = figures["score_total"] / scored if scored else None
    return rows


def _metrics_from(figures: dict, *, estate_id: int, month: date) -> TicketMetrics:
    return TicketMetrics(
        estate_id=estate_id,
        month=f"{month:%Y-%m}",
        ticket_count=figures["total"],
        counts_by_kind={k: figures[f"kind_{k}"] for k in Ticket.Kind.values if figures[f"kind_{k}"]},
        counts_by_status={k: figures[f"status_{k}"] for k in Ticket.Status.values if figures[f"status_{k}"]},
        timely_handling_rate=timely_handling_rate(figures),
        success_rate=success_rate(figures),
        callback_rate=callback_rate(figures),
        satisfaction_rate=satisfaction_rate(figures),
        average_satisfaction=round(figures["mean_score"], 2) if figures["mean_score"] is not None else None,
        complaints_replied_within_72h_rate=complaints_replied_rate(figures),
        average_response_hours=average_response_hours(figures),
        average_resolution_hours=average_resolution_hours(figures),
    )


def _cohort(estate, month: date) -> QuerySet[Ticket]:
    start, end = month_bounds(month)
    return Ticket.objects.filter(estate=estate, created_at__gte=start, created_at__lt=end)


def ticket_metrics(*, estate, month: date, now: datetime | None = None) -> TicketMetrics:
    """KPIs of the tickets registered in one estate in one calendar month (local time).

    The cohort is every ticket registered in the month; cancelled tickets count in
    `counts_by_kind`/`counts_by_status` and nowhere else. Each rate is a number from 0 to 1, or
    None when its denominator is empty; its definition is the docstring of the function of the
    same name below. Everything is counted in the database: two queries whatever the size.
    """
    now = now or timezone.now()
    reply_limit = timedelta(hours=policy_for(estate).complaint_reply_hours)
    figures = _ticket_figures(_cohort(estate, month), now=now, reply_limit=reply_limit, by=None)[None]
    return _metrics_from(figures, estate_id=estate.pk, month=month)


@dataclass(frozen=True)
class TicketMetricsRow:
    key: int | None
    label: str
    metrics: TicketMetrics

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, **self.metrics.as_dict()}


def ticket_metrics_by(*, estate, month: date, by: str, now: datetime | None = None) -> list[TicketMetricsRow]:
    """The same KPIs as `ticket_metrics`, one row per team, staff member (assignee) or zone, with
    the same definitions; tickets with no team, assignee or zone form one row with key None.
    Four queries whatever the size (figures, callbacks, labels)."""
    if by not in KPI_GROUPS:
        raise ValueError(by)
    now = now or timezone.now()
    reply_limit = timedelta(hours=policy_for(estate).complaint_reply_hours)
    rows = _ticket_figures(_cohort(estate, month), now=now, reply_limit=reply_limit, by=by)
    rows = {key: figures for key, figures in rows.items() if "total" in figures}
    labels = group_labels(by, [key for key in rows if key is not None])
    unset = group_unset_label(by)
    result = [
        TicketMetricsRow(
            key=key,
            label=labels.get(key, unset) if key is not None else unset,
            metrics=_metrics_from(figures, estate_id=estate.pk, month=month),
        )
        for key, figures in rows.items()
    ]
    return sorted(result, key=lambda row: (row.key is None, row.label))


def group_unset_label(by: str) -> str:
    return {"team": gettext("No team"), "assignee": gettext("Nobody assigned"), "zone": gettext("No zone")}[
        by
    ]


def group_labels(by: str, keys: list[int]) -> dict[int, str]:
    if not keys:
        return {}
    if by == "team":
        return dict(Team.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "zone":
        return dict(Zone.objects.filter(pk__in=keys).values_list("pk", "name"))
    return {
        pk: _person_name(first, last, username)
        for pk, first, last, username in User.objects.filter(pk__in=keys).values_list(
            "pk", "first_name", "last_name", "username"
        )
    }


# --- stored months (`TicketMetricsMonth`, issue #16) -------------------------------------------

_METRICS_FIELDS = frozenset(TicketMetrics.__dataclass_fields__)


@dataclass(frozen=True)
class StoredTicketMetrics:
    """What `tickets.services.metrics.monthly_ticket_metrics` returns: the month's figures (`metrics` when not grouped,
    `rows` when grouped) and when they were computed, which the API and the page show."""

    computed_at: datetime
    metrics: TicketMetrics | None = None
    rows: list[TicketMetricsRow] | None = None


def is_final(month: date, computed_at: datetime) -> bool:
    """Was a stored month computed after the month ended? Then it is the month's figure (until
    the nightly refresh of days 1-5 or a rebuild replaces it); otherwise it is a snapshot taken
    while the month was running, used only while younger than `KPI_LIVE_MAX_AGE_SECONDS`."""
    return month_ended_by(month, computed_at)


def stored_month_usable(month: date, computed_at: datetime, now: datetime) -> bool:
    if is_final(month, computed_at):
        return True
    if month != month_start(timezone.localdate(now)):
        return False  # a snapshot of a month that has ended since: computed again
    age = (now - computed_at).total_seconds()
    return 0 <= age < settings.KPI_LIVE_MAX_AGE_SECONDS


def metrics_from_stored(figures, by: str) -> TicketMetrics | list[tuple[int | None, TicketMetrics]] | None:
    """The stored figures back as the selector returned them; None when they were stored by an
    older definition (a field added or removed since), so that the month is computed again."""
    if not by:
        if not isinstance(figures, dict) or set(figures) != _METRICS_FIELDS:
            return None
        return TicketMetrics(**figures)
    if not isinstance(figures, list):
        return None
    rows = []
    for row in figures:
        row = dict(row)
        key = row.pop("key", None)
        if set(row) != _METRICS_FIELDS:
            return None
        rows.append((key, TicketMetrics(**row)))
    return rows


def timely_handling_rate(figures: dict) -> float | None:
    """处理及时率. Judged once, on the FIRST resolution. Numerator: tickets whose first
    resolution came by the resolution deadline then in force (the promise made at registration,
    pushed back only by time on hold). Denominator: tickets resolved at least once, plus tickets
    never resolved whose deadline has passed (they can no longer be on time). A reopen gives the
    team a new working deadline but no second chance here: a late first resolution stays late,
    and the reopen counts against the success rate. Tickets still open within their deadline are
    not judged yet."""
    return _rate(figures["on_time"], figures["judged"])


def success_rate(figures: dict) -> float | None:
    """处理成功率. Numerator: tickets whose reached callbacks all confirmed the problem solved (a
    callback answering "not solved" reopens the ticket and makes it a failure, even if a later
    callback confirms it). Denominator: tickets with at least one callback that reached the
    resident."""
    return _rate(figures["confirmed_tickets"], figures["reached_tickets"])


def callback_rate(figures: dict) -> float | None:
    """回访率. Numerator: tickets with a callback that reached the resident (by phone, visit or the
    resident's own rating in the portal). Denominator: tickets resolved at least once (resolved
    or closed now, or reopened, which needs a resolution first)."""
    return _rate(figures["reached_tickets"], figures["resolved_once"])


def satisfaction_rate(figures: dict) -> float | None:
    """满意率. Numerator: reached callbacks scoring 4 or 5 (satisfied or very satisfied).
    Denominator: reached callbacks with a score. (`average_satisfaction` is their mean, 1–5.)"""
    return _rate(figures["satisfied"], figures["scored"])


def complaints_replied_rate(figures: dict) -> float | None:
    """Complaints answered within the reply limit (72 hours by default, `TicketPolicy`).
    Only a reply that reached the complainant counts: a `replied` event (a call, SMS, letter,
    word in person or portal message to them, `tickets.services.reply_to_reporter`); internal
    work such as starting or holding the ticket does not. Numerator: complaints whose first reply
    came within the limit of registration. Denominator: complaints that have had a reply, plus
    unanswered complaints whose limit has passed. Cancelled complaints are left out."""
    return _rate(figures["complaints_in_time"], figures["complaints_judged"])


def average_response_hours(figures: dict) -> float | None:
    """Mean hours from registration to the first response, over tickets that have one."""
    return _hours(figures["response"])


def average_resolution_hours(figures: dict) -> float | None:
    """Mean hours from registration to the (latest) resolution, time on hold excluded as for the
    SLA, over tickets resolved or closed after a resolution."""
    if figures["resolution"] is None:
        return None
    return _hours(figures["resolution"] - timedelta(minutes=float(figures["held_minutes"] or 0)))


# --- intake suggestions ------------------------------------------------------------------------

SUGGESTIONS_SHOWN = 3


@dataclass(frozen=True)
class SuggestedChoice:
    id: int
    name: str
    confidence: float


@dataclass(frozen=True)
class SuggestedPair:
    """One chip of the desk form: a category with the team that handles it."""

    category: SuggestedChoice
    team: SuggestedChoice | None


@dataclass(frozen=True)
class IntakeSuggestions:
    SOURCE_HISTORY = "history"  # learnt from the estate's finished tickets
    SOURCE_KEYWORDS = "keywords"  # the history is thin: the categories' keywords

    source: str
    categories: list[SuggestedChoice]
    teams: list[SuggestedChoice]
    pairs: list[SuggestedPair]

    def as_dict(self) -> dict:
        def choice(c: SuggestedChoice | None):
            return None if c is None else {"id": c.id, "name": c.name, "confidence": round(c.confidence, 3)}

        return {
            "source": self.source,
            "categories": [choice(c) for c in self.categories],
            "teams": [choice(t) for t in self.teams],
            "suggestions": [{"category": choice(p.category), "team": choice(p.team)} for p in self.pairs],
        }


# Loaded models per process, keyed by estate; a row trained since (another `trained_at`) replaces it.
_LOADED_MODELS: dict[int, tuple[datetime, IntakeModel]] = {}


def _intake_model(estate_id: int) -> IntakeModel | None:
    trained_at = (
        SuggestionModel.objects.filter(estate_id=estate_id).values_list("trained_at", flat=True).first()
    )
    if trained_at is None:
        return None
    cached = _LOADED_MODELS.get(estate_id)
    if cached is not None and cached[0] == trained_at:
        return cached[1]
    row = SuggestionModel.objects.filter(estate_id=estate_id).values_list("trained_at", "payload").first()
    if row is None:
        return None
    model = IntakeModel.loads(row[1])
    _LOADED_MODELS[estate_id] = (row[0], model)
    return model


def _category_keywords(category: TicketCategory) -> list[str]:
    return [category.name, gettext(category.name), *CATEGORY_KEYWORDS.get(category.code, ())]


def intake_suggestions(*, estate, description: str) -> IntakeSuggestions:
    """The likeliest categories and teams for a new request of `estate`, from its description: learnt
    from the estate's finished tickets (`tickets.services.train_suggestion_model`), or, while no
    model is trained, from the categories' keywords. Only active categories and the estate's own
    teams are offered. Three queries (four when this process has not loaded the model yet)."""
    categories = {c.pk: c for c in active_categories()}
    teams = {t.pk: t for t in Team.objects.filter(estate=estate).order_by("pk")}
    team_of_kind: dict[str, int] = {}
    for team in teams.values():
        team_of_kind.setdefault(team.kind, team.pk)

    def dispatch_team_id(category: TicketCategory) -> int | None:
        return team_of_kind.get(category.team_kind) or team_of_kind.get(Team.Kind.CUSTOMER_SERVICE)

    model = _intake_model(estate.pk)
    if model is not None:
        source = IntakeSuggestions.SOURCE_HISTORY
        wide = len(categories) + len(teams)  # rank all, then drop labels no longer offered
        ranked_categories, ranked_teams = model.rank(description, limit=wide)
        ranked_categories = [r for r in ranked_categories if r.label in categories]
        ranked_teams = [r for r in ranked_teams if r.label in teams]
        learnt_team = model.team_by_category
    else:
        source = IntakeSuggestions.SOURCE_KEYWORDS
        ranked_categories = keyword_scores(
            description, {pk: _category_keywords(c) for pk, c in categories.items()}
        )
        team_scores: dict[int, float] = {}
        for ranked in ranked_categories:
            team_id = dispatch_team_id(categories[ranked.label])
            if team_id is not None:
                team_scores[team_id] = team_scores.get(team_id, 0.0) + ranked.confidence
        ranked_teams = [
            Ranked(pk, score) for pk, score in sorted(team_scores.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        learnt_team = {}

    top_categories = [
        SuggestedChoice(r.label, str(categories[r.label]), r.confidence)
        for r in ranked_categories[:SUGGESTIONS_SHOWN]
    ]
    top_teams = [
        SuggestedChoice(r.label, teams[r.label].name, r.confidence) for r in ranked_teams[:SUGGESTIONS_SHOWN]
    ]
    team_confidence = {r.label: r.confidence for r in ranked_teams}
    pairs = []
    for choice in top_categories:
        team_id = learnt_team.get(choice.id)
        if team_id not in teams:
            team_id = dispatch_team_id(categories[choice.id])
        team = (
            SuggestedChoice(team_id, teams[team_id].name, team_confidence.get(team_id, 0.0))
            if team_id is not None
            else None
        )
        pairs.append(SuggestedPair(choice, team))
    return IntakeSuggestions(source=source, categories=top_categories, teams=top_teams, pairs=pairs)


def tickets_of_incident(*, incident, user) -> QuerySet[Ticket]:
    """The tickets linked to an incident that the user may see (the incident page's list)."""
    return (
        Ticket.objects.visible_to(user)
        .filter(incidents=incident)
        .select_related("category", "unit")
        .order_by("-created_at", "-pk")
    )


def incident_ticket_rows(*, incident, user) -> list[dict]:
    """The incident page's linked tickets as plain rows (staff shows them without importing
    tickets; registered in TicketsConfig.ready). One query."""
    return [
        {
            "id": ticket.pk,
            "number": ticket.number,
            "summary": ticket.description[:80],
            "status": ticket.status,
            "status_label": str(ticket.get_status_display()),
            "category": str(ticket.category),
        }
        for ticket in tickets_of_incident(incident=incident, user=user)
    ]
