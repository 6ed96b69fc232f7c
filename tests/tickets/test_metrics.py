"""Monthly ticket KPIs on fixed data; every expected value is worked out by hand below."""

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from tests.tickets.factories import CallbackFactory, TicketFactory
from tickets import selectors
from tickets.models import Callback, Ticket

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 4, 1, 9, 0, tzinfo=TZ)
S = Ticket.Status


def at(month, day, hour, minute=0):
    return datetime(2025, month, day, hour, minute, tzinfo=TZ)


def ticket(unit, *, created, responded=None, resolved=None, due=None, replied=None, **kw):
    return TicketFactory(
        unit=unit,
        created_at=created,
        first_responded_at=responded,
        first_replied_at=replied,
        resolved_at=resolved,
        resolution_due_at=due or created + timedelta(days=3),
        **kw,
    )


def reached(t, satisfaction, solved, round_=0):
    return CallbackFactory(
        ticket=t,
        round=round_,
        status=Callback.Status.COMPLETED,
        reached=True,
        satisfaction=satisfaction,
        is_solved=solved,
        completed_at=t.resolved_at,
    )


@pytest.fixture
def february(unit_a, unit_b):
    """Nine tickets registered in February 2025 in estate A, plus three that must not count."""
    t1 = ticket(
        unit_a,
        created=at(2, 3, 10),
        responded=at(2, 3, 11),
        resolved=at(2, 3, 14),
        due=at(2, 3, 18),
        status=S.CLOSED,
    )
    reached(t1, 5, True)
    t2 = ticket(
        unit_a,
        created=at(2, 5, 9),
        responded=at(2, 5, 12),
        resolved=at(2, 7, 9),
        due=at(2, 6, 9),
        status=S.CLOSED,
        on_hold_minutes=120,
        reopen_count=1,
    )
    reached(t2, 3, False, round_=0)
    reached(t2, 4, True, round_=1)
    t3 = ticket(
        unit_a,
        kind="complaint",
        created=at(2, 10, 8),
        responded=at(2, 12, 8),
        replied=at(2, 12, 8),
        resolved=at(2, 13, 8),
        due=at(2, 17, 8),
        status=S.CLOSED,
        is_unreachable=True,
    )
    CallbackFactory(ticket=t3, status=Callback.Status.UNREACHABLE, reached=False, attempt_count=3)
    ticket(
        unit_a,
        kind="complaint",
        created=at(2, 20, 12),
        responded=at(2, 24, 12),
        replied=at(2, 24, 12),
        due=at(2, 27, 12),
        status=S.IN_PROGRESS,
    )  # t4: answered after 96 h, still open past its deadline
    ticket(
        unit_a, kind="complaint", created=at(2, 25, 12), due=at(3, 4, 12), status=S.NEW
    )  # t5: never answered
    ticket(unit_a, kind="inquiry", created=at(2, 26, 9), status=S.CANCELLED)  # t6
    ticket(unit_a, created=at(2, 27, 10), due=at(4, 10, 10), status=S.ASSIGNED)  # t7: not yet due
    t11 = ticket(
        unit_a,
        kind="praise",
        created=at(2, 14, 10),
        responded=at(2, 14, 10, 30),
        resolved=at(2, 14, 11),
        status=S.CLOSED,
    )
    reached(t11, 4, True)
    ticket(
        unit_a, created=at(2, 15, 10), responded=at(2, 15, 10, 15), resolved=at(2, 15, 12), status=S.RESOLVED
    )  # t12: no callback drawn
    # Not in the cohort: the evening before (local time), the first minutes of March, another estate.
    ticket(unit_a, created=at(1, 31, 23, 30), status=S.NEW)
    ticket(unit_a, created=at(3, 1, 0, 10), status=S.NEW)
    ticket(unit_b, created=at(2, 10, 10), status=S.NEW)


