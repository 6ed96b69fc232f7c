"""The pure deadline arithmetic: wall clock, minus time on hold."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tickets import sla

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=TZ)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_deadline_without_pauses_is_wall_clock():
    assert sla.sla_deadline(opened_at=T0, allowed_minutes=240) == at(240)


def test_deadline_runs_through_night_and_weekend():
    opened = datetime(2025, 3, 1, 23, 30, tzinfo=TZ)  # a Saturday night
    assert sla.sla_deadline(opened_at=opened, allowed_minutes=60) == datetime(2025, 3, 2, 0, 30, tzinfo=TZ)


def test_pause_before_deadline_pushes_it_back_by_its_length():
    assert sla.sla_deadline(opened_at=T0, allowed_minutes=240, pauses=[(at(60), at(150))]) == at(330)


def test_several_pauses_add_up_in_time_order():
    pauses = [(at(200), at(260)), (at(30), at(60))]  # given out of order
    # 240 + 30 = 270 after the first; the second starts at 200 < 270, adding 60 → 330
    assert sla.sla_deadline(opened_at=T0, allowed_minutes=240, pauses=pauses) == at(330)


def test_pause_starting_after_the_deadline_changes_nothing():
    assert sla.sla_deadline(opened_at=T0, allowed_minutes=240, pauses=[(at(300), at(400))]) == at(240)


def test_pause_that_extends_the_deadline_lets_a_later_pause_count():
    # The first pause moves the deadline from 100 to 150, so a pause starting at 120 counts.
    pauses = [(at(10), at(60)), (at(120), at(130))]
    assert sla.sla_deadline(opened_at=T0, allowed_minutes=100, pauses=pauses) == at(160)


def test_empty_or_inverted_pause_is_ignored():
    assert sla.extend_for_pause(at(100), at(50), at(50)) == at(100)
    assert sla.extend_for_pause(at(100), at(60), at(50)) == at(100)


def test_warning_lead_is_capped_at_a_quarter_of_the_time_allowed():
    assert sla.warning_lead(allowed_minutes=30, lead_minutes=60) == timedelta(minutes=7.5)
    assert sla.warning_lead(allowed_minutes=4320, lead_minutes=60) == timedelta(minutes=60)


def test_initial_deadlines_and_warnings():
    d = sla.initial_deadlines(opened_at=T0, response_minutes=30, resolution_minutes=240, lead_minutes=60)
    assert d.response_due_at == at(30)
    assert d.response_warn_at == T0 + timedelta(minutes=22.5)
    assert d.resolution_due_at == at(240)
    assert d.resolution_warn_at == at(180)


def test_complaint_response_is_at_most_the_reply_limit():
    assert sla.complaint_response_minutes(category_minutes=7 * 24 * 60, reply_hours=72) == 72 * 60
    assert sla.complaint_response_minutes(category_minutes=120, reply_hours=72) == 120


def test_paused_minutes_rounds_down_and_never_negative():
    assert sla.paused_minutes(at(0), T0 + timedelta(minutes=10, seconds=59)) == 10
    assert sla.paused_minutes(at(10), at(0)) == 0
