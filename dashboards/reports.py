"""The figures of one estate's monthly report (月度分析报告, issue #15), as a JSON-ready snapshot.

Each section reads the owning app's selector, so a figure here means what it means on that app's
own page: tickets (`tickets.selectors.ticket_metrics`, `ticket_metrics_by`), callbacks and the
manager's re-checks (`tickets` callback samples), fees (`billing.selectors.monthly_statement`,
`arrears_report`), move-ins (`moveins.reports`), renovations (`renovations.metrics`), staff
performance (`servicecenter.performance`, registered below by the top layer), quality inspections
and incidents (`staff`), and the KPI board (`dashboards.kpis.kpi_board`). Decimals become strings,
dates ISO strings, so the snapshot stored in `MonthlyReport.figures` is exactly what the page,
the Excel file and the PDF render later, whatever happens to the data afterwards.

Every read goes through `reading_from_replica()`: the build only reads, and a report of last
month can live with a replica's lag of seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from billing import selectors as billing_selectors
from dashboards.kpis import kpi_board
from moveins import reports as movein_reports
from renovations import metrics as renovation_metrics
from residents.models import Estate
from servicecenter.periods import add_months, month_bounds, month_start
from servicecenter.replica import reading_from_replica
from staff.models import Drill, Finding, Incident, QualityInspection, RectificationOrder
from tickets import selectors as ticket_selectors
from tickets.models import Callback, CallbackReview, CallbackSample, Ticket

# Bumped when the shape of the snapshot changes, so templates can tell an old snapshot apart.
SCHEMA = 1
# How many people the staff highlights name at the top and at the bottom of each figure.
HIGHLIGHTS = 3
HIGHLIGHT_FIGURES = ("tickets_handled", "timely_handling_rate", "satisfaction_rate", "callbacks_done")

# servicecenter.performance is a cross-app read in the top layer, which this app may not import;
# the top layer registers it here (servicecenter.apps) and the staff section stays empty without.
PerformanceSource = Callable[..., list]
_performance_source: PerformanceSource | None = None


def register_performance_source(source: PerformanceSource) -> None:
    global _performance_source
    _performance_source = source


def jsonable(value):
    """Decimals as strings (never floats: money keeps its two places), dates as ISO strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _labelled(counts: dict, labels: dict) -> list[dict]:
    return [
        {"key": key, "label": str(labels.get(key, key)), "count": count}
        for key, count in sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    ]


