"""Move-in reports (read-only selectors): the batch board, the warranty defect report for the
developer (房产售后), the handover satisfaction rate (业主接房满意率) and the manager's spot-check
status. Each is a fixed, small number of queries whatever the size of the estate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Greatest, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from billing.models import Bill
from moveins.models import ChargeRule, Defect, MoveIn, MoveInBatch, MoveInCharge, MoveInSlot, SpotCheck
from moveins.services.batches import SPOT_CHECKS_DURING_BATCH, required_spot_checks, spot_checks_done
from residents.models import Building, Estate
from servicecenter.periods import add_months, month_bounds, month_start
from staff.models import Team
from tickets.models import Ticket, TicketCategory

Status = MoveIn.Status
IN_PROGRESS = (Status.DOCUMENTS, Status.FEES, Status.INSPECTION, Status.RECTIFICATION, Status.KEYS)


# --- the batch board ----------------------------------------------------------------------------


@dataclass
class BoardRow:
    building_id: int | None
    label: str
    total: int = 0
    scheduled: int = 0
    in_progress: int = 0
    waiting_for_fees: int = 0
    rectification: int = 0
    done: int = 0
    cancelled: int = 0
    open_defects: int = 0


@dataclass
class BatchBoard:
    batch: MoveInBatch
    rows: list[BoardRow]
    total: BoardRow


def charges_outstanding_q() -> Exists:
    """A move-in with a charge still owed: a charge not billed yet, a bill neither paid nor
    voided/written off, or a deposit not yet taken (the DB form of
    `moveins.selectors.charges_outstanding`; a deposit taken in part counts as taken here)."""
    return Exists(
        MoveInCharge.objects.filter(move_in=OuterRef("pk")).filter(
            Q(bill__status__in=(Bill.Status.OPEN, Bill.Status.PARTIALLY_PAID))
            | (Q(bill__isnull=True) & ~Q(kind=ChargeRule.Kind.DEPOSIT))
            | Q(kind=ChargeRule.Kind.DEPOSIT, deposit_account__isnull=True)
        )
    )


def batch_board(*, batch: MoveInBatch) -> BatchBoard:
    """Where the batch stands, per building of its units: scheduled (the owner has not come), in
    progress (documents to keys), of those waiting for fees (status fees, charges outstanding,
    not waived) and in rectification, done (completed), cancelled, and the open defects (found
    at the inspection, not yet closed at a re-inspection). `total` counts every move-in except the
    cancelled ones. Three queries."""
    move_ins = MoveIn.objects.filter(batch=batch)
    waiting = Q(status=Status.FEES, fees_waived_at__isnull=True, has_outstanding=True)
    figures = (
        move_ins.annotate(has_outstanding=charges_outstanding_q())
        .values("unit__building_id")
        .annotate(
            total=Count("pk", filter=~Q(status=Status.CANCELLED)),
            scheduled=Count("pk", filter=Q(status=Status.SCHEDULED)),
            in_progress=Count("pk", filter=Q(status__in=IN_PROGRESS)),
            waiting_for_fees=Count("pk", filter=waiting),
            rectification=Count("pk", filter=Q(status=Status.RECTIFICATION)),
            done=Count("pk", filter=Q(status=Status.COMPLETED)),
            cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        )
        .order_by()
    )
    defects = dict(
        Defect.objects.filter(move_in__batch=batch, closed_at__isnull=True)
        .exclude(move_in__status=Status.CANCELLED)
        .values("move_in__unit__building_id")
        .annotate(count=Count("pk"))
        .values_list("move_in__unit__building_id", "count")
        .order_by()
    )
    by_building = {row.pop("unit__building_id"): row for row in figures}
    keys = set(by_building) | set(defects)
    buildings = {b.pk: b for b in Building.objects.filter(pk__in=keys)}
    rows = []
    for key in keys:
        building = buildings.get(key)
        row = BoardRow(building_id=key, label=str(building) if building else "", **by_building.get(key, {}))
        row.open_defects = defects.get(key, 0)
        rows.append(row)
    rows.sort(key=lambda r: (buildings[r.building_id].code if r.building_id in buildings else "", r.label))
    total = BoardRow(building_id=None, label=gettext("Total"))
    for name in (
        "total",
        "scheduled",
        "in_progress",
        "waiting_for_fees",
        "rectification",
        "done",
        "cancelled",
    ):
        setattr(total, name, sum(getattr(r, name) for r in rows))
    total.open_defects = sum(r.open_defects for r in rows)
    return BatchBoard(batch=batch, rows=rows, total=total)


def with_bookings(slots: QuerySet[MoveInSlot]) -> QuerySet[MoveInSlot]:
    """Slots with `booked` (the open move-ins in each) and `free` seats (never below 0)."""
    return slots.annotate(booked=Count("move_ins", filter=Q(move_ins__status__in=MoveIn.OPEN))).annotate(
        free=Greatest(F("capacity") - F("booked"), Value(0))
    )


def slots_with_bookings(*, batch: MoveInBatch) -> QuerySet[MoveInSlot]:
    """The batch's slots with their seats booked and free, in time order."""
    return with_bookings(MoveInSlot.objects.filter(batch=batch)).order_by("starts_at", "pk")


