"""Shift handovers (交接班) and attendance (考勤): acknowledgement rules, clock-in flags, absences,
the monthly sheet."""

from __future__ import annotations

from datetime import date, time, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from servicecenter.exceptions import DomainError
from staff import selectors_attendance, services_attendance
from staff.exports_attendance import attendance_workbook
from staff.models import AttendanceRecord, HandoverTicket, ShiftType, Team
from tests.factories import TeamFactory, make_staff
from tests.staff.rostering import at, put
from tests.tickets.factories import TicketFactory

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


# --- handover ----------------------------------------------------------------------------------


def test_a_handover_keeps_the_picked_open_tickets_keys_incidents_and_notes(unit_a, desk, outgoing):
    ticket = TicketFactory(unit=unit_a, team=desk, status="assigned")
    handover = services_attendance.write_handover(
        team=desk,
        actor=outgoing,
        ticket_ids=[ticket.pk],
        keys="3栋1101 钥匙",
        incidents="电梯困人已处理",
        notes="x",
    )
    assert list(
        HandoverTicket.objects.filter(handover=handover).values_list("ticket_id", "ticket_number")
    ) == [(ticket.pk, ticket.number)]
    assert (handover.keys, handover.incidents, handover.written_by) == (
        "3栋1101 钥匙",
        "电梯困人已处理",
        outgoing,
    )
    assert not handover.is_acknowledged


def test_a_handover_refuses_a_closed_or_another_teams_ticket(unit_a, estate_a, desk, outgoing):
    closed = TicketFactory(unit=unit_a, team=desk, status="closed")
    elsewhere = TicketFactory(
        unit=unit_a, team=TeamFactory(estate=estate_a, name="维修组"), status="assigned"
    )
    for ticket in (closed, elsewhere):
        with pytest.raises(DomainError) as refused:
            services_attendance.write_handover(team=desk, actor=outgoing, ticket_ids=[ticket.pk])
        assert refused.value.code == "ticket_not_open"


def test_an_empty_handover_is_refused(desk, outgoing):
    with pytest.raises(DomainError) as refused:
        services_attendance.write_handover(team=desk, actor=outgoing, notes="   ")
    assert refused.value.code == "empty"


def test_the_incoming_shift_acknowledges_once(desk, outgoing, incoming):
    handover = services_attendance.write_handover(team=desk, actor=outgoing, notes="水表间未锁")
    when = at(MONDAY, 17, 35)
    done = services_attendance.acknowledge_handover(handover=handover, actor=incoming, now=when)
    assert (done.acknowledged_by, done.acknowledged_at) == (incoming, when)
    with pytest.raises(DomainError) as twice:
        services_attendance.acknowledge_handover(
            handover=handover, actor=make_staff("supervisor", desk.estate)
        )
    assert twice.value.code == "already_acknowledged"
    handover.refresh_from_db()
    assert handover.acknowledged_by == incoming


def test_the_writer_cannot_acknowledge_their_own_handover(desk, outgoing):
    handover = services_attendance.write_handover(team=desk, actor=outgoing, notes="n")
    with pytest.raises(DomainError) as refused:
        services_attendance.acknowledge_handover(handover=handover, actor=outgoing)
    assert refused.value.code == "own_handover"
    handover.refresh_from_db()
    assert not handover.is_acknowledged


def test_staff_of_another_estate_cannot_write_or_acknowledge(estate_b, desk, outgoing):
    stranger = make_staff("frontdesk", estate_b, username="stranger")
    with pytest.raises(DomainError):
        services_attendance.write_handover(team=desk, actor=stranger, notes="n")
    handover = services_attendance.write_handover(team=desk, actor=outgoing, notes="n")
    with pytest.raises(DomainError):
        services_attendance.acknowledge_handover(handover=handover, actor=stranger)


# --- attendance --------------------------------------------------------------------------------


def test_a_clock_in_within_the_grace_is_on_time(desk, outgoing):
    entry = put(desk, outgoing, MONDAY, "morning")  # 9:00–17:30, grace 5 min
    record = services_attendance.clock_in(user=outgoing, now=at(MONDAY, 9, 5))
    assert (record.roster_entry, record.is_late, record.is_flagged) == (entry, False, False)