def _tickets(estate: Estate, month: date, now: datetime) -> dict:
    metrics = ticket_selectors.ticket_metrics(estate=estate, month=month, now=now)
    start, end = month_bounds(month)
    cohort = Ticket.objects.filter(estate=estate, created_at__gte=start, created_at__lt=end)
    categories = [
        {"label": gettext(name) if name else gettext("No category"), "count": n}
        for name, n in cohort.values_list("category__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "category__name")
    ]
    root_causes = [
        {"label": name or gettext("Not analysed yet"), "count": n}
        for name, n in cohort.filter(kind=Ticket.Kind.COMPLAINT)
        .exclude(status=Ticket.Status.CANCELLED)
        .values_list("root_cause__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "root_cause__name")
    ]
    teams = [
        {
            "label": row.label,
            "count": row.metrics.ticket_count,
            "timely_handling_rate": row.metrics.timely_handling_rate,
            "success_rate": row.metrics.success_rate,
            "satisfaction_rate": row.metrics.satisfaction_rate,
        }
        for row in ticket_selectors.ticket_metrics_by(estate=estate, month=month, by="team", now=now)
    ]
    return {
        "total": metrics.ticket_count,
        "by_kind": _labelled(metrics.counts_by_kind, dict(Ticket.Kind.choices)),
        "by_status": _labelled(metrics.counts_by_status, dict(Ticket.Status.choices)),
        "by_category": categories,
        "by_team": teams,
        "complaint_root_causes": root_causes,
        "average_response_hours": metrics.average_response_hours,
        "average_resolution_hours": metrics.average_resolution_hours,
    }


def _callbacks(estate: Estate, month: date) -> dict:
    start, end = month_bounds(month)
    done = Callback.objects.filter(
        estate=estate,
        status__in=[Callback.Status.COMPLETED, Callback.Status.UNREACHABLE],
        completed_at__gte=start,
        completed_at__lt=end,
    ).aggregate(
        closed=Count("pk"),
        reached=Count("pk", filter=Q(reached=True)),
        unreachable=Count("pk", filter=Q(status=Callback.Status.UNREACHABLE)),
        satisfied=Count("pk", filter=Q(satisfaction__gte=4)),
        unsolved=Count("pk", filter=Q(is_solved=False)),
        mean=Avg("satisfaction"),
    )
    mean = done.pop("mean")
    done["average_satisfaction"] = round(mean, 2) if mean is not None else None
    sample = CallbackSample.objects.filter(estate=estate, month=month).first()
    rechecks = None
    if sample is not None:
        results = dict(
            CallbackReview.objects.filter(sample=sample)
            .values_list("result")
            .annotate(n=Count("pk"))
            .order_by()
        )
        rechecks = {
            "population": sample.population,
            "sampled": sum(results.values()),
            "pending": results.get("", 0),
            "results": _labelled(
                {k: v for k, v in results.items() if k}, dict(CallbackReview.Result.choices)
            ),
        }
    return {**done, "rechecks": rechecks}


def _statement_row(row) -> dict:
    return {
        "name": row.name or gettext("Total"),
        "charged": row.charged,
        "collected_for_period": row.collected_for_period,
        "collected_earlier_this_year": row.collected_earlier_this_year,
        "collected_old_arrears": row.collected_old_arrears,
        "outstanding_for_period": row.outstanding_for_period,
        "rate": row.rate,
    }


def _fees(estate: Estate, month: date, now: datetime) -> dict:
    statement = billing_selectors.monthly_statement(estate=estate, month=month)
    # Arrears as the books stood on the first day after the month (or today, if that is earlier).
    as_of = min(timezone.localdate(now), add_months(month, 1))
    arrears = billing_selectors.arrears_report(estate=estate, today=as_of)
    return {
        "rows": [_statement_row(row) for row in statement.rows],
        "total": _statement_row(statement.total),
        "prepaid_received": statement.prepaid_received,
        "deposits_received": statement.deposits_received,
        "deposits_refunded": statement.deposits_refunded,
        "arrears_as_of": as_of,
        "arrears": arrears.totals,
    }


def _move_ins(estate: Estate, month: date) -> dict:
    handover = movein_reports.handover_satisfaction(estate=estate, month=month)
    spot = movein_reports.spot_check_status(estate=estate, month=month)
    return {
        "completed": handover.completed,
        "rated": handover.rated,
        "satisfied": handover.satisfied,
        "rate": handover.rate,
        "average": handover.average,
        "spot_checks_required": spot.required,
        "spot_checks_done": spot.done,
        "spot_checks_with_findings": spot.with_findings,
    }


def _renovations(estate: Estate, month: date, now: datetime) -> dict:
    figures = renovation_metrics.violation_metrics(estate_ids=[estate.pk], month=month, now=now)
    return {key: value for key, value in figures.as_dict().items() if key not in ("key", "label", "month")}


def _staff(estate: Estate, month: date, now: datetime) -> dict:
    if _performance_source is None:
        return {"available": False, "highlights": []}
    rows = _performance_source(estate=estate, month=month, now=now)
    highlights = []
    for key in HIGHLIGHT_FIGURES:
        present = [row for row in rows if getattr(row, key) is not None]
        ranked = sorted(present, key=lambda row: (-float(getattr(row, key)), row.name))
        top = ranked[:HIGHLIGHTS]
        bottom = [row for row in reversed(ranked[-HIGHLIGHTS:]) if row not in top]
        highlights.append(
            {
                "figure": key,
                "top": [{"name": row.name, "value": getattr(row, key)} for row in top],
                "bottom": [{"name": row.name, "value": getattr(row, key)} for row in bottom],
            }
        )
    return {"available": True, "people": len(rows), "highlights": highlights}


def _quality(estate: Estate, month: date) -> dict:
    start, end = month_bounds(month)
    inspections = QualityInspection.objects.filter(
        estate=estate, inspected_at__gte=start, inspected_at__lt=end
    )
    findings = Finding.objects.filter(inspection__in=inspections).aggregate(
        checked=Count("pk"), failed=Count("pk", filter=Q(passed=False))
    )
    orders = RectificationOrder.objects.filter(
        estate=estate, issued_at__gte=start, issued_at__lt=end
    ).aggregate(
        issued=Count("pk"),
        closed=Count("pk", filter=Q(status=RectificationOrder.Status.VERIFIED)),
        escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
    )
    incidents = dict(
        Incident.objects.filter(estate=estate, occurred_at__gte=start, occurred_at__lt=end)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    drills = Drill.objects.filter(estate=estate, held_on__gte=month, held_on__lt=add_months(month, 1)).count()
    return {
        "inspections": inspections.count(),
        "items_checked": findings["checked"],
        "items_failed": findings["failed"],
        "orders_issued": orders["issued"],
        "orders_verified": orders["closed"],
        "orders_escalated": orders["escalated"],
        "incidents": sum(incidents.values()),
        "incidents_by_kind": _labelled(incidents, dict(Incident._meta.get_field("kind").choices)),
        "drills_held": drills,
    }


def _kpis(estate: Estate, month: date, now: datetime) -> list[dict]:
    return [
        {**figure.as_dict(), "display": figure.display, "target_display": figure.target_display}
        for figure in kpi_board(estate=estate, month=month, now=now)
    ]


def build_figures(*, estate: Estate, month: date, now: datetime | None = None) -> dict:
    """The whole report of `estate` for the calendar month `month`, JSON-ready. Labels are written
    in the site's language (the report is a document of the centre, whoever asked for it)."""
    now = now or timezone.now()
    month = month_start(month)
    with reading_from_replica(), translation.override(settings.LANGUAGE_CODE):
        figures = {
            "schema": SCHEMA,
            "estate": {"id": estate.pk, "code": estate.code, "name": estate.name},
            "month": f"{month:%Y-%m}",
            "as_of": now,
            "kpis": _kpis(estate, month, now),
            "tickets": _tickets(estate, month, now),
            "callbacks": _callbacks(estate, month),
            "fees": _fees(estate, month, now),
            "move_ins": _move_ins(estate, month),
            "renovations": _renovations(estate, month, now),
            "staff": _staff(estate, month, now),
            "quality": _quality(estate, month),
        }
    return jsonable(figures)


# --- presenting a snapshot ----------------------------------------------------------------------
# The page, the Excel file and the PDF draw the same tables from the stored snapshot: headings in
# the reader's language, figures exactly as stored. Nothing here reads the database.

EMPTY = "—"


def _percent(value) -> str:
    if value is None or value == "":
        return EMPTY
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.1'))}%"


def _plain(value) -> str:
    return EMPTY if value is None else str(value)


def _money(value) -> str:
    return EMPTY if value is None else f"¥{Decimal(str(value)):,.2f}"


def _table(title, columns, rows) -> dict:
    return {"title": str(title), "columns": [str(c) for c in columns], "rows": rows}


def _pair_rows(pairs) -> list[list[str]]:
    return [[str(label), value] for label, value in pairs]


def report_tables(figures: dict) -> list[dict]:
    """The snapshot as titled tables of strings, in reading order."""
    from dashboards.kpis import KPI_BY_CODE

    tables = []
    kpis = figures.get("kpis", [])
    colours = {"green": gettext("met"), "amber": gettext("near"), "red": gettext("missed"), "none": EMPTY}
    tables.append(
        _table(
            gettext("Key figures"),
            [gettext("KPI"), gettext("Figure"), gettext("Target"), gettext("Against target")],
            [
                [
                    str(KPI_BY_CODE[k["code"]].label) if k["code"] in KPI_BY_CODE else k["label"],
                    k["display"],
                    k["target_display"],
                    colours.get(k["colour"], EMPTY),
                ]
                for k in kpis
            ],
        )
    )
    t = figures.get("tickets", {})
    tables.append(
        _table(
            gettext("Tickets"),
            [gettext("Figure"), gettext("Value")],
            _pair_rows(
                [
                    (gettext("Tickets registered"), _plain(t.get("total"))),
                    (gettext("Average hours to first response"), _plain(t.get("average_response_hours"))),
                    (gettext("Average hours to resolution"), _plain(t.get("average_resolution_hours"))),
                ]
            ),
        )
    )
    count = gettext("Tickets")
    tables.append(
        _table(
            gettext("Tickets by type"),
            [gettext("Type"), count],
            [[r["label"], str(r["count"])] for r in t.get("by_kind", [])],
        )
    )
    tables.append(
        _table(
            gettext("Tickets by category"),
            [gettext("Category"), count],
            [[r["label"], str(r["count"])] for r in t.get("by_category", [])],
        )
    )
    tables.append(
        _table(
            gettext("Tickets by team"),
            [
                gettext("Team"),
                count,
                gettext("Timely handling rate"),
                gettext("Success rate"),
                gettext("Satisfaction rate"),
            ],
            [
                [
                    r["label"],
                    str(r["count"]),
                    _percent(r["timely_handling_rate"]),
                    _percent(r["success_rate"]),
                    _percent(r["satisfaction_rate"]),
                ]
                for r in t.get("by_team", [])
            ],
        )
    )
    tables.append(
        _table(
            gettext("Complaints by root cause"),
            [gettext("Root cause"), gettext("Complaints")],
            [[r["label"], str(r["count"])] for r in t.get("complaint_root_causes", [])],
        )
    )
    c = figures.get("callbacks", {})
    rows = [
        (gettext("Callbacks closed"), _plain(c.get("closed"))),
        (gettext("Resident reached"), _plain(c.get("reached"))),
        (gettext("Unreachable"), _plain(c.get("unreachable"))),
        (gettext("Satisfied (4 or 5)"), _plain(c.get("satisfied"))),
        (gettext("Problem not solved"), _plain(c.get("unsolved"))),
        (gettext("Average satisfaction"), _plain(c.get("average_satisfaction"))),
    ]
    rechecks = c.get("rechecks")
    if rechecks:
        rows += [
            (gettext("Callbacks sampled for re-check"), _plain(rechecks["sampled"])),
            (gettext("Re-checks pending"), _plain(rechecks["pending"])),
            *[(r["label"], str(r["count"])) for r in rechecks["results"]],
        ]
    else:
        rows.append((gettext("Callbacks sampled for re-check"), EMPTY))
    tables.append(
        _table(gettext("Callbacks and re-checks"), [gettext("Figure"), gettext("Value")], _pair_rows(rows))
    )
    f = figures.get("fees", {})
    fee_rows = [*f.get("rows", []), *([f["total"]] if f.get("total") else [])]
    tables.append(
        _table(
            gettext("Fees"),
            [
                gettext("Charge item"),
                gettext("Charged"),
                gettext("Collected for the month"),
                gettext("Collection rate"),
                gettext("Collected for earlier months"),
                gettext("Old arrears collected"),
                gettext("Outstanding"),
            ],
            [
                [
                    r["name"],
                    _money(r["charged"]),
                    _money(r["collected_for_period"]),
                    f"{r['rate']}%" if r.get("rate") is not None else EMPTY,
                    _money(r["collected_earlier_this_year"]),
                    _money(r["collected_old_arrears"]),
                    _money(r["outstanding_for_period"]),
                ]
                for r in fee_rows
            ],
        )
    )
    arrears = f.get("arrears", {})
    tables.append(
        _table(
            gettext("Arrears as of %(date)s") % {"date": f.get("arrears_as_of", "")},
            [gettext("Figure"), gettext("Value")],
            _pair_rows(
                [(gettext("Prepaid received"), _money(f.get("prepaid_received")))]
                + [(gettext("Deposits received"), _money(f.get("deposits_received")))]
                + [(gettext("Deposits refunded"), _money(f.get("deposits_refunded")))]
                + [
                    (
                        _ARREARS_LABELS.get(key, key),
                        _plain(value) if key == "overdue_bills" else _money(value),
                    )
                    for key, value in arrears.items()
                    if key in _ARREARS_LABELS
                ]
            ),
        )
    )
    m = figures.get("move_ins", {})
    tables.append(
        _table(
            gettext("Move-ins"),
            [gettext("Figure"), gettext("Value")],
            _pair_rows(
                [
                    (gettext("Handovers completed"), _plain(m.get("completed"))),
                    (gettext("Rated by the owner"), _plain(m.get("rated"))),
                    (gettext("Move-in satisfaction"), _percent(m.get("rate"))),
                    (
                        gettext("Spot checks done / required"),
                        f"{_plain(m.get('spot_checks_done'))} / {_plain(m.get('spot_checks_required'))}",
                    ),
                    (gettext("Spot checks with findings"), _plain(m.get("spot_checks_with_findings"))),
                ]
            ),
        )
    )
    r = figures.get("renovations", {})
    tables.append(
        _table(
            gettext("Renovations and violations"),
            [gettext("Figure"), gettext("Value")],
            _pair_rows(
                [
                    (gettext("Violations"), _plain(r.get("violations"))),
                    (gettext("Found by patrol"), _plain(r.get("found_by_patrol"))),
                    (gettext("Rectified"), _plain(r.get("rectified"))),
                    (gettext("Escalated"), _plain(r.get("escalated"))),
                    (
                        gettext("Patrols done / due"),
                        f"{_plain(r.get('patrols_done'))} / {_plain(r.get('patrols_due'))}",
                    ),
                    (gettext("Violation discovery rate"), _percent(r.get("violation_discovery_rate"))),
                    (gettext("Timely handling rate"), _percent(r.get("timely_handling_rate"))),
                    (gettext("Success rate"), _percent(r.get("success_rate"))),
                ]
            ),
        )
    )
    s = figures.get("staff", {})
    staff_rows = []
    for h in s.get("highlights", []):
        show = _plain if h["figure"] in ("tickets_handled", "callbacks_done") else _percent
        label = str(_HIGHLIGHT_LABELS.get(h["figure"], h["figure"]))
        staff_rows.append(
            [
                label,
                ", ".join(f"{p['name']} ({show(p['value'])})" for p in h["top"]) or EMPTY,
                ", ".join(f"{p['name']} ({show(p['value'])})" for p in h["bottom"]) or EMPTY,
            ]
        )
    tables.append(
        _table(
            gettext("Staff performance highlights"),
            [gettext("Figure"), gettext("Best"), gettext("Lowest")],
            staff_rows,
        )
    )
    q = figures.get("quality", {})
    tables.append(
        _table(
            gettext("Inspections and incidents"),
            [gettext("Figure"), gettext("Value")],
            _pair_rows(
                [
                    (gettext("Quality inspections"), _plain(q.get("inspections"))),
                    (
                        gettext("Items checked / failed"),
                        f"{_plain(q.get('items_checked'))} / {_plain(q.get('items_failed'))}",
                    ),
                    (gettext("Rectification orders issued"), _plain(q.get("orders_issued"))),
                    (gettext("Rectification orders verified"), _plain(q.get("orders_verified"))),
                    (gettext("Rectification orders escalated"), _plain(q.get("orders_escalated"))),
                    (gettext("Incidents"), _plain(q.get("incidents"))),
                    *[(row["label"], str(row["count"])) for row in q.get("incidents_by_kind", [])],
                    (gettext("Drills held"), _plain(q.get("drills_held"))),
                ]
            ),
        )
    )
    return tables


_HIGHLIGHT_LABELS = {
    "tickets_handled": gettext_lazy("Tickets handled"),
    "timely_handling_rate": gettext_lazy("Timely handling rate"),
    "satisfaction_rate": gettext_lazy("Satisfaction rate"),
    "callbacks_done": gettext_lazy("Callbacks done"),
}
_ARREARS_LABELS = {
    "outstanding": gettext_lazy("Outstanding in all"),
    "arrears": gettext_lazy("In arrears (past due)"),
    "current_arrears": gettext_lazy("Current arrears (this year)"),
    "old_arrears": gettext_lazy("Old arrears (earlier years)"),
    "overdue_bills": gettext_lazy("Overdue bills"),
}
