"""The KPIs the centre is judged on (DOMAIN.md, "What the centre is judged on"), declared once.

Each `Kpi` names its figure, its unit, which way is better, its default target and the list
behind it. The figure itself is never computed here: `month_figures` reads it from the owning
app's selector, whose docstring is the definition (tickets: `tickets.selectors.ticket_metrics`;
fees: `billing.selectors.monthly_statement`; move-in: `moveins.reports.handover_satisfaction`;
renovations: `renovations.metrics.violation_metrics`; the survey: `relations.selectors.surveys.
survey_score`). The dashboard page, `GET /api/dashboard/metrics/` and the monthly report all call
`kpi_board`, so one number has one meaning everywhere. A closed month's figures are stored once
computed (`KpiMonth`, written by `dashboards.services_kpis`, read by `dashboards.selectors.
kpi_figures`) and handed to `kpi_board` and `trend`; they are still `month_figures`' figures.

Targets are per estate (`KpiTarget`); without one the default below applies. The defaults are
the levels property companies commonly commit to in service contracts (95% handled on time and
successfully, every resolved ticket called back, 90% satisfied, complaints answered within 72 h,
95% of the period's fees collected, a survey mean of 4 of 5); a manager changes them in the admin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing import selectors as billing_selectors
from dashboards.models import KpiTarget
from moveins import reports as movein_reports
from relations.selectors.surveys import survey_score
from renovations import metrics as renovation_metrics
from residents.models import Estate
from servicecenter.money import to_money
from servicecenter.periods import add_months, month_end, month_start
from tickets import selectors as ticket_selectors

RATE = "rate"  # 0..1, shown as a percentage
SCORE = "score"  # a mean on a 1..5 scale
MONEY = "money"  # yuan, two places

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str | Promise
    unit: str
    source: str  # the selector whose docstring defines the figure
    default_target: Decimal | None
    amber_margin: Decimal = Decimal("0.05")
    higher_is_better: bool = True
    # url name and a function of (estate, month) giving the query string of the list behind it
    list_url_name: str | None = None
    list_query: Callable[[Estate, date], dict] | None = None


def _ticket_month(estate: Estate, month: date, **extra) -> dict:
    return {
        "estate": estate.pk,
        "created_after": month_start(month).isoformat(),
        "created_before": month_end(month).isoformat(),
        **extra,
    }


def _complaints(estate: Estate, month: date) -> dict:
    return _ticket_month(estate, month, kind="complaint")


def _statement(estate: Estate, month: date) -> dict:
    return {"estate": estate.pk, "month": f"{month:%Y-%m}"}


def _violations(estate: Estate, month: date) -> dict:
    return {"estate": estate.pk, "month": f"{month:%Y-%m}"}


def _move_ins(estate: Estate, month: date) -> dict:
    return {"estate": estate.pk, "status": "completed"}


def _surveys(estate: Estate, month: date) -> dict:
    return {"estate": estate.pk}


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "timely_handling_rate",
        _("Timely handling rate"),
        RATE,
        "tickets.selectors.timely_handling_rate",
        Decimal("0.95"),
        list_url_name="tickets:list",
        list_query=_ticket_month,
    ),
    Kpi(
        "success_rate",
        _("Success rate"),
        RATE,
        "tickets.selectors.success_rate",
        Decimal("0.95"),
        list_url_name="tickets:list",
        list_query=_ticket_month,
    ),
    Kpi(
        "callback_rate",
        _("Callback rate"),
        RATE,
        "tickets.selectors.callback_rate",
        Decimal("1.00"),
        list_url_name="tickets:callbacks",
        list_query=lambda estate, month: {"estate": estate.pk},
    ),
    Kpi(
        "satisfaction_rate",
        _("Satisfaction rate"),
        RATE,
        "tickets.selectors.satisfaction_rate",
        Decimal("0.90"),
        list_url_name="tickets:list",
        list_query=_ticket_month,
    ),
    Kpi(
        "complaints_replied_within_72h_rate",
        _("Complaints answered within 72 h"),
        RATE,
        "tickets.selectors.complaints_replied_rate",
        Decimal("1.00"),
        list_url_name="tickets:list",
        list_query=_complaints,
    ),
    Kpi(
        "collection_rate",
        _("Collection rate (this period)"),
        RATE,
        "billing.selectors.monthly_statement",
        Decimal("0.95"),
        list_url_name="billing:statement",
        list_query=_statement,
    ),
    Kpi(
        "old_arrears_collected",
        _("Old arrears collected"),
        MONEY,
        "billing.selectors.monthly_statement",
        None,
        list_url_name="billing:statement",
        list_query=_statement,
    ),
    Kpi(
        "handover_satisfaction_rate",
        _("Move-in satisfaction"),
        RATE,
        "moveins.reports.handover_satisfaction",
        Decimal("0.90"),
        list_url_name="moveins:list",
        list_query=_move_ins,
    ),
    Kpi(
        "violation_discovery_rate",
        _("Renovation violations discovered"),
        RATE,
        "renovations.metrics.violation_discovery_rate",
        Decimal("0.90"),
        list_url_name="renovations:violations",
        list_query=_violations,
    ),
    Kpi(
        "violation_timely_rate",
        _("Violations handled in time"),
        RATE,
        "renovations.metrics.timely_handling_rate",
        Decimal("0.95"),
        list_url_name="renovations:violations",
        list_query=_violations,
    ),
    Kpi(
        "violation_success_rate",
        _("Violations rectified"),
        RATE,
        "renovations.metrics.success_rate",
        Decimal("0.95"),
        list_url_name="renovations:violations",
        list_query=_violations,
    ),
    Kpi(
        "survey_score",
        pgettext_lazy("kpi", "Survey score"),
        SCORE,
        "relations.selectors.surveys.survey_score",
        Decimal("4.00"),
        amber_margin=Decimal("0.30"),
        list_url_name="relations:surveys",
        list_query=_surveys,
    ),
)

KPI_BY_CODE = {kpi.code: kpi for kpi in KPIS}


def _survey_score(estate: Estate, month: date) -> float | None:
    score = survey_score(estate_id=estate.pk, month=month)
    return float(score) if score is not None else None


def month_figures(*, estate: Estate, month: date, now: datetime | None = None) -> dict[str, object]:
    """Every KPI's figure for one estate and calendar month, keyed by code: rates as floats 0..1,
    the survey score as a float 1..5, money as Decimal; None where the figure has no denominator
    (nothing happened that month). A fixed number of queries whatever the data size: tickets 2,
    fees a handful, move-in 1, renovations 2, the survey 1-2."""
    now = now or timezone.now()
    month = month_start(month)
    tickets = ticket_selectors.ticket_metrics(estate=estate, month=month, now=now)
    statement = billing_selectors.monthly_statement(estate=estate, month=month)
    handover = movein_reports.handover_satisfaction(estate=estate, month=month)
    violations = renovation_metrics.violation_metrics(estate_ids=[estate.pk], month=month, now=now)
    rate = statement.total.rate
    return {
        "timely_handling_rate": tickets.timely_handling_rate,
        "success_rate": tickets.success_rate,
        "callback_rate": tickets.callback_rate,
        "satisfaction_rate": tickets.satisfaction_rate,
        "complaints_replied_within_72h_rate": tickets.complaints_replied_within_72h_rate,
        "collection_rate": float(rate) if rate is not None else None,
        "old_arrears_collected": to_money(
            statement.total.collected_old_arrears + statement.total.collected_earlier_this_year
        ),
        "handover_satisfaction_rate": handover.rate,
        "violation_discovery_rate": violations.violation_discovery_rate,
        "violation_timely_rate": violations.timely_handling_rate,
        "violation_success_rate": violations.success_rate,
        "survey_score": _survey_score(estate, month),
    }


def targets_for(estate_ids) -> dict[tuple[int, str], KpiTarget]:
    """The estates' own targets, keyed by (estate id, code): one query."""
    return {(t.estate_id, t.code): t for t in KpiTarget.objects.filter(estate_id__in=list(estate_ids))}