def test_a_clock_in_after_the_grace_is_late(desk, outgoing):
    put(desk, outgoing, MONDAY, "morning")
    record = services_attendance.clock_in(user=outgoing, now=at(MONDAY, 9, 6))
    assert (record.is_late, record.minutes_late) == (True, 6)


def test_leaving_before_the_end_is_flagged_and_a_second_tap_finds_the_open_record(desk, outgoing):
    put(desk, outgoing, MONDAY, "morning")
    first = services_attendance.clock_in(user=outgoing, now=at(MONDAY, 8, 50))
    assert services_attendance.clock_in(user=outgoing, now=at(MONDAY, 8, 51)).pk == first.pk
    record = services_attendance.clock_out(user=outgoing, now=at(MONDAY, 17, 0))
    assert (record.left_early, record.minutes_early) == (True, 30)
    assert AttendanceRecord.objects.count() == 1


def test_clocking_out_at_the_end_is_not_early(desk, outgoing):
    put(desk, outgoing, MONDAY, "morning")
    services_attendance.clock_in(user=outgoing, now=at(MONDAY, 8, 55))
    assert not services_attendance.clock_out(user=outgoing, now=at(MONDAY, 17, 30)).left_early


def test_a_shift_crossing_midnight_is_found_after_midnight(desk, outgoing):
    ShiftType.objects.create(estate=desk.estate, code="late", name="夜班", start=time(20, 0), end=time(2, 0))
    entry = put(desk, outgoing, MONDAY, "late")
    record = services_attendance.clock_in(user=outgoing, now=at(MONDAY + timedelta(days=1), 0, 30))
    assert (record.roster_entry, record.is_late, record.minutes_late) == (entry, True, 270)
    out = services_attendance.clock_out(user=outgoing, now=at(MONDAY + timedelta(days=1), 2, 0))
    assert not out.left_early


def test_a_clock_in_with_no_shift_is_recorded_and_flagged(estate_a, outgoing):
    record = services_attendance.clock_in(user=outgoing, now=at(MONDAY, 10))
    assert (record.is_unrostered, record.roster_entry, record.estate) == (True, None, estate_a)
    assert record in selectors_attendance.flagged_attendance(AttendanceRecord.objects.all())


def test_clock_out_without_clock_in_is_refused(outgoing):
    with pytest.raises(DomainError) as refused:
        services_attendance.clock_out(user=outgoing, now=at(MONDAY, 10))
    assert refused.value.code == "not_clocked_in"


def test_a_shift_that_ended_without_a_clock_in_is_an_absence(users, desk, outgoing, incoming):
    missed = put(desk, outgoing, MONDAY, "morning")
    put(desk, incoming, MONDAY, "morning")
    services_attendance.clock_in(user=incoming, now=at(MONDAY, 9))
    put(desk, outgoing, MONDAY + timedelta(days=1), "morning")  # not over yet: not absent
    put(desk, incoming, MONDAY - timedelta(days=1), "night_on_call")  # on call: nobody clocks in
    found = selectors_attendance.absences(
        viewer=users["supervisor"],
        now=at(MONDAY + timedelta(days=1), 12),
        since=at(MONDAY - timedelta(days=1), 0),
    )
    assert list(found) == [missed]


def test_the_monthly_sheet_counts_per_member_and_exports_safely(desk, outgoing, incoming):
    put(desk, outgoing, MONDAY - timedelta(days=1), "morning")  # 29 Nov: absent
    put(desk, outgoing, MONDAY, "morning")
    services_attendance.clock_in(user=outgoing, now=at(MONDAY, 9, 30))
    services_attendance.clock_out(user=outgoing, now=at(MONDAY, 17, 30))
    outgoing.first_name = "=cmd|' /C calc'!A0"
    outgoing.save()
    rows = {
        row.user.username: row
        for row in selectors_attendance.monthly_sheet(team=desk, year=2026, month=11, now=at(MONDAY, 18))
    }
    row = rows["outgoing"]
    assert (row.shifts, row.attended, row.late, row.absent, row.hours_worked) == (2, 1, 1, 1, "8:00")
    assert (row.days[30], row.days[29]) == ("L", "A")
    assert rows["incoming"].shifts == 0
    book = load_workbook(
        BytesIO(attendance_workbook(team=desk, year=2026, month=11, rows=list(rows.values())))
    )
    names = [cell.value for cell in book.active["A"]]
    assert any(isinstance(name, str) and name.startswith("'=") for name in names)
