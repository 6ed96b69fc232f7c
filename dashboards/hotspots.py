"""Hotspots (#15): where complaints and repairs gather, why complaints happen, which repairs came
back. Screen-shaped reads for the hotspot pages and `GET /api/hotspots/...`; counted in the
database with aggregates, a fixed number of queries whatever the data size.

The period is the last `count` calendar months or ISO weeks (Monday to Sunday), local time
(Asia/Shanghai), the current one included. A ticket counts in the period its `created_at` (when
it was registered) falls in. Cancelled tickets (duplicates, mistakes) are not counted anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, DateField, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from dashboards.models import RepeatRepair
from residents.models import Building, Estate
from servicecenter.periods import add_months, month_start
from tickets.models import PublicLocation, RootCause, Ticket, TicketCategory

COMPLAINT, REPAIR, BOTH = "complaint", "repair", "both"
KIND_CHOICES = [
    (BOTH, gettext_lazy("Complaints and repairs")),
    (COMPLAINT, pgettext_lazy("hotspot kind", "Complaints")),
    (REPAIR, pgettext_lazy("hotspot kind", "Repairs")),
]
KINDS = {
    COMPLAINT: (Ticket.Kind.COMPLAINT,),
    REPAIR: (Ticket.Kind.REPAIR,),
    BOTH: (Ticket.Kind.COMPLAINT, Ticket.Kind.REPAIR),
}
BY_BUILDING, BY_LOCATION, BY_CATEGORY = "building", "location", "category"
DIMENSION_CHOICES = [
    (BY_BUILDING, gettext_lazy("By building")),
    (BY_LOCATION, gettext_lazy("By public location")),
    (BY_CATEGORY, gettext_lazy("By category")),
]
MONTH, WEEK = "month", "week"
GRAIN_CHOICES = [(MONTH, gettext_lazy("Months")), (WEEK, gettext_lazy("Weeks"))]
COUNT_CHOICES = [(6, "6"), (12, "12")]
LEVELS = 4  # shades of a cell, 1 (few) to 4 (the most in the table); 0 is empty
# Every status but cancelled: what the counts take, spelled out in the list links.
COUNTED_STATUSES = [s for s in Ticket.Status.values if s != Ticket.Status.CANCELLED]


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive
    grain: str

    @property
    def label(self) -> str:
        if self.grain == MONTH:
            return f"{self.start:%Y-%m}"
        year, week, _weekday = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


@dataclass
class HeatCell:
    count: int
    level: int
    url: str


@dataclass
class HeatRow:
    key: int | None
    label: str
    cells: list[HeatCell] = field(default_factory=list)
    total: int = 0


@dataclass
class HeatTable:
    estate: Estate
    kind: str
    dimension: str
    periods: list[Period]
    rows: list[HeatRow]
    column_totals: list[int]
    total: int
    max_count: int

    def as_dict(self) -> dict:
        return {
            "estate": self.estate.pk,
            "kind": self.kind,
            "dimension": self.dimension,
            "periods": [
                {"label": p.label, "start": p.start.isoformat(), "end": p.last_day.isoformat()}
                for p in self.periods
            ],
            "rows": [
                {
                    "key": row.key,
                    "label": row.label,
                    "counts": [cell.count for cell in row.cells],
                    "total": row.total,
                    "urls": [cell.url for cell in row.cells],
                }
                for row in self.rows
            ],
            "column_totals": self.column_totals,
            "total": self.total,
        }


def periods_for(*, grain: str, count: int, today: date) -> list[Period]:
    """The last `count` months or ISO weeks up to and including the one `today` is in, oldest first."""
    if grain == MONTH:
        first = add_months(month_start(today), -(count - 1))
        starts = [add_months(first, i) for i in range(count + 1)]
    else:
        monday = today - timedelta(days=today.weekday())
        first = monday - timedelta(weeks=count - 1)
        starts = [first + timedelta(weeks=i) for i in range(count + 1)]
    return [Period(start=a, end=b, grain=grain) for a, b in zip(starts, starts[1:], strict=False)]


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _counted(estate: Estate, kinds, start: date, end: date) -> QuerySet:
    return Ticket.objects.filter(
        estate=estate, kind__in=kinds, created_at__gte=_aware(start), created_at__lt=_aware(end)
    ).exclude(status=Ticket.Status.CANCELLED)


def _list_url(estate: Estate, kind: str, period: Period, dimension: str, key: int | None) -> str:
    query = [
        ("estate", estate.pk),
        *[("kind", k) for k in KINDS[kind]],
        *[("status", s) for s in COUNTED_STATUSES],
        ("created_after", period.start.isoformat()),
        ("created_before", period.last_day.isoformat()),
    ]
    param = {BY_BUILDING: "building", BY_LOCATION: "public_location", BY_CATEGORY: "category"}[dimension]
    query.append((param, key))
    return f"{reverse('tickets:list')}?{urlencode(query)}"


def _row_labels(dimension: str, keys: set) -> dict:
    ids = [k for k in keys if k is not None]
    if dimension == BY_BUILDING:
        labels = {b.pk: str(b) for b in Building.objects.filter(pk__in=ids)}
        labels[None] = _("No building (outside or unknown)")
        return labels
    if dimension == BY_LOCATION:
        return {p.pk: p.name for p in PublicLocation.objects.filter(pk__in=ids)}
    return {c.pk: str(c) for c in TicketCategory.objects.filter(pk__in=ids)}


def heat_table(
    *,
    estate: Estate,
    kind: str = BOTH,
    dimension: str = BY_BUILDING,
    grain: str = MONTH,
    count: int = 6,
    now: datetime | None = None,
) -> HeatTable:
    """Tickets of `kind` per row (building, public location or category) and period. Building:
    the unit's building, or for a public-area ticket the place's building; tickets with neither
    form the "no building" row. Public location: only public-area tickets. Two queries: the
    counts (one GROUP BY) and the row names. Rows most tickets first; a cell's level is its share
    of the largest cell in quarters (1..4), its URL the ticket list with the same filters."""
    now = now or timezone.now()
    periods = periods_for(grain=grain, count=count, today=timezone.localdate(now))
    tickets = _counted(estate, KINDS[kind], periods[0].start, periods[-1].end)
    if dimension == BY_BUILDING:
        key = Coalesce("unit__building_id", "public_location__building_id")
    elif dimension == BY_LOCATION:
        tickets = tickets.filter(public_location__isnull=False)
        key = F("public_location_id")
    else:
        key = F("category_id")
    trunc = (TruncMonth if grain == MONTH else TruncWeek)("created_at", output_field=DateField())
    counts: dict[object, dict[date, int]] = {}
    for row_key, start, n in (
        tickets.annotate(row=key, period=trunc)
        .values_list("row", "period")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        start = start.date() if isinstance(start, datetime) else start
        counts.setdefault(row_key, {})
        counts[row_key][start] = counts[row_key].get(start, 0) + n
    labels = _row_labels(dimension, set(counts))
    max_count = max((n for by_period in counts.values() for n in by_period.values()), default=0)
    rows = []
    for row_key, by_period in counts.items():
        row = HeatRow(key=row_key, label=labels.get(row_key, str(row_key)))
        for period in periods:
            n = by_period.get(period.start, 0)
            level = math.ceil(LEVELS * n / max_count) if n else 0
            url = _list_url(estate, kind, period, dimension, row_key) if row_key is not None else ""
            row.cells.append(HeatCell(count=n, level=level, url=url))
            row.total += n
        rows.append(row)
    rows.sort(key=lambda r: (-r.total, r.key is None, r.label))
    column_totals = [sum(row.cells[i].count for row in rows) for i in range(len(periods))]
    return HeatTable(
        estate=estate,
        kind=kind,
        dimension=dimension,
        periods=periods,
        rows=rows,
        column_totals=column_totals,
        total=sum(column_totals),
        max_count=max_count,
    )


# --- root causes of complaints ---------------------------------------------------------------


@dataclass
class RootCauseRow:
    key: int | None
    label: str
    count: int
    previous_count: int
    share: float | None
    previous_share: float | None

    @property
    def change(self) -> int:
        return self.count - self.previous_count


@dataclass
class RootCauseBreakdown:
    start: date
    end: date  # exclusive
    previous_start: date
    rows: list[RootCauseRow]
    total: int
    previous_total: int

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": (self.end - timedelta(days=1)).isoformat(),
            "previous_start": self.previous_start.isoformat(),
            "total": self.total,
            "previous_total": self.previous_total,
            "rows": [
                {
                    "root_cause": row.key,
                    "label": row.label,
                    "count": row.count,
                    "share": row.share,
                    "previous_count": row.previous_count,
                    "previous_share": row.previous_share,
                    "change": row.change,
                }
                for row in self.rows
            ],
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def root_cause_breakdown(
    *, estate: Estate, grain: str = MONTH, count: int = 6, now: datetime | None = None
) -> RootCauseBreakdown:
    """Complaints registered in the period (the heat table's), by root cause, with the same figures
    for the period of the same length just before it. Shares are of all the period's complaints,
    so "not analysed yet" (no root cause chosen) is a row of its own and the shares add up to 1.
    Every root cause in use is listed, with zeros; a retired one only when it has complaints.
    Two queries: the counts of both periods (one GROUP BY) and the causes."""
    now = now or timezone.now()
    periods = periods_for(grain=grain, count=count, today=timezone.localdate(now))
    start, end = periods[0].start, periods[-1].end
    previous_start = add_months(start, -count) if grain == MONTH else start - timedelta(weeks=count)
    boundary = _aware(start)
    counts = {
        key: (current, previous)
        for key, current, previous in _counted(estate, KINDS[COMPLAINT], previous_start, end)
        .values_list("root_cause_id")
        .annotate(
            current=Count("pk", filter=Q(created_at__gte=boundary)),
            previous=Count("pk", filter=Q(created_at__lt=boundary)),
        )
        .order_by()
    }
    total = sum(c for c, _p in counts.values())
    previous_total = sum(p for _c, p in counts.values())
    causes = RootCause.objects.filter(Q(is_active=True) | Q(pk__in=[k for k in counts if k is not None]))
    rows = []
    for cause in causes:
        current, previous = counts.get(cause.pk, (0, 0))
        rows.append(
            RootCauseRow(
                cause.pk,
                str(cause),
                current,
                previous,
                _share(current, total),
                _share(previous, previous_total),
            )
        )
    rows.sort(key=lambda r: (-r.count, -r.previous_count, r.label))
    current, previous = counts.get(None, (0, 0))
    if current or previous:
        rows.append(
            RootCauseRow(
                None,
                _("Not analysed yet"),
                current,
                previous,
                _share(current, total),
                _share(previous, previous_total),
            )
        )
    return RootCauseBreakdown(
        start=start,
        end=end,
        previous_start=previous_start,
        rows=rows,
        total=total,
        previous_total=previous_total,
    )


# --- repeat repairs ------------------------------------------------------------------------------


def repeat_repairs_for_list(
    *,
    user,
    estate_id: int | None = None,
    status: str = "",
    category_id: int | None = None,
) -> QuerySet:
    """The repeat repairs the user may see, newest first; `status` "open" means not yet closed or
    dismissed. Everything the list shows is joined in: one query per page."""
    rows = RepeatRepair.objects.visible_to(user).select_related(
        "estate", "ticket", "previous", "category", "unit", "public_location", "action_owner", "root_cause"
    )
    if estate_id is not None:
        rows = rows.filter(estate_id=estate_id)
    if status == "open":
        rows = rows.open()
    elif status:
        rows = rows.filter(status=status)
    if category_id is not None:
        rows = rows.filter(category_id=category_id)
    return rows.order_by("-detected_at", "-pk")


def repeat_repair_for_page(*, user, pk: int) -> RepeatRepair | None:
    return repeat_repairs_for_list(user=user).prefetch_related("events__actor").filter(pk=pk).first()