def test_monthly_metrics_on_fixed_data(february, estate_a):
    m = selectors.ticket_metrics(estate=estate_a, month=date(2025, 2, 1), now=NOW)
    assert m.ticket_count == 9
    assert m.counts_by_kind == {"repair": 4, "complaint": 3, "inquiry": 1, "praise": 1}
    assert m.counts_by_status == {
        "closed": 4,
        "in_progress": 1,
        "new": 1,
        "cancelled": 1,
        "assigned": 1,
        "resolved": 1,
    }
    # Judged: 5 resolved (t1, t2, t3, t11, t12) + 2 open past the deadline (t4, t5); t7 not yet due.
    # On time: t1, t3, t11, t12 (t2 was resolved a day late).
    assert m.timely_handling_rate == round(4 / 7, 4) == 0.5714
    # Reached callbacks: t1 (solved), t2 (not solved, then solved: a failure), t11 (solved).
    assert m.success_rate == round(2 / 3, 4) == 0.6667
    # Resolved at least once: t1, t2, t3, t11, t12; reached: t1, t2, t11 (t3 unreachable, t12 none).
    assert m.callback_rate == 0.6
    # Scores of reached callbacks: 5, 3, 4, 4 → three of four are 4 or 5; mean 4.0.
    assert m.satisfaction_rate == 0.75
    assert m.average_satisfaction == 4.0
    # Complaints: t3 replied to in 48 h (yes), t4 in 96 h (no), t5 unanswered past 72 h (no).
    assert m.complaints_replied_within_72h_rate == round(1 / 3, 4) == 0.3333
    # First responses: 1 + 3 + 48 + 96 + 0.5 + 0.25 = 148.75 h over 6 tickets.
    assert m.average_response_hours == round(148.75 / 6, 2) == 24.79
    # Resolutions: 4 + (48 − 2 on hold) + 72 + 1 + 2 = 125 h over 5 tickets.
    assert m.average_resolution_hours == 25.0


def test_unjudged_complaints_and_open_tickets_wait(unit_a, estate_a):
    # A complaint registered an hour ago, unanswered: not yet a failure; nothing resolved yet.
    ticket(unit_a, kind="complaint", created=NOW - timedelta(hours=1), due=NOW + timedelta(days=2))
    m = selectors.ticket_metrics(estate=estate_a, month=date(2025, 4, 1), now=NOW)
    assert m.ticket_count == 1
    assert m.complaints_replied_within_72h_rate is None
    assert m.timely_handling_rate is None


def test_empty_month_gives_nulls_not_zeros(estate_a):
    m = selectors.ticket_metrics(estate=estate_a, month=date(2024, 12, 1), now=NOW)
    assert m.ticket_count == 0 and m.counts_by_kind == {} and m.counts_by_status == {}
    for rate in (
        "timely_handling_rate",
        "success_rate",
        "callback_rate",
        "satisfaction_rate",
        "complaints_replied_within_72h_rate",
        "average_response_hours",
        "average_resolution_hours",
    ):
        assert getattr(m, rate) is None


def test_metrics_endpoint_returns_the_same_figures(
    february, estate_a, users, api_as, django_assert_max_num_queries
):
    client = api_as(users["manager"])
    with (
        mock.patch("django.utils.timezone.now", return_value=NOW),  # t7 is judged by "now" like the rest
        django_assert_max_num_queries(10),
    ):
        response = client.get(f"/api/tickets/metrics/?estate={estate_a.pk}&month=2025-02")
    data = response.json()
    assert response.status_code == 200
    assert {
        k: data[k]
        for k in (
            "timely_handling_rate",
            "success_rate",
            "callback_rate",
            "satisfaction_rate",
            "complaints_replied_within_72h_rate",
        )
    } == {
        "timely_handling_rate": 0.5714,
        "success_rate": 0.6667,
        "callback_rate": 0.6,
        "satisfaction_rate": 0.75,
        "complaints_replied_within_72h_rate": 0.3333,
    }
    assert data["counts_by_kind"]["complaint"] == 3 and data["counts_by_status"]["closed"] == 4
    assert data["average_response_hours"] == 24.79 and data["average_resolution_hours"] == 25.0


def test_metrics_docstrings_define_every_rate():
    for fn in (
        selectors.timely_handling_rate,
        selectors.success_rate,
        selectors.callback_rate,
        selectors.satisfaction_rate,
        selectors.complaints_replied_rate,
    ):
        assert "Numerator" in fn.__doc__ and "Denominator" in fn.__doc__