def batches_for_list(*, user, estate=None, running_on: date | None = None) -> QuerySet[MoveInBatch]:
    """The batches of the user's estates, latest first, with their counts of move-ins."""
    batches = MoveInBatch.objects.visible_to(user).select_related("estate")
    if estate is not None:
        batches = batches.filter(estate=estate)
    if running_on is not None:
        batches = batches.running_on(running_on)
    return batches.annotate(
        move_in_count=Count("move_ins", filter=~Q(move_ins__status=Status.CANCELLED), distinct=True),
        completed_count=Count("move_ins", filter=Q(move_ins__status=Status.COMPLETED), distinct=True),
    ).order_by("-starts_on", "-pk")


# --- the warranty defect report -----------------------------------------------------------------


@dataclass(frozen=True)
class WarrantyLine:
    """One product defect: found at a handover inspection, or reported later as a warranty repair."""

    source: str  # "handover" or "warranty_ticket"
    reference: str  # the move-in or ticket number
    building: str
    unit: str
    category: str
    location: str
    description: str
    opened_at: datetime
    closed_at: datetime | None
    days_open: Decimal

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass
class WarrantyGroup:
    label: str
    count: int = 0
    open: int = 0
    closed: int = 0
    from_handover: int = 0
    from_tickets: int = 0
    average_days_open: Decimal | None = None
    max_days_open: Decimal | None = None
    _days: list = field(default_factory=list, repr=False)

    def add(self, line: WarrantyLine) -> None:
        self.count += 1
        self.open += line.is_open
        self.closed += not line.is_open
        self.from_handover += line.source == HANDOVER
        self.from_tickets += line.source == WARRANTY_TICKET
        self._days.append(line.days_open)

    def finish(self) -> WarrantyGroup:
        if self._days:
            self.average_days_open = (sum(self._days) / len(self._days)).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
            self.max_days_open = max(self._days)
        return self


@dataclass
class WarrantyReport:
    estate: Estate
    date_from: date
    date_to: date
    lines: list[WarrantyLine]
    total: WarrantyGroup
    by_building: list[WarrantyGroup]
    by_category: list[WarrantyGroup]
    by_location: list[WarrantyGroup]
    # (building, category, location): the developer's rectification list.
    detailed: list[tuple[str, str, str, WarrantyGroup]]


HANDOVER = "handover"
WARRANTY_TICKET = "warranty_ticket"
TICKET_DONE = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


def warranty_tickets(*, estate: Estate) -> QuerySet[Ticket]:
    """The estate's warranty repairs reported after the handover: repair tickets that went to the
    estate's warranty-kind team (`Team.Kind.WARRANTY`, the developer's after-sales team) or whose
    category is the warranty team's work (`TicketCategory.team_kind` warranty), except the tickets
    opened for handover defects (counted from the defect itself) and cancelled ones (no defect).

    The warranty teams and categories are looked up first (two small queries): given their ids,
    PostgreSQL reads the few matching tickets from the team and category indexes, where a join
    on their kinds scanned every repair ticket of the estate in the period."""
    team_ids = list(Team.objects.filter(kind=Team.Kind.WARRANTY).values_list("pk", flat=True))
    category_ids = list(
        TicketCategory.objects.filter(team_kind=Team.Kind.WARRANTY).values_list("pk", flat=True)
    )
    return (
        Ticket.objects.filter(estate=estate, kind=Ticket.Kind.REPAIR)
        .filter(Q(team__in=team_ids) | Q(category__in=category_ids))
        .filter(movein_defect__isnull=True)
        .exclude(status=Ticket.Status.CANCELLED)
    )