def colour(kpi: Kpi, value, target: Decimal | None, margin: Decimal) -> str:
    """Green when the figure meets the target, amber within `margin` on the wrong side of it,
    red beyond; "none" without a figure or a target."""
    if value is None or target is None:
        return NONE
    value = Decimal(str(value))
    gap = (value - target) if kpi.higher_is_better else (target - value)
    if gap >= 0:
        return GREEN
    if -gap <= margin:
        return AMBER
    return RED


@dataclass(frozen=True)
class KpiFigure:
    kpi: Kpi
    value: object
    target: Decimal | None
    colour: str
    url: str | None

    @property
    def display(self) -> str:
        return display(self.kpi, self.value)

    @property
    def target_display(self) -> str:
        return display(self.kpi, self.target)

    def as_dict(self) -> dict:
        return {
            "code": self.kpi.code,
            "label": str(self.kpi.label),
            "unit": self.kpi.unit,
            "value": _json_value(self.value),
            "target": _json_value(self.target),
            "colour": self.colour,
            "url": self.url,
            "definition": self.kpi.source,
        }


def _json_value(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value)
    return value


def display(kpi: Kpi, value) -> str:
    if value is None:
        return "—"
    if kpi.unit == RATE:
        percent = (Decimal(str(value)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{percent}%"
    if kpi.unit == SCORE:
        return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return f"¥{to_money(value):,}"


def list_url(kpi: Kpi, estate: Estate, month: date) -> str | None:
    if kpi.list_url_name is None:
        return None
    try:
        base = reverse(kpi.list_url_name)
    except NoReverseMatch:
        return None
    query = kpi.list_query(estate, month) if kpi.list_query else {}
    return f"{base}?{urlencode(query)}" if query else base


def kpi_board(
    *,
    estate: Estate,
    month: date,
    now: datetime | None = None,
    targets: dict | None = None,
    figures: dict[str, object] | None = None,
) -> list[KpiFigure]:
    """The month's KPIs of one estate against its targets, in the order of `KPIS`, each with its
    colour and the filtered list behind it. `figures` are the month's figures when already at
    hand (a closed month's stored figures, `dashboards.selectors.kpi_figures`); computed here
    otherwise. Targets and colours are always today's."""
    if figures is None:
        figures = month_figures(estate=estate, month=month, now=now)
    targets = targets if targets is not None else targets_for([estate.pk])
    board = []
    for kpi in KPIS:
        own = targets.get((estate.pk, kpi.code))
        target = own.target if own else kpi.default_target
        margin = own.amber_margin if own else kpi.amber_margin
        value = figures[kpi.code]
        board.append(
            KpiFigure(
                kpi=kpi,
                value=value,
                target=target,
                colour=colour(kpi, value, target, margin),
                url=list_url(kpi, estate, month),
            )
        )
    return board


def trend_months(last_month: date, months: int = 12) -> list[date]:
    """The `months` calendar months ending with `last_month`, oldest first."""
    first = add_months(month_start(last_month), -(months - 1))
    return [add_months(first, offset) for offset in range(months)]


def trend(
    *,
    estate: Estate,
    last_month: date,
    months: int = 12,
    now: datetime | None = None,
    figures: Mapping[date, dict[str, object]] | None = None,
) -> dict:
    """The figures of the `months` calendar months ending with `last_month`, oldest first:
    {"months": ["2026-01", ...], "series": {code: [value or None, ...]}} (rates as floats, money
    as strings). `figures` maps months to figures already at hand (the stored closed months and
    the current month's snapshot, `dashboards.selectors.kpi_figures`); a month missing from it is
    computed here with `month_figures`."""
    figures = figures or {}
    labels, series = [], {kpi.code: [] for kpi in KPIS}
    for month in trend_months(last_month, months):
        labels.append(f"{month:%Y-%m}")
        values = figures.get(month)
        if values is None:
            values = month_figures(estate=estate, month=month, now=now)
        for kpi in KPIS:
            series[kpi.code].append(_json_value(values[kpi.code]))
    return {"months": labels, "series": series}


def figures_to_json(figures: dict[str, object]) -> dict[str, object]:
    """A month's figures as stored (`KpiMonth.figures`): Decimals as strings, the rest as is."""
    return {kpi.code: _json_value(figures[kpi.code]) for kpi in KPIS}


def figures_from_json(stored: dict) -> dict[str, object] | None:
    """Stored figures back as `month_figures` returns them (money as Decimal); None when a KPI of
    `KPIS` is missing (stored before that KPI existed: the month must be computed again)."""
    if any(kpi.code not in stored for kpi in KPIS):
        return None
    figures = {}
    for kpi in KPIS:
        value = stored[kpi.code]
        figures[kpi.code] = Decimal(value) if kpi.unit == MONEY and value is not None else value
    return figures


def ranking(rows: list[tuple[Estate, list[KpiFigure]]]) -> list[tuple[int, Estate, int, int]]:
    """The company's ranking of its estates: by the number of green KPIs, then fewest red, then
    name. Returns (rank, estate, greens, reds), rank from 1; ties share a rank."""
    scored = []
    for estate, board in rows:
        greens = sum(1 for f in board if f.colour == GREEN)
        reds = sum(1 for f in board if f.colour == RED)
        scored.append((estate, greens, reds))
    scored.sort(key=lambda r: (-r[1], r[2], r[0].name))
    ranked, previous, rank = [], None, 0
    for position, (estate, greens, reds) in enumerate(scored, start=1):
        if (greens, reds) != previous:
            rank, previous = position, (greens, reds)
        ranked.append((rank, estate, greens, reds))
    return ranked
