"""The stored ticket KPIs (`TicketMetricsMonth`, issue #16): a month is computed by the selectors
once and read from the store afterwards, the current month is a snapshot used while younger than
`KPI_LIVE_MAX_AGE_SECONDS`, the nightly task refreshes the month just closed during its first
days, the rebuild command computes stored months again, and the API's query count does not grow
with the data."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicecenter.periods import add_months, month_start
from tests.tickets.factories import TicketFactory
from tickets import selectors, services, tasks
from tickets.models import Ticket, TicketMetricsMonth

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MARCH = date(2025, 3, 1)
APRIL = date(2025, 4, 1)


def at(month: date, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(month.year, month.month, day, hour, minute, tzinfo=TZ)


def on_time(unit, month: date, **kw) -> Ticket:
    created = at(month, 3, 9)
    return TicketFactory(
        unit=unit,
        created_at=created,
        first_resolved_at=created + timedelta(hours=2),
        resolved_at=created + timedelta(hours=2),
        first_resolution_due_at=created + timedelta(days=1),
        resolution_due_at=created + timedelta(days=1),
        status=Ticket.Status.RESOLVED,
        **kw,
    )


def late(unit, month: date, **kw) -> Ticket:
    created = at(month, 3, 9)
    return TicketFactory(
        unit=unit,
        created_at=created,
        first_resolved_at=created + timedelta(days=3),
        resolved_at=created + timedelta(days=3),
        first_resolution_due_at=created + timedelta(days=1),
        resolution_due_at=created + timedelta(days=1),
        status=Ticket.Status.RESOLVED,
        **kw,
    )


def timely(estate, month: date, now: datetime, by: str = ""):
    stored = services.monthly_ticket_metrics(estate=estate, month=month, by=by, now=now)
    if by:
        return {row.label: row.metrics.timely_handling_rate for row in stored.rows}
    return stored.metrics.timely_handling_rate


# --- the store ----------------------------------------------------------------------------------


def test_a_closed_month_is_computed_once_then_read_from_the_store(unit_a):
    estate = unit_a.estate
    late(unit_a, MARCH)
    first = services.monthly_ticket_metrics(estate=estate, month=MARCH, now=at(APRIL, 10, 12))
    assert first.metrics.timely_handling_rate == 0.0 and first.computed_at == at(APRIL, 10, 12)
    assert first.metrics == selectors.ticket_metrics(estate=estate, month=MARCH, now=at(APRIL, 10, 12))
    row = TicketMetricsMonth.objects.get(estate=estate, month=MARCH, by="")
    assert row.figures["timely_handling_rate"] == 0.0 and row.computed_at == at(APRIL, 10, 12)

    on_time(unit_a, MARCH)  # a correction of old data: not seen until a rebuild
    with CaptureQueriesContext(connection) as read:
        again = services.monthly_ticket_metrics(estate=estate, month=MARCH, now=at(APRIL, 20, 12))
    assert len(read) == 1
    assert again.metrics.timely_handling_rate == 0.0 and again.computed_at == at(APRIL, 10, 12)
    assert TicketMetricsMonth.objects.count() == 1


def test_each_grouping_is_stored_with_its_labels_read_when_shown(unit_a, maintenance):
    estate = unit_a.estate
    late(unit_a, MARCH, team=maintenance)
    on_time(unit_a, MARCH)
    assert timely(estate, MARCH, at(APRIL, 10, 12), by="team") == {maintenance.name: 0.0, "No team": 1.0}
    stored = TicketMetricsMonth.objects.get(estate=estate, month=MARCH, by="team").figures
    assert {row["key"] for row in stored} == {maintenance.pk, None}

    maintenance.name = "维修二组"
    maintenance.save(update_fields=["name"])
    with CaptureQueriesContext(connection) as read:
        assert timely(estate, MARCH, at(APRIL, 11, 12), by="team") == {"维修二组": 0.0, "No team": 1.0}
    assert len(read) == 2  # the stored rows and the team names


def test_a_month_stored_by_an_older_definition_is_computed_again(unit_a):
    estate = unit_a.estate
    late(unit_a, MARCH)
    TicketMetricsMonth.objects.create(
        estate=estate, month=MARCH, figures={"timely_handling_rate": 1.0}, computed_at=at(APRIL, 1, 1)
    )
    assert timely(estate, MARCH, at(APRIL, 10, 12)) == 0.0
    assert TicketMetricsMonth.objects.get(estate=estate, month=MARCH).computed_at == at(APRIL, 10, 12)


def test_the_current_month_is_a_snapshot_used_while_young(unit_a, settings):
    settings.KPI_LIVE_MAX_AGE_SECONDS = 300
    estate, taken = unit_a.estate, at(APRIL, 20, 12)
    late(unit_a, APRIL)
    assert timely(estate, APRIL, taken) == 0.0
    on_time(unit_a, APRIL)
    young = services.monthly_ticket_metrics(estate=estate, month=APRIL, now=taken + timedelta(seconds=299))
    assert young.metrics.timely_handling_rate == 0.0 and young.computed_at == taken
    stale = services.monthly_ticket_metrics(estate=estate, month=APRIL, now=taken + timedelta(seconds=300))
    assert stale.metrics.timely_handling_rate == 0.5 and stale.computed_at == taken + timedelta(seconds=300)


def test_a_snapshot_taken_before_the_month_ended_is_not_the_months_figure(unit_a, settings):
    settings.KPI_LIVE_MAX_AGE_SECONDS = 300
    estate = unit_a.estate
    late(unit_a, MARCH)
    assert timely(estate, MARCH, at(MARCH, 31, 23, 58)) == 0.0
    on_time(unit_a, MARCH)
    # Two minutes later the snapshot is young, but March has ended: computed again, and final.
    assert timely(estate, MARCH, at(APRIL, 1, 0)) == 0.5
    on_time(unit_a, MARCH)
    assert timely(estate, MARCH, at(APRIL, 9, 0)) == 0.5


def test_a_month_not_begun_is_computed_and_not_stored(unit_a):
    assert timely(unit_a.estate, add_months(APRIL, 1), at(APRIL, 20, 12)) is None
    with pytest.raises(ValueError):
        services.store_ticket_metrics(estate=unit_a.estate, month=add_months(APRIL, 1), now=at(APRIL, 20, 12))
    assert not TicketMetricsMonth.objects.exists()


# --- who refreshes the store ----------------------------------------------------------------------


def test_the_nightly_refresh_recomputes_the_month_just_closed_in_its_first_days(unit_a, estate_b):
    estate = unit_a.estate
    late(unit_a, MARCH)
    assert timely(estate, MARCH, at(APRIL, 1, 1)) == 0.0
    on_time(unit_a, MARCH)  # landed late: the 1st to the 5th

    assert services.refresh_just_closed_ticket_metrics(now=at(APRIL, 5, 3)) == 2 * 4  # estates × groupings
    assert timely(estate, MARCH, at(APRIL, 5, 9)) == 0.5
    assert set(TicketMetricsMonth.objects.filter(estate=estate).values_list("by", flat=True)) == {
        "",
        "team",
        "assignee",
        "zone",
    }

    on_time(unit_a, MARCH)
    assert services.refresh_just_closed_ticket_metrics(now=at(APRIL, 6, 3)) == 0
    assert timely(estate, MARCH, at(APRIL, 6, 9)) == 0.5  # after the 5th it stays


def test_the_live_refresh_recomputes_the_snapshots_asked_for(unit_a, estate_b, settings):
    settings.KPI_LIVE_MAX_AGE_SECONDS = 300
    estate = unit_a.estate
    late(unit_a, APRIL)
    assert timely(estate, APRIL, at(APRIL, 20, 12)) == 0.0
    on_time(unit_a, APRIL)
    assert services.refresh_live_ticket_metrics(now=at(APRIL, 20, 12, 4)) == 1  # not estate B's
    row = TicketMetricsMonth.objects.get(estate=estate, month=APRIL)
    assert row.computed_at == at(APRIL, 20, 12, 4) and row.figures["timely_handling_rate"] == 0.5
    with CaptureQueriesContext(connection) as read:
        assert timely(estate, APRIL, at(APRIL, 20, 12, 8)) == 0.5
    assert len(read) == 1


def test_the_refresh_tasks_are_scheduled():
    from servicecenter.celery import app

    tasks_scheduled = [entry["task"] for entry in app.conf.beat_schedule.values()]
    for task in (tasks.refresh_ticket_metrics_months, tasks.refresh_live_ticket_metrics):
        assert tasks_scheduled.count(task.name) == 1
    live = next(
        e for e in app.conf.beat_schedule.values() if e["task"] == tasks.refresh_live_ticket_metrics.name
    )
    assert live["schedule"] < 300  # younger than the default KPI_LIVE_MAX_AGE_SECONDS when read


def test_the_rebuild_command_recomputes_stored_ticket_months(unit_a, estate_b):
    estate = unit_a.estate
    last_month = add_months(month_start(timezone.localdate()), -1)
    late(unit_a, last_month)
    TicketMetricsMonth.objects.create(
        estate=estate,
        month=last_month,
        figures={
            **selectors.ticket_metrics(estate=estate, month=last_month).as_dict(),
            "timely_handling_rate": 1.0,
        },
        computed_at=timezone.now(),
    )
    out = StringIO()
    call_command("rebuild_kpi_months", "--estate", estate.code, "--months", "2", stdout=out)
    assert "8 ticket KPI rows" in out.getvalue()  # 2 months × 4 groupings
    assert (
        TicketMetricsMonth.objects.get(estate=estate, month=last_month, by="").figures["timely_handling_rate"]
        == 0.0
    )
    assert not TicketMetricsMonth.objects.filter(estate=estate_b).exists()


# --- the API ------------------------------------------------------------------------------------------


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/tickets/metrics/", params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("which", ["past", "current"])
@pytest.mark.parametrize("by", ["", "team"])
def test_the_metrics_api_costs_the_same_queries_with_one_ticket_and_with_many(
    which, by, api_as, users, unit_a, maintenance, django_assert_max_num_queries
):
    this_month = month_start(timezone.localdate())
    month = this_month if which == "current" else add_months(this_month, -1)
    client = api_as(users["manager"])
    params = {"estate": unit_a.estate.pk, "month": f"{month:%Y-%m}", **({"by": by} if by else {})}
    late(unit_a, month, team=maintenance)
    client.get("/api/tickets/metrics/", params)  # stores the month
    few = _queries(client, params)
    for n in range(30):
        (on_time if n % 2 else late)(unit_a, month, team=maintenance if n % 3 else None)
    TicketMetricsMonth.objects.all().delete()  # the data changed: computed once, then read
    client.get("/api/tickets/metrics/", params)
    many = _queries(client, params)
    assert many == few
    data = client.get("/api/tickets/metrics/", params).json()
    rows = data["results"] if by else [data]
    assert sum(row["ticket_count"] for row in rows) == 31  # the recomputed figures, not the first
    assert datetime.fromisoformat(data["computed_at"]) <= timezone.now()
    with django_assert_max_num_queries(8):
        client.get("/api/tickets/metrics/", params)


def test_the_metrics_api_still_needs_the_permission(api_as, users, unit_a):
    month = f"{add_months(month_start(timezone.localdate()), -1):%Y-%m}"
    response = api_as(users["frontdesk"]).get(
        "/api/tickets/metrics/", {"estate": unit_a.estate.pk, "month": month}
    )
    assert response.status_code == 403
    assert not TicketMetricsMonth.objects.exists()
