"""Performance (绩效) of each staff member of an estate for one calendar month, from the records.

A cross-app read (tickets, callbacks, billing, renovation patrols), so it lives in the top layer.
Every figure is defined in the docstring of the function that computes it below; the ticket rates
reuse the definitions of `tickets.selectors` (grouped by assignee), the collection rate that of
`billing.selectors.collection_rate`. A whole estate and month costs a fixed handful of queries,
whatever the number of people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, DecimalField, F, Q, Sum, When
from django.utils import timezone

from billing.models import Allocation, Bill
from billing.selectors import collection_rate
from renovations.models import Patrol
from residents.models import Unit
from servicecenter.money import to_money
from servicecenter.periods import month_bounds, month_start
from staff import models as staff_models
from staff.models import Zone, ZoneBuilding
from tickets import selectors as ticket_selectors
from tickets.models import Callback, Ticket, TicketEvent

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)

# Column key → the function whose docstring defines it (shown as help on the page and the API).
FIGURES = (
    "tickets_handled",
    "timely_handling_rate",
    "success_rate",
    "satisfaction_rate",
    "callbacks_done",
    "zone_collection_rate",
    "patrols_done",
    "patrols_missed",
    "attendance_rate",
)


@dataclass
class PerformanceRow:
    user_id: int
    name: str
    title: str = ""
    tickets_handled: int = 0
    timely_handling_rate: float | None = None
    success_rate: float | None = None
    satisfaction_rate: float | None = None
    callbacks_done: int = 0
    zone_collection_rate: Decimal | None = None
    patrols_done: int = 0
    patrols_missed: int = 0
    attendance_rate: float | None = None
    zones: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "user": self.user_id,
            "name": self.name,
            "title": self.title,
            **{key: getattr(self, key) for key in FIGURES},
            "zones": self.zones,
        }


def staff_of_estate(estate) -> list:
    """The estate's staff members (a staff profile on the estate), in name order: one query."""
    return list(
        get_user_model()
        .objects.filter(staff_profile__estates=estate, is_active=True)
        .select_related("staff_profile")
        .order_by("last_name", "first_name", "username")
    )


