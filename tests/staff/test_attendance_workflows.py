"""The HANDOVER and ATTENDANCE workflows: who may acknowledge a handover, the event rows of a
handover and of a clock-in/clock-out, and the pages and API offering what the declaration says."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from servicecenter.exceptions import DomainError
from staff import services_attendance
from staff.models import AttendanceRecord, ShiftHandover, Team
from staff.workflows import ATTENDANCE, HANDOVER
from tests.factories import TeamFactory, make_staff
from tests.staff.rostering import at, put

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)


@pytest.fixture
def desk(estate_a):
    return TeamFactory(estate=estate_a, kind=Team.Kind.CUSTOMER_SERVICE, name="客服组")


@pytest.fixture
def outgoing(estate_a, desk):
    return make_staff("frontdesk", estate_a, username="outgoing", team=desk)


@pytest.fixture
def incoming(estate_a, desk):
    return make_staff("frontdesk", estate_a, username="incoming", team=desk)


@pytest.fixture
def handover(desk, outgoing):
    return services_attendance.write_handover(
        team=desk, actor=outgoing, notes="水表间未锁", now=at(MONDAY, 17)
    )


# --- handover ----------------------------------------------------------------------------------


def test_acknowledging_writes_one_event_and_moves_the_handover(handover, incoming):
    services_attendance.acknowledge_handover(
        handover=handover, actor=incoming, note="已清点钥匙", now=at(MONDAY, 17, 35)
    )
    handover.refresh_from_db()
    assert handover.status == ShiftHandover.Status.ACKNOWLEDGED
    event = handover.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor, event.note, event.created_at) == (
        "acknowledge",
        "open",
        "acknowledged",
        incoming,
        "已清点钥匙",
        at(MONDAY, 17, 35),
    )


def test_someone_outside_the_incoming_team_may_not_acknowledge(estate_a, handover):
    other_team = TeamFactory(estate=estate_a, kind=Team.Kind.MAINTENANCE, name="维修组")
    outsider = make_staff("technician", estate_a, username="outsider", team=other_team)
    assert not HANDOVER.is_allowed(handover, "acknowledge", outsider)
    with pytest.raises(DomainError) as refused:
        services_attendance.acknowledge_handover(handover=handover, actor=outsider)
    assert refused.value.code == "not_incoming_shift"
    handover.refresh_from_db()
    assert (handover.status, handover.events.count()) == (ShiftHandover.Status.OPEN, 0)


def test_a_supervisor_of_another_team_may_acknowledge(estate_a, handover):
    supervisor = make_staff("supervisor", estate_a, username="duty")
    services_attendance.acknowledge_handover(handover=handover, actor=supervisor)
    handover.refresh_from_db()
    assert handover.acknowledged_by == supervisor


def test_a_supervisor_may_acknowledge_their_own_handover(estate_a, desk):
    supervisor = make_staff("supervisor", estate_a, username="duty", team=desk)
    handover = services_attendance.write_handover(team=desk, actor=supervisor, notes="夜班无人接班")
    services_attendance.acknowledge_handover(handover=handover, actor=supervisor)
    handover.refresh_from_db()
    assert (handover.status, handover.acknowledged_by) == (ShiftHandover.Status.ACKNOWLEDGED, supervisor)


def test_the_company_has_no_permission_to_acknowledge(handover, users):
    with pytest.raises(PermissionDenied):
        services_attendance.acknowledge_handover(handover=handover, actor=users["company"])
    handover.refresh_from_db()
    assert handover.status == ShiftHandover.Status.OPEN


def test_the_handover_page_offers_acknowledge_only_to_the_incoming_shift(
    client, desk, handover, incoming, outgoing
):
    url = reverse("staff:handover_list", args=[desk.pk])
    button = reverse("staff:handover_acknowledge", args=[handover.pk])
    client.force_login(outgoing)
    assert button not in client.get(url).content.decode()
    client.force_login(incoming)
    assert button in client.get(url).content.decode()
    client.post(button)
    handover.refresh_from_db()
    assert handover.status == ShiftHandover.Status.ACKNOWLEDGED
    assert button not in client.get(url).content.decode()


def test_the_api_lists_the_offered_actions_and_filters_by_status(api_as, desk, handover, incoming, outgoing):
    row = api_as(incoming).get(f"/api/shift-handovers/{handover.pk}/").json()
    assert (row["status"], row["available_actions"]) == ("open", ["acknowledge"])
    assert api_as(outgoing).get(f"/api/shift-handovers/{handover.pk}/").json()["available_actions"] == []
    assert api_as(incoming).post(f"/api/shift-handovers/{handover.pk}/acknowledge/").status_code == 200
    listed = api_as(incoming).get("/api/shift-handovers/", {"status": "open"}).json()
    assert listed["count"] == 0


# --- attendance --------------------------------------------------------------------------------


def test_clock_in_and_out_write_their_events(desk, outgoing):
    put(desk, outgoing, MONDAY, "morning")  # 9:00–17:30
    record = services_attendance.clock_in(user=outgoing, now=at(MONDAY, 9, 20))
    services_attendance.clock_out(user=outgoing, now=at(MONDAY, 17, 0))
    record.refresh_from_db()
    assert record.status == AttendanceRecord.Status.CLOCKED_OUT
    events = list(record.events.values_list("action", "from_status", "to_status", "actor", "created_at"))
    assert events == [
        ("clock_in", "", "clocked_in", outgoing.pk, at(MONDAY, 9, 20)),
        ("clock_out", "clocked_in", "clocked_out", outgoing.pk, at(MONDAY, 17, 0)),
    ]
    assert "20" in record.events.first().note and "30" in record.events.last().note


def test_an_unrostered_clock_in_is_kept_flagged_and_its_event_says_so(estate_a, outgoing):
    record = services_attendance.clock_in(user=outgoing, now=at(MONDAY, 10))
    assert (record.status, record.is_unrostered) == (AttendanceRecord.Status.CLOCKED_IN, True)
    assert record.events.get().action == "clock_in"


def test_a_second_tap_writes_no_second_event(desk, outgoing):
    put(desk, outgoing, MONDAY, "morning")
    record = services_attendance.clock_in(user=outgoing, now=at(MONDAY, 8, 55))
    services_attendance.clock_in(user=outgoing, now=at(MONDAY, 8, 56))
    assert record.events.count() == 1


def test_nobody_clocks_out_someone_else(outgoing, incoming):
    record = services_attendance.clock_in(user=outgoing, now=at(MONDAY, 10))
    assert not ATTENDANCE.may(record, "clock_out", incoming)
    with pytest.raises(PermissionDenied):
        services_attendance.clock_out(user=incoming, record=record, now=at(MONDAY, 11))
    record.refresh_from_db()
    assert (record.status, record.events.count()) == (AttendanceRecord.Status.CLOCKED_IN, 1)


def test_a_closed_record_is_not_clocked_out_twice(outgoing):
    record = services_attendance.clock_in(user=outgoing, now=at(MONDAY, 10))
    services_attendance.clock_out(user=outgoing, now=at(MONDAY, 11))
    with pytest.raises(DomainError) as refused:
        services_attendance.clock_out(user=outgoing, record=record, now=at(MONDAY, 12))
    assert refused.value.code == "not_clocked_in"
    record.refresh_from_db()
    assert (record.clock_out_at, record.events.count()) == (at(MONDAY, 11), 2)
