"""Writes of the stored ticket KPIs (`TicketMetricsMonth`, issue #16): a month's figures are
computed by `tickets.selectors.ticket_metrics` / `ticket_metrics_by` (the one definition of
each KPI) and read from the store afterwards.

- `store_ticket_metrics`: the first read that needs a month (or a snapshot of the current
  month older than `KPI_LIVE_MAX_AGE_SECONDS`) computes and stores it. Two requests at once may
  both compute it; the unique constraint keeps one row (an upsert).
- `refresh_live_ticket_metrics`: every few minutes, the current month's snapshots that were
  asked for are computed again, so that a reader seldom waits for the computation.
- `refresh_just_closed_ticket_metrics`: nightly, the month just closed is computed again during
  the first `REFRESH_DAYS` days of the next month (late callbacks and replies still move its
  figures), for every estate and every grouping.
- `rebuild_ticket_metrics_months` (`manage.py rebuild_kpi_months`): compute stored months again
  on demand, after a correction of old data or a change of a KPI's definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone

from residents.models import Estate
from servicecenter.periods import add_months, month_start, previous_month
from tickets import selectors
from tickets.models import TicketMetricsMonth

# Every grouping the API and the desk page ask for: the whole estate ("") and each KPI group.
GROUPINGS: tuple[str, ...] = ("", *selectors.KPI_GROUPS)

# As `dashboards.services_kpis.REFRESH_DAYS`: callbacks are due within days of a ticket's
# resolution and the monthly summaries are made before the 5th (DOMAIN.md).
REFRESH_DAYS = 5


def compute_figures(*, estate: Estate, month: date, by: str = "", now: datetime) -> dict | list:
    """The selector's figures in stored form: `TicketMetrics.as_dict()`, or for a grouping the
    list of rows, each `{"key": ..., **metrics}` (the label is read when shown)."""
    if not by:
        return selectors.ticket_metrics(estate=estate, month=month, now=now).as_dict()
    return [
        {"key": row.key, **row.metrics.as_dict()}
        for row in selectors.ticket_metrics_by(estate=estate, month=month, by=by, now=now)
    ]


def store_ticket_metrics(
    *, estate: Estate, month: date, by: str = "", now: datetime | None = None
) -> TicketMetricsMonth:
    """Compute one estate's ticket KPIs of one month (grouped by `by`, or not) and store them,
    replacing what was stored. A month that has not begun is refused."""
    now = now or timezone.now()
    month = month_start(month)
    if month > month_start(timezone.localdate(now)):
        raise ValueError(f"{month:%Y-%m} has not begun.")
    if by not in GROUPINGS:
        raise ValueError(by)
    row = TicketMetricsMonth(
        estate=estate,
        month=month,
        by=by,
        figures=compute_figures(estate=estate, month=month, by=by, now=now),
        computed_at=now,
    )
    TicketMetricsMonth.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["estate", "month", "by"],
        update_fields=["figures", "computed_at"],
    )
    return row


def recompute_ticket_metrics(
    *,
    estates: Iterable[Estate],
    months: Iterable[date],
    groupings: Iterable[str] = GROUPINGS,
    now: datetime | None = None,
) -> int:
    """Compute every given estate's KPIs of every given month in every grouping again and store
    them. Returns the number of rows stored."""
    now = now or timezone.now()
    months = sorted({month_start(month) for month in months})
    groupings = list(groupings)
    stored = 0
    for estate in estates:
        for month in months:
            for by in groupings:
                store_ticket_metrics(estate=estate, month=month, by=by, now=now)
                stored += 1
    return stored


def refresh_live_ticket_metrics(*, now: datetime | None = None) -> int:
    """Compute again the current month's stored snapshots (only those a read has asked for:
    an estate and grouping nobody looks at is not computed every few minutes). Returns the
    number of rows stored."""
    now = now or timezone.now()
    month = month_start(timezone.localdate(now))
    stored = 0
    for row in TicketMetricsMonth.objects.filter(month=month).select_related("estate").order_by("pk"):
        store_ticket_metrics(estate=row.estate, month=month, by=row.by, now=now)
        stored += 1
    return stored


def refresh_just_closed_ticket_metrics(*, now: datetime | None = None) -> int:
    """The nightly refresh: during the first `REFRESH_DAYS` days of a month, every estate's
    KPIs of the previous month are computed again in every grouping; on later days nothing is
    done. Returns the number of rows stored."""
    now = now or timezone.now()
    if timezone.localdate(now).day > REFRESH_DAYS:
        return 0
    return recompute_ticket_metrics(
        estates=Estate.objects.order_by("code"), months=[previous_month(now)], now=now
    )


def rebuild_ticket_metrics_months(
    *, estates: Iterable[Estate] | None = None, months: int = 12, now: datetime | None = None
) -> int:
    """Compute again the last `months` closed months of the given estates (default: all), in
    every grouping. Returns the number of rows stored."""
    now = now or timezone.now()
    if months < 1:
        raise ValueError("months must be at least 1")
    current = month_start(timezone.localdate(now))
    wanted = [add_months(current, -back) for back in range(1, months + 1)]
    estates = list(estates) if estates is not None else list(Estate.objects.order_by("code"))
    return recompute_ticket_metrics(estates=estates, months=wanted, now=now)


def monthly_ticket_metrics(
    *, estate, month: date, by: str = "", now: datetime | None = None
) -> selectors.StoredTicketMetrics:
    """`ticket_metrics` (or `ticket_metrics_by` when `by` is given) of one estate and month, read
    from the store (`TicketMetricsMonth`, one query) when it holds the month: a closed month as
    computed after it ended, the current month as computed less than `KPI_LIVE_MAX_AGE_SECONDS`
    ago. Otherwise computed now and stored on the way, so the next
    read is one query again; a month not begun yet is computed and not stored. The figures are
    the selectors' own: the store changes when they are computed, not what they mean."""
    if by and by not in selectors.KPI_GROUPS:
        raise ValueError(by)
    now = now or timezone.now()
    month = month_start(month)
    if month > month_start(timezone.localdate(now)):
        if by:
            return selectors.StoredTicketMetrics(
                computed_at=now, rows=selectors.ticket_metrics_by(estate=estate, month=month, by=by, now=now)
            )
        return selectors.StoredTicketMetrics(
            computed_at=now, metrics=selectors.ticket_metrics(estate=estate, month=month, now=now)
        )
    stored = (
        TicketMetricsMonth.objects.filter(estate=estate, month=month, by=by)
        .values_list("figures", "computed_at")
        .first()
    )
    figures = (
        selectors.metrics_from_stored(stored[0], by)
        if stored and selectors.stored_month_usable(month, stored[1], now)
        else None
    )
    computed_at = stored[1] if figures is not None else now
    if figures is None:
        row = store_ticket_metrics(estate=estate, month=month, by=by, now=now)
        figures, computed_at = selectors.metrics_from_stored(row.figures, by), row.computed_at
    if not by:
        return selectors.StoredTicketMetrics(computed_at=computed_at, metrics=figures)
    unset = selectors.group_unset_label(by)
    labels = selectors.group_labels(by, [key for key, _metrics in figures if key is not None])
    rows = [
        selectors.TicketMetricsRow(
            key=key, label=labels.get(key, unset) if key is not None else unset, metrics=metrics
        )
        for key, metrics in figures
    ]
    return selectors.StoredTicketMetrics(
        computed_at=computed_at, rows=sorted(rows, key=lambda row: (row.key is None, row.label))
    )