def _day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(date_from, time.min), tz),
        timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz),
    )


def _days(start: datetime, end: datetime) -> Decimal:
    seconds = max((end - start).total_seconds(), 0)
    return (Decimal(seconds) / Decimal(86400)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _group(lines: Iterable[WarrantyLine], key) -> list[WarrantyGroup]:
    groups: dict[str, WarrantyGroup] = {}
    for line in lines:
        label = key(line)
        groups.setdefault(label, WarrantyGroup(label=label)).add(line)
    return sorted((g.finish() for g in groups.values()), key=lambda g: (-g.count, g.label))


def warranty_report(
    *, estate: Estate, date_from: date, date_to: date, now: datetime | None = None
) -> WarrantyReport:
    """The product defects of the estate found or reported between `date_from` and `date_to`
    (local dates, both included), for the developer's after-sales team and engineering: every
    defect recorded at a handover inspection (whoever rectifies it) and every warranty repair
    ticket (`warranty_tickets`), grouped by building, by category and by location in the unit
    (as typed, trimmed), and by the three together.

    A handover defect is closed when the re-inspection closed it; a warranty ticket when it was
    resolved (or closed). Days open run from the recording to the closing, or to `now` for the
    open ones; average and maximum are over every line of the group. Four queries, two of them
    on the small team and category tables (`warranty_tickets`)."""
    now = now or timezone.now()
    start, end = _day_bounds(date_from, date_to)
    unspecified = gettext("Unspecified")
    no_building = gettext("No building")
    no_category = gettext("No category")
    lines: list[WarrantyLine] = []
    defects = (
        Defect.objects.filter(move_in__estate=estate, created_at__gte=start, created_at__lt=end)
        .select_related("move_in__unit__building", "category")
        .order_by("created_at", "pk")
    )
    for defect in defects:
        unit = defect.move_in.unit
        lines.append(
            WarrantyLine(
                source=HANDOVER,
                reference=defect.move_in.number,
                building=str(unit.building),
                unit=unit.code,
                category=str(defect.category) if defect.category_id else no_category,
                location=defect.location.strip() or unspecified,
                description=defect.description,
                opened_at=defect.created_at,
                closed_at=defect.closed_at,
                days_open=_days(defect.created_at, defect.closed_at or now),
            )
        )
    tickets = (
        warranty_tickets(estate=estate)
        .filter(created_at__gte=start, created_at__lt=end)
        .select_related("unit__building", "category")
        .order_by("created_at", "pk")
    )
    for ticket in tickets:
        closed_at = (ticket.resolved_at or ticket.closed_at) if ticket.status in TICKET_DONE else None
        lines.append(
            WarrantyLine(
                source=WARRANTY_TICKET,
                reference=ticket.number,
                building=str(ticket.unit.building) if ticket.unit_id else no_building,
                unit=ticket.unit.code if ticket.unit_id else "",
                category=str(ticket.category),
                location=ticket.location.strip() or unspecified,
                description=ticket.description,
                opened_at=ticket.created_at,
                closed_at=closed_at,
                days_open=_days(ticket.created_at, closed_at or now),
            )
        )
    lines.sort(key=lambda line: line.opened_at)
    total = WarrantyGroup(label=gettext("Total"))
    for line in lines:
        total.add(line)
    detailed_groups: dict[tuple[str, str, str], WarrantyGroup] = defaultdict(lambda: WarrantyGroup(label=""))
    for line in lines:
        detailed_groups[(line.building, line.category, line.location)].add(line)
    detailed = sorted(
        ((b, c, loc, g.finish()) for (b, c, loc), g in detailed_groups.items()),
        key=lambda row: (row[0], -row[3].count, row[1], row[2]),
    )
    return WarrantyReport(
        estate=estate,
        date_from=date_from,
        date_to=date_to,
        lines=lines,
        total=total.finish(),
        by_building=_group(lines, lambda line: line.building),
        by_category=_group(lines, lambda line: line.category),
        by_location=_group(lines, lambda line: line.location),
        detailed=detailed,
    )


# --- handover satisfaction ----------------------------------------------------------------------

SATISFIED_SCORES = (4, 5)


@dataclass(frozen=True)
class HandoverSatisfaction:
    label: str
    completed: int
    rated: int
    satisfied: int
    rate: float | None
    average: Decimal | None


def _satisfaction_figures() -> dict:
    return {
        "completed": Count("pk"),
        "rated": Count("pk", filter=Q(satisfaction__isnull=False)),
        "satisfied": Count("pk", filter=Q(satisfaction__in=SATISFIED_SCORES)),
        "average": Avg("satisfaction"),
    }


def _satisfaction(label: str, row: dict) -> HandoverSatisfaction:
    rated = row.get("rated") or 0
    average = row.get("average")
    return HandoverSatisfaction(
        label=label,
        completed=row.get("completed") or 0,
        rated=rated,
        satisfied=row.get("satisfied") or 0,
        rate=round((row.get("satisfied") or 0) / rated, 4) if rated else None,
        average=Decimal(str(average)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if average is not None
        else None,
    )


def _completed(estate: Estate) -> QuerySet[MoveIn]:
    return MoveIn.objects.filter(estate=estate, status=Status.COMPLETED)


def handover_satisfaction(
    *, estate: Estate, batch: MoveInBatch | None = None, month: date | None = None
) -> HandoverSatisfaction:
    """业主接房满意率 of the estate (of one batch, of the move-ins completed in one month, or both).

    Cohort: completed move-ins (keys handed over), by the month of `completed_at` in local time.
    Numerator: those the owner rated 4 or 5 (of 5). Denominator: those rated at all; unrated
    handovers are counted (`completed`) but do not lower the rate. `rate` is a number from 0 to
    1 (None with no rating), `average` the mean score (two places). One query."""
    move_ins = _completed(estate)
    label = estate.name
    if batch is not None:
        move_ins = move_ins.filter(batch=batch)
        label = batch.name
    if month is not None:
        start, end = month_bounds(month_start(month))
        move_ins = move_ins.filter(completed_at__gte=start, completed_at__lt=end)
    return _satisfaction(label, move_ins.aggregate(**_satisfaction_figures()))


def satisfaction_by_batch(*, estate: Estate) -> list[HandoverSatisfaction]:
    """`handover_satisfaction` per batch of the estate (move-ins outside a batch: one more row),
    latest batch first. Two queries."""
    rows = {
        row.pop("batch_id"): row
        for row in _completed(estate).values("batch_id").annotate(**_satisfaction_figures()).order_by()
    }
    batches = MoveInBatch.objects.filter(estate=estate).order_by("-starts_on", "-pk")
    result = [_satisfaction(batch.name, rows.get(batch.pk, {})) for batch in batches]
    if None in rows:
        result.append(_satisfaction(gettext("Outside a batch"), rows[None]))
    return result


def satisfaction_by_month(*, estate: Estate, last: date, months: int = 12) -> list[HandoverSatisfaction]:
    """`handover_satisfaction` per month for `months` months up to `last`'s month, oldest first.
    One query."""
    last = month_start(last)
    first = add_months(last, -(months - 1))
    start, _ = month_bounds(first)
    _, end = month_bounds(last)
    tz = timezone.get_current_timezone()
    rows = {}
    for row in (
        _completed(estate)
        .filter(completed_at__gte=start, completed_at__lt=end)
        .annotate(month=TruncMonth("completed_at", tzinfo=tz))
        .values("month")
        .annotate(**_satisfaction_figures())
        .order_by()
    ):
        key = row.pop("month")
        key = key.date() if isinstance(key, datetime) else key
        rows[key] = row
    return [
        _satisfaction(f"{add_months(first, i):%Y-%m}", rows.get(add_months(first, i), {}))
        for i in range(months)
    ]


# --- spot checks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpotCheckStatus:
    month: date
    required: int
    done: int
    with_findings: int
    batch_running: bool

    @property
    def missing(self) -> int:
        return max(self.required - self.done, 0)

    @property
    def is_met(self) -> bool:
        return self.done >= self.required


def spot_check_status(*, estate: Estate, month: date) -> SpotCheckStatus:
    """The manager's spot checks of the estate's move-in records in `month`: done against
    required (4 while a batch runs in the month, 1 otherwise; `required_spot_checks`)."""
    month = month_start(month)
    required = required_spot_checks(estate_id=estate.pk, month=month)
    start, end = month_bounds(month)
    return SpotCheckStatus(
        month=month,
        required=required,
        done=spot_checks_done(estate_id=estate.pk, month=month),
        with_findings=SpotCheck.objects.filter(
            estate=estate, checked_at__gte=start, checked_at__lt=end, result=SpotCheck.Result.FINDINGS
        ).count(),
        batch_running=required == SPOT_CHECKS_DURING_BATCH,
    )
