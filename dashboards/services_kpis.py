"""Writes of the stored KPI months (`KpiMonth`, issue #15): a closed month's figures are computed
once by `dashboards.kpis.month_figures` and read from the store afterwards.

- `freeze_kpi_months`: the first read that needs a closed month not stored yet (or stored before
  a KPI was added) computes and stores it. Two requests at once may both compute it; the unique
  constraint keeps one row (an upsert), holding the same figures either way.
- `store_kpi_month`: the monthly report build hands over the figures it has just computed for
  its KPI board (the same KPIs), so the month is not computed a second time.
- `refresh_just_closed_kpi_months`: nightly, the month just closed is computed again during the
  first `REFRESH_DAYS` days of the next month, because its figures still move then (callbacks of
  the month's last tickets, payments booked late, survey answers). After that it stays as stored.
- `rebuild_kpi_months` (`manage.py rebuild_kpi_months`): compute stored months again on demand,
  after a correction of old data or a change of a KPI's definition.

- `store_live_kpi_months` / `refresh_live_kpi_months` (issue #16): the current month's figures
  are a snapshot, stored with `computed_at` and used while younger than
  `KPI_LIVE_MAX_AGE_SECONDS`; the read that finds it older computes it again, and so does the
  task every few minutes for the snapshots that were asked for. The page and the API say "as of"
  when. A snapshot taken before its month ended is never taken for the closed month's figures
  (`servicecenter.periods.month_ended_by`): the first read after the month computes it again.

A later month (not begun) is never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone

from dashboards import kpis
from dashboards.models import KpiMonth
from residents.models import Estate
from servicecenter.periods import add_months, month_start, previous_month

# The month just closed is refreshed each night until this day of the next month (included):
# callbacks are due within days of a ticket's resolution and the monthly summaries are made
# before the 5th (DOMAIN.md), so what lands later is the exception a rebuild is for.
REFRESH_DAYS = 5


def is_closed(month: date, now: datetime | None = None) -> bool:
    """Has the calendar month `month` ended (local time)? Only closed months are stored."""
    return month_start(month) < month_start(timezone.localdate(now or timezone.now()))


def _closed_only(pairs: Iterable[tuple[Estate, date]], now: datetime) -> list[tuple[Estate, date]]:
    # One row per estate and month: an upsert may not touch a row twice.
    pairs = list(
        {(estate.pk, month_start(month)): (estate, month_start(month)) for estate, month in pairs}.values()
    )
    open_months = sorted({f"{month:%Y-%m}" for _estate, month in pairs if not is_closed(month, now)})
    if open_months:
        # A programming error, not bad input: the callers pass closed months only.
        raise ValueError(f"Only closed months are stored, not {', '.join(open_months)}.")
    return pairs


def _upsert(rows: list[KpiMonth]) -> None:
    KpiMonth.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["estate", "month"],
        update_fields=["figures", "computed_at"],
    )


def freeze_kpi_months(
    *, pairs: Iterable[tuple[Estate, date]], now: datetime | None = None
) -> dict[tuple[int, date], dict[str, object]]:
    """Compute the figures of the given (estate, closed month) pairs and store them, replacing
    what was stored: the reads ask for the months the store lacks, the refresh and the rebuild
    for every month. Returns the computed figures keyed by (estate id, month), as
    `month_figures` returns them."""
    now = now or timezone.now()
    return _compute_and_store(_closed_only(pairs, now), now)


def store_live_kpi_months(
    *, pairs: Iterable[tuple[Estate, date]], now: datetime | None = None
) -> dict[tuple[int, date], dict[str, object]]:
    """Compute the current month's figures of the given estates and store them as a snapshot
    taken at `now`, replacing the older one. Returns the figures as `freeze_kpi_months` does."""
    now = now or timezone.now()
    current = month_start(timezone.localdate(now))
    pairs = list({estate.pk: (estate, month_start(month)) for estate, month in pairs}.values())
    if any(month != current for _estate, month in pairs):
        raise ValueError("Only the current month is stored as a snapshot.")
    return _compute_and_store(pairs, now)


def _compute_and_store(
    pairs: Iterable[tuple[Estate, date]], now: datetime
) -> dict[tuple[int, date], dict[str, object]]:
    """Compute each (estate, month)'s figures at `now` and store them, replacing what was stored."""
    computed, rows = {}, []
    for estate, month in pairs:
        figures = kpis.month_figures(estate=estate, month=month, now=now)
        computed[(estate.pk, month)] = figures
        rows.append(
            KpiMonth(estate=estate, month=month, figures=kpis.figures_to_json(figures), computed_at=now)
        )
    if rows:
        _upsert(rows)
    return computed


def refresh_live_kpi_months(*, now: datetime | None = None) -> int:
    """Every few minutes: compute again the current month's snapshots a read has asked for (an
    estate nobody looks at is not computed). Returns the number of months stored."""
    now = now or timezone.now()
    current = month_start(timezone.localdate(now))
    estates = [row.estate for row in KpiMonth.objects.filter(month=current).select_related("estate")]
    return len(store_live_kpi_months(pairs=[(estate, current) for estate in estates], now=now))


def store_kpi_month(
    *, estate: Estate, month: date, figures: dict[str, object], now: datetime | None = None
) -> None:
    """Store (or replace) a closed month's figures computed elsewhere, in stored form
    (`kpis.figures_to_json`): the monthly report hands over its KPI board's values. Figures
    lacking a KPI are not stored (the next read computes the month)."""
    now = now or timezone.now()
    ((estate, month),) = _closed_only([(estate, month)], now)
    if kpis.figures_from_json(figures) is None:
        return
    stored = {kpi.code: figures[kpi.code] for kpi in kpis.KPIS}
    _upsert([KpiMonth(estate=estate, month=month, figures=stored, computed_at=now)])


def recompute_kpi_months(
    *, estates: Iterable[Estate], months: Iterable[date], now: datetime | None = None
) -> int:
    """Compute every given estate's figures of every given closed month again and store them,
    replacing what was stored. Returns the number of months stored."""
    months = sorted({month_start(month) for month in months})
    return len(freeze_kpi_months(pairs=[(estate, month) for estate in estates for month in months], now=now))


def refresh_just_closed_kpi_months(*, now: datetime | None = None) -> int:
    """The nightly refresh: during the first `REFRESH_DAYS` days of a month, every estate's
    figures of the previous month are computed again; on later days nothing is done. Returns
    the number of months stored."""
    now = now or timezone.now()
    if timezone.localdate(now).day > REFRESH_DAYS:
        return 0
    return recompute_kpi_months(
        estates=Estate.objects.order_by("code"), months=[previous_month(now)], now=now
    )


def rebuild_kpi_months(
    *,
    estates: Iterable[Estate] | None = None,
    months: int = 12,
    now: datetime | None = None,
) -> int:
    """`manage.py rebuild_kpi_months`: compute again the last `months` closed months (the
    trend's) of the given estates (default: all). Returns the number of months stored."""
    now = now or timezone.now()
    if months < 1:
        raise ValueError("months must be at least 1")
    current = month_start(timezone.localdate(now))
    wanted = [add_months(current, -back) for back in range(1, months + 1)]
    estates = list(estates) if estates is not None else list(Estate.objects.order_by("code"))
    return recompute_kpi_months(estates=estates, months=wanted, now=now)
