"""What the dashboard page and `GET /api/dashboard/metrics/` show, read in one place: the filters
(estate within the user's reach, a month that has begun), the month's KPI board, today's glance
(current month only), the 12-month trend drawn as charts, and for the company the estates side by
side with their ranking. Every figure comes from `dashboards.kpis` / `dashboards.glance`; the query
count depends on the number of estates compared, never on the amount of data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards import kpis, services_kpis
from dashboards.glance import Glance, today_glance
from dashboards.models import KpiMonth
from dashboards.roles import COMPARE
from residents.models import Estate
from servicecenter.periods import month_ended_by, month_start
from servicecenter.validators import parse_id

# The trend charts: each groups KPIs of one unit, so a chart has one scale.
CHARTS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    (
        "tickets",
        gettext_lazy("Tickets"),
        (
            "timely_handling_rate",
            "success_rate",
            "callback_rate",
            "satisfaction_rate",
            "complaints_replied_within_72h_rate",
        ),
    ),
    ("fees", gettext_lazy("Fee collection"), ("collection_rate",)),
    ("arrears", gettext_lazy("Old arrears collected (yuan)"), ("old_arrears_collected",)),
    (
        "works",
        gettext_lazy("Move-in and renovations"),
        (
            "handover_satisfaction_rate",
            "violation_discovery_rate",
            "violation_timely_rate",
            "violation_success_rate",
        ),
    ),
    ("survey", gettext_lazy("Satisfaction survey (out of 5)"), ("survey_score",)),
)

COLOUR_LABELS = {
    kpis.GREEN: ("✓", gettext_lazy("On target")),
    kpis.AMBER: ("!", gettext_lazy("Close to target")),
    kpis.RED: ("✗", gettext_lazy("Off target")),
    kpis.NONE: ("–", gettext_lazy("No data")),
}


def future_month_message() -> str:
    return _("That month has not begun yet: choose this month or an earlier one.")


def estate_in_reach(user, raw: str | int | None) -> Estate:
    """The estate the user asked for, or their first one when none was named; 404 for an estate
    outside their reach (or none at all): another estate does not exist for them."""
    estates = Estate.objects.visible_to(user).order_by("code")
    if raw in (None, ""):
        estate = estates.first()
    else:
        pk = parse_id(raw)
        estate = estates.filter(pk=pk).first() if pk is not None else None
    if estate is None:
        raise Http404(_("No such estate."))
    return estate


def is_future(month: date, now: datetime | None = None) -> bool:
    return month_start(month) > month_start(timezone.localdate(now))


def kpi_figures(
    *, pairs: Iterable[tuple[Estate, date]], now: datetime | None = None
) -> dict[tuple[int, date], dict[str, object]]:
    """The figures (`kpis.month_figures`) of each (estate, month) pair, keyed by (estate id,
    month), as `kpi_figures_as_of` reads them."""
    return kpi_figures_as_of(pairs=pairs, now=now)[0]


def _usable(month: date, computed_at: datetime, now: datetime, current: date) -> bool:
    if month_ended_by(month, computed_at):
        return True  # a closed month's figures, computed after it ended
    if month != current:
        return False  # a snapshot of a month that has ended since: computed again
    age = (now - computed_at).total_seconds()
    return 0 <= age < settings.KPI_LIVE_MAX_AGE_SECONDS


def kpi_figures_as_of(
    *, pairs: Iterable[tuple[Estate, date]], now: datetime | None = None
) -> tuple[dict[tuple[int, date], dict[str, object]], dict[tuple[int, date], datetime]]:
    """The figures (`kpis.month_figures`) of each (estate, month) pair, keyed by (estate id,
    month), and when each was computed: every stored month in one query (`KpiMonth`). A closed
    month not stored yet (or stored before a KPI was added, or only as a snapshot taken before it
    ended) is computed and stored on the way (`services_kpis.freeze_kpi_months`, once per
    month); the current month is a snapshot used while younger than `KPI_LIVE_MAX_AGE_SECONDS`
    and otherwise computed and stored again (`services_kpis.store_live_kpi_months`); a month not
    begun is computed and not stored. The figures are written to the primary even under
    `replica_reads`: the write is idempotent."""
    now = now or timezone.now()
    current = month_start(timezone.localdate(now))
    pairs = list(
        {(estate.pk, month_start(month)): (estate, month_start(month)) for estate, month in pairs}.values()
    )
    storable = [(estate, month) for estate, month in pairs if month <= current]
    result: dict[tuple[int, date], dict[str, object]] = {}
    computed_at: dict[tuple[int, date], datetime] = {}
    if storable:
        rows = KpiMonth.objects.filter(
            estate_id__in={estate.pk for estate, _month in storable},
            month__in={month for _estate, month in storable},
        ).values_list("estate_id", "month", "figures", "computed_at")
        wanted = {(estate.pk, month) for estate, month in storable}
        for estate_id, month, stored, stored_at in rows:
            if (estate_id, month) not in wanted or not _usable(month, stored_at, now, current):
                continue
            figures = kpis.figures_from_json(stored)
            if figures is not None:
                result[(estate_id, month)] = figures
                computed_at[(estate_id, month)] = stored_at
        missing = [(estate, month) for estate, month in storable if (estate.pk, month) not in result]
        closed = [(estate, month) for estate, month in missing if month < current]
        live = [(estate, month) for estate, month in missing if month == current]
        for computed in (
            services_kpis.freeze_kpi_months(pairs=closed, now=now) if closed else {},
            services_kpis.store_live_kpi_months(pairs=live, now=now) if live else {},
        ):
            result.update(computed)
            computed_at.update(dict.fromkeys(computed, now))
    for estate, month in pairs:
        if (estate.pk, month) not in result:
            result[(estate.pk, month)] = kpis.month_figures(estate=estate, month=month, now=now)
            computed_at[(estate.pk, month)] = now
    return result, computed_at


@dataclass
class Dashboard:
    estate: Estate
    month: date
    board: list[kpis.KpiFigure]
    glance: Glance | None = None
    trend: dict | None = None
    comparison: list[tuple[Estate, list[kpis.KpiFigure]]] = field(default_factory=list)
    ranking: list[tuple[int, Estate, int, int]] = field(default_factory=list)
    # When the board's figures were computed: the page and the API say "as of" (the current
    # month is a snapshot at most KPI_LIVE_MAX_AGE_SECONDS old).
    computed_at: datetime | None = None

    @property
    def is_current_month(self) -> bool:
        return self.glance is not None


def dashboard(
    *,
    user,
    estate: Estate,
    month: date,
    now: datetime | None = None,
    with_trend: bool = True,
    with_comparison: bool = True,
) -> Dashboard:
    """The estate's dashboard for `month` (which must have begun). The glance only for the
    current month (it is "now", not a month's figure); the comparison and ranking only for
    users holding `dashboards.compare_estates`, over every estate they reach.

    Every figure comes from `kpi_figures_as_of`, asked once for the trend's months of the
    estate and the chosen month of every estate compared: the stored months (closed, and the
    current month's snapshots) cost one query together; a current month whose snapshot is older
    than `KPI_LIVE_MAX_AGE_SECONDS` costs `month_figures` per estate (so it grows with the
    number of estates, never with the data). `computed_at` is when the board was computed."""
    now = now or timezone.now()
    month = month_start(month)
    current = month == month_start(timezone.localdate(now))
    compare = with_comparison and user.has_perm(COMPARE)
    estates = list(Estate.objects.visible_to(user).order_by("code")) if compare else [estate]
    targets = kpis.targets_for([e.pk for e in estates] if compare else [estate.pk])
    months = kpis.trend_months(month) if with_trend else [month]
    wanted = [(estate, m) for m in months] + [(other, month) for other in estates if other.pk != estate.pk]
    figures, computed_at = kpi_figures_as_of(pairs=wanted, now=now)
    result = Dashboard(
        estate=estate,
        month=month,
        computed_at=computed_at[(estate.pk, month)],
        board=kpis.kpi_board(
            estate=estate, month=month, now=now, targets=targets, figures=figures[(estate.pk, month)]
        ),
    )
    if current:
        result.glance = today_glance(estate=estate, user=user, now=now)
    if with_trend:
        trend = kpis.trend(
            estate=estate,
            last_month=month,
            now=now,
            figures={m: figures[(estate.pk, m)] for m in months},
        )
        result.trend = chart_data(trend)
    if compare:
        result.comparison = [
            (
                other,
                result.board
                if other.pk == estate.pk
                else kpis.kpi_board(
                    estate=other, month=month, now=now, targets=targets, figures=figures[(other.pk, month)]
                ),
            )
            for other in estates
        ]
        result.ranking = kpis.ranking(result.comparison)
    return result


def _chart_value(kpi: kpis.Kpi, value):
    if value is None:
        return None
    if kpi.unit == kpis.RATE:
        return round(float(value) * 100, 1)
    return round(float(value), 2)


def chart_data(trend: dict) -> dict:
    """The trend as the charts draw it: rates in percent, scores and money as numbers, a gap
    (null) where a month has no figure."""
    charts = []
    for chart_id, title, codes in CHARTS:
        series = []
        for code in codes:
            kpi = kpis.KPI_BY_CODE[code]
            series.append(
                {
                    "code": code,
                    "name": str(kpi.label),
                    "data": [_chart_value(kpi, value) for value in trend["series"][code]],
                }
            )
        unit = kpis.KPI_BY_CODE[codes[0]].unit
        charts.append({"id": chart_id, "title": str(title), "unit": unit, "series": series})
    return {"months": trend["months"], "charts": charts}
