"""The dashboard's KPIs: read through the apps' shared selectors on fixed data, judged against the
estate's targets (red/amber/green), bounded in queries whatever the data size, ranked for the
company."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import kpis
from dashboards.models import KpiTarget
from residents.models import Estate
from tests.tickets.conftest import maintenance  # noqa: F401  (fixture)
from tests.tickets.factories import register
from tickets import services

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MARCH = date(2025, 3, 1)


def at(day, hour):
    return datetime(2025, 3, day, hour, tzinfo=TZ)


def _resolve(ticket, actor, team, when):
    services.assign_ticket(ticket=ticket, actor=actor, team=team, now=when - timedelta(hours=2))
    services.start_ticket(ticket=ticket, actor=actor, now=when - timedelta(hours=1))
    services.resolve_ticket(ticket=ticket, actor=actor, note="已修复", now=when)


@pytest.fixture
def march_tickets(users, unit_a, maintenance):  # noqa: F811
    """Two repairs registered in March: one resolved within its deadline, one two days late."""
    supervisor = users["supervisor"]
    on_time = register(supervisor, unit_a, now=at(2, 9))
    _resolve(on_time, supervisor, maintenance, at(2, 15))
    late = register(supervisor, unit_a, now=at(3, 9))
    _resolve(late, supervisor, maintenance, late.resolution_due_at + timedelta(days=2))
    return on_time, late


def _figure(board, code):
    return next(f for f in board if f.kpi.code == code)


def test_the_board_reads_the_ticket_selector_and_colours_against_the_default_target(march_tickets, unit_a):
    board = kpis.kpi_board(estate=unit_a.estate, month=MARCH, now=at(31, 12))
    timely = _figure(board, "timely_handling_rate")
    assert timely.value == 0.5
    assert timely.target == Decimal("0.95")
    assert timely.colour == kpis.RED
    assert timely.display == "50.0%"
    # The list behind the figure: the estate's tickets registered in March.
    assert timely.url.startswith("/tickets/?")
    assert f"estate={unit_a.estate.pk}" in timely.url
    assert "created_after=2025-03-01" in timely.url and "created_before=2025-03-31" in timely.url


def test_an_estate_target_changes_the_colour_and_other_estates_keep_the_default(
    march_tickets, unit_a, estate_b
):
    KpiTarget.objects.create(
        estate=unit_a.estate,
        code="timely_handling_rate",
        target=Decimal("0.52"),
        amber_margin=Decimal("0.05"),
    )
    board = kpis.kpi_board(estate=unit_a.estate, month=MARCH, now=at(31, 12))
    assert _figure(board, "timely_handling_rate").colour == kpis.AMBER
    KpiTarget.objects.filter(estate=unit_a.estate).update(target=Decimal("0.50"))
    board = kpis.kpi_board(estate=unit_a.estate, month=MARCH, now=at(31, 12))
    assert _figure(board, "timely_handling_rate").colour == kpis.GREEN
    other = kpis.kpi_board(estate=estate_b, month=MARCH, now=at(31, 12))
    assert _figure(other, "timely_handling_rate").target == Decimal("0.95")
    # No tickets there: no figure, so no colour rather than a red zero.
    assert _figure(other, "timely_handling_rate").value is None
    assert _figure(other, "timely_handling_rate").colour == kpis.NONE


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.95, kpis.GREEN), (0.99, kpis.GREEN), (0.9, kpis.AMBER), (0.8999, kpis.RED), (None, kpis.NONE)],
)
def test_colour_edges(value, expected):
    kpi = kpis.KPI_BY_CODE["success_rate"]
    assert kpis.colour(kpi, value, Decimal("0.95"), Decimal("0.05")) == expected


def test_a_lower_is_better_kpi_turns_red_above_its_target():
    kpi = kpis.Kpi("x", "x", kpis.RATE, "x", Decimal("0.10"), higher_is_better=False)
    assert kpis.colour(kpi, 0.05, kpi.default_target, Decimal("0.05")) == kpis.GREEN
    assert kpis.colour(kpi, 0.14, kpi.default_target, Decimal("0.05")) == kpis.AMBER
    assert kpis.colour(kpi, 0.2, kpi.default_target, Decimal("0.05")) == kpis.RED


def test_money_and_score_display():
    assert kpis.display(kpis.KPI_BY_CODE["old_arrears_collected"], Decimal("1234.5")) == "¥1,234.50"
    assert kpis.display(kpis.KPI_BY_CODE["survey_score"], 4.255) == "4.26"
    assert kpis.display(kpis.KPI_BY_CODE["survey_score"], None) == "—"


def test_the_board_costs_the_same_queries_for_two_tickets_and_for_twenty(users, unit_a, maintenance):  # noqa: F811
    supervisor = users["supervisor"]
    for day in range(2, 4):
        register(supervisor, unit_a, now=at(day, 9))
    with CaptureQueriesContext(connection) as few:
        kpis.kpi_board(estate=unit_a.estate, month=MARCH, now=at(31, 12))
    for day in range(4, 22):
        ticket = register(supervisor, unit_a, now=at(day, 9))
        _resolve(ticket, supervisor, maintenance, at(day, 15))
    with CaptureQueriesContext(connection) as many:
        kpis.kpi_board(estate=unit_a.estate, month=MARCH, now=at(31, 12))
    assert len(many) == len(few)
    assert len(many) <= 20


def test_the_trend_has_twelve_months_ending_with_the_chosen_one(march_tickets, unit_a):
    series = kpis.trend(estate=unit_a.estate, last_month=MARCH, now=at(31, 12))
    assert series["months"][0] == "2024-04" and series["months"][-1] == "2025-03"
    assert len(series["series"]["timely_handling_rate"]) == 12
    assert series["series"]["timely_handling_rate"][-1] == 0.5
    assert series["series"]["timely_handling_rate"][-2] is None


def test_ranking_counts_greens_then_fewest_reds_and_ties_share_a_rank():
    def board(*colours):
        kpi = kpis.KPIS[0]
        return [kpis.KpiFigure(kpi=kpi, value=None, target=None, colour=c, url=None) for c in colours]

    a, b, c = Estate(name="A"), Estate(name="B"), Estate(name="C")
    ranked = kpis.ranking(
        [
            (a, board(kpis.GREEN, kpis.RED)),
            (b, board(kpis.GREEN, kpis.GREEN)),
            (c, board(kpis.GREEN, kpis.RED)),
        ]
    )
    assert [(rank, estate.name) for rank, estate, _g, _r in ranked] == [(1, "B"), (2, "A"), (2, "C")]


# --- today at a glance -----------------------------------------------------------------------


def test_glance_counts_open_work_breaches_complaints_and_money(users, unit_a, maintenance):  # noqa: F811
    from billing import services as billing
    from billing.models import PaymentMethod
    from dashboards.glance import today_glance
    from tests.billing.conftest import make_bill, new_key

    supervisor = users["supervisor"]
    now = at(10, 12)
    repair = register(supervisor, unit_a, now=at(1, 9))  # past its 3-day deadline by the 10th
    services.assign_ticket(ticket=repair, actor=supervisor, team=maintenance, now=at(1, 10))
    register(supervisor, unit_a, kind="complaint", now=at(7, 9))  # 75 h unanswered: past 72 h
    register(supervisor, unit_a, kind="complaint", now=at(7, 22))  # 62 h: within 12 h of the limit
    register(supervisor, unit_a, kind="complaint", now=at(10, 9))  # fresh
    bill = make_bill(unit_a, "80.00")
    billing.record_payment(
        unit=unit_a,
        amount="80.00",
        method=PaymentMethod.CASH,
        actor=users["manager"],
        idempotency_key=new_key(),
        bill_ids=[bill.pk],
        now=at(10, 10),
    )
    glance = today_glance(estate=unit_a.estate, user=users["manager"], now=now)
    assert glance.open_total == 4
    assert glance.open_by_status == {"assigned": 1, "new": 3}
    assert sum(count for _team, count in glance.open_by_team) == 4
    assert maintenance.name in dict(glance.open_by_team)
    assert glance.overdue >= 1
    assert (glance.complaints_past_limit, glance.complaints_near_limit) == (1, 1)
    assert glance.money_today == Decimal("80.00")
    assert glance.links["overdue"].endswith("view=overdue")
    yesterday = today_glance(estate=unit_a.estate, user=users["manager"], now=at(11, 12))
    assert yesterday.money_today == Decimal("0.00")