def tickets_handled(*, estate, month: date) -> dict[int, int]:
    """Tickets handled: distinct tickets of the estate that the person marked resolved (a status
    event to "resolved" recorded by them) within the month, whenever the ticket was registered.
    A ticket resolved twice by the same person in the month counts once. One query."""
    start, end = month_bounds(month)
    return dict(
        TicketEvent.objects.filter(
            ticket__estate=estate,
            kind=TicketEvent.Kind.STATUS,
            to_status=Ticket.Status.RESOLVED,
            actor__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("actor_id")
        .annotate(n=Count("ticket_id", distinct=True))
        .order_by()
        .values_list("actor_id", "n")
    )


def ticket_rates(*, estate, month: date, now=None) -> dict[int, dict]:
    """On-time, success and satisfaction shares of the tickets registered in the month and
    assigned to the person, exactly as `tickets.selectors.timely_handling_rate`, `success_rate` and
    `satisfaction_rate` define them (`ticket_metrics_by(by="assignee")`), each 0–1 or None when its
    denominator is empty."""
    return {
        row.key: {
            "timely_handling_rate": row.metrics.timely_handling_rate,
            "success_rate": row.metrics.success_rate,
            "satisfaction_rate": row.metrics.satisfaction_rate,
        }
        for row in ticket_selectors.ticket_metrics_by(estate=estate, month=month, by="assignee", now=now)
        if row.key is not None
    }


def callbacks_done(*, estate, month: date) -> dict[int, int]:
    """Callbacks done: callbacks of the estate that the person recorded as completed (the resident
    reached) within the month, co-reporters' calls included; unreachable attempts do not count.
    One query."""
    start, end = month_bounds(month)
    return dict(
        Callback.objects.filter(
            estate=estate,
            status=Callback.Status.COMPLETED,
            completed_by__isnull=False,
            completed_at__gte=start,
            completed_at__lt=end,
        )
        .values("completed_by_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("completed_by_id", "n")
    )


def zone_collection_rates(*, estate, month: date) -> tuple[dict[int, Decimal | None], dict[int, list[str]]]:
    """Fee collection rate of the housekeeper's zone(s) (片区收缴率): the collection rate of
    `billing.selectors.collection_rate` (collected for the month ÷ charged for the month, in percent
    with two decimals) restricted to the bills of units in the buildings of the zones the person
    keeps. Charged: the month's bills not voided. Collected: what payments received in the month
    allocated to those bills, less allocations of payments voided or refunded in the month. A person
    keeping no zone, or whose zones were charged nothing, has None. Three queries (one without
    zones)."""
    month = month_start(month)
    start, end = month_bounds(month)
    zones = list(
        Zone.objects.filter(estate=estate, housekeeper__isnull=False).values_list(
            "pk", "name", "housekeeper_id"
        )
    )
    keeper_of = {zone_id: keeper_id for zone_id, _name, keeper_id in zones}
    names: dict[int, list[str]] = {}
    for _zone_id, name, keeper_id in zones:
        names.setdefault(keeper_id, []).append(name)
    charged: dict[int, Decimal] = {}
    collected: dict[int, Decimal] = {}
    if not keeper_of:
        return {}, names

    # One pass over the month's bills with a sum per zone (units of the zone's buildings, read once
    # each): joining every bill to its unit, building and zone costs a lookup per bill, which a
    # month of a large estate (100,000 bills) makes seconds.
    def units_of(zone_id: int):
        buildings = ZoneBuilding.objects.filter(zone_id=zone_id).values("building_id")
        return Unit.objects.filter(building_id__in=buildings).values("pk")

    bills_of = {zone_id: Q(unit_id__in=units_of(zone_id)) for zone_id in keeper_of}
    charged_sums = (
        Bill.objects.charged()
        .filter(estate=estate, period=month)
        .aggregate(**{f"zone_{zone_id}": Sum("amount", filter=q) for zone_id, q in bills_of.items()})
    )
    received = Q(payment__received_at__gte=start, payment__received_at__lt=end)
    reversed_ = Q(payment__reversal__created_at__gte=start, payment__reversal__created_at__lt=end)
    # Received in the month counts up, reversed in the month down (both: nothing).
    net = Case(When(received, then=F("amount")), default=ZERO) - Case(
        When(reversed_, then=F("amount")), default=ZERO
    )
    collected_sums = (
        Allocation.objects.filter(estate=estate, bill__period=month)
        .filter(received | reversed_)
        .aggregate(
            **{
                f"zone_{zone_id}": Sum(net, filter=Q(bill__unit_id__in=units_of(zone_id)), output_field=MONEY)
                for zone_id in keeper_of
            }
        )
    )
    for zone_id, keeper in keeper_of.items():
        if (total := charged_sums[f"zone_{zone_id}"]) is not None:
            charged[keeper] = charged.get(keeper, ZERO) + to_money(total)
        if (total := collected_sums[f"zone_{zone_id}"]) is not None:
            collected[keeper] = collected.get(keeper, ZERO) + to_money(total)
    rates = {
        keeper: collection_rate(charged=charged.get(keeper, ZERO), collected=collected.get(keeper, ZERO))
        for keeper in names
    }
    return rates, names


def patrols(*, estate, month: date) -> tuple[dict[int, int], dict[int, int]]:
    """Renovation patrols done and missed in the month (by the patrol's date). Done: patrols the
    person recorded (OK or a violation found, `patrolled_by`). Missed: patrols assigned to the person
    (`assignee`, the zone's housekeeper when the patrol was created) left unrecorded and marked
    missed. Patrols still due are neither. One query."""
    month = month_start(month)
    start = month
    end = month_bounds(month)[1].date()
    rows = Patrol.objects.filter(estate=estate, date__gte=start, date__lt=end)
    done = dict(
        rows.filter(result__in=[Patrol.Result.OK, Patrol.Result.VIOLATION], patrolled_by__isnull=False)
        .values("patrolled_by_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("patrolled_by_id", "n")
    )
    missed = dict(
        rows.filter(result=Patrol.Result.MISSED, assignee__isnull=False)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("assignee_id", "n")
    )
    return done, missed


def attendance_available() -> bool:
    """Whether the staff app records attendance (考勤) yet."""
    return hasattr(staff_models, "AttendanceRecord")


def attendance_rates(*, estate, month: date, now=None) -> dict[int, float]:
    """Attendance rate: of the person's rostered working shifts (not days off, not on call) in the
    estate that start in the month and have ended, the share they clocked in for on time (a
    clock-in recorded against the shift and not late after the estate's grace). Clock-ins with no
    rostered shift neither help nor hurt. No shift ended yet: "—". One query."""
    month = month_start(month)
    start, end = month_bounds(month)
    now = now or timezone.now()
    shifts = (
        staff_models.RosterEntry.objects.filter(
            estate=estate,
            starts_at__gte=start,
            starts_at__lt=end,
            ends_at__lte=now,
            is_day_off=False,
            is_on_call=False,
        )
        .values("user_id")
        .annotate(
            rostered=Count("pk", distinct=True),
            on_time=Count(
                "pk",
                filter=Q(attendance__isnull=False, attendance__is_late=False),
                distinct=True,
            ),
        )
        .order_by()
        .values_list("user_id", "rostered", "on_time")
    )
    return {user_id: round(on_time / rostered, 4) for user_id, rostered, on_time in shifts if rostered}


def estate_performance(*, estate, month: date, now=None, user_ids=None) -> list[PerformanceRow]:
    """One row per staff member of the estate (or only `user_ids`) for the month, every figure as
    defined by the function of the same name in this module. About a dozen queries in all."""
    month = month_start(month)
    people = staff_of_estate(estate)
    if user_ids is not None:
        people = [person for person in people if person.pk in set(user_ids)]
    handled = tickets_handled(estate=estate, month=month)
    rates = ticket_rates(estate=estate, month=month, now=now)
    calls = callbacks_done(estate=estate, month=month)
    collection, zone_names = zone_collection_rates(estate=estate, month=month)
    done, missed = patrols(estate=estate, month=month)
    attendance = attendance_rates(estate=estate, month=month, now=now)
    rows = []
    for person in people:
        profile = getattr(person, "staff_profile", None)
        rows.append(
            PerformanceRow(
                user_id=person.pk,
                name=person.get_full_name() or person.get_username(),
                title=profile.title if profile else "",
                tickets_handled=handled.get(person.pk, 0),
                **rates.get(person.pk, {}),
                callbacks_done=calls.get(person.pk, 0),
                zone_collection_rate=collection.get(person.pk),
                patrols_done=done.get(person.pk, 0),
                patrols_missed=missed.get(person.pk, 0),
                attendance_rate=attendance.get(person.pk),
                zones=zone_names.get(person.pk, []),
            )
        )
    return rows


def definitions() -> dict[str, str]:
    """Each column's definition, from the docstrings above (the ticket rates from tickets.selectors)."""
    sources = {
        "tickets_handled": tickets_handled,
        "timely_handling_rate": ticket_selectors.timely_handling_rate,
        "success_rate": ticket_selectors.success_rate,
        "satisfaction_rate": ticket_selectors.satisfaction_rate,
        "callbacks_done": callbacks_done,
        "zone_collection_rate": zone_collection_rates,
        "patrols_done": patrols,
        "patrols_missed": patrols,
        "attendance_rate": attendance_rates,
    }
    return {key: " ".join((function.__doc__ or "").split()) for key, function in sources.items()}
