"""Dispatch that follows the roster: the on-duty member with the fewest open tickets; an
emergency outside the team's shifts goes to the on-call person, by SMS even in quiet hours."""

from __future__ import annotations

from datetime import date

import pytest

from staff.models import EstateStaffSettings, Notification, OutboundMessage, Team
from staff.services_attendance import set_dispatch_mode
from tests.factories import TeamFactory, make_staff
from tests.staff.rostering import at, put
from tests.tickets.factories import TicketFactory, register

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)


@pytest.fixture
def maintenance(estate_a):
    return TeamFactory(estate=estate_a, kind=Team.Kind.MAINTENANCE, name="维修组")


@pytest.fixture
def members(estate_a, maintenance):
    made = {
        name: make_staff("technician", estate_a, username=name, team=maintenance)
        for name in ("wang", "li", "zhao")
    }
    made["zhao"].staff_profile.phone = "13800000003"
    made["zhao"].staff_profile.save()
    return made


@pytest.fixture
def member_mode(estate_a):
    set_dispatch_mode(estate=estate_a, mode=EstateStaffSettings.DispatchMode.TEAM_AND_MEMBER)


def test_team_only_is_the_default_and_leaves_the_ticket_in_the_team_queue(
    users, unit_a, maintenance, members
):
    put(maintenance, members["wang"], MONDAY, "morning")
    ticket = register(users["frontdesk"], unit_a, now=at(MONDAY, 10))
    assert ticket.team == maintenance
    assert ticket.assignee is None
    assert ticket.status == "new"


def test_a_new_ticket_goes_to_the_on_duty_member_not_to_the_one_off_shift(
    users, unit_a, maintenance, members, member_mode
):
    put(maintenance, members["li"], MONDAY, "evening")  # 14:30–23:00: not yet at 10:00
    put(maintenance, members["wang"], MONDAY, "morning")
    ticket = register(users["frontdesk"], unit_a, now=at(MONDAY, 10))
    assert (ticket.team, ticket.assignee, ticket.status) == (maintenance, members["wang"], "assigned")


def test_of_two_on_duty_members_the_one_with_fewer_open_tickets_gets_it(
    users, unit_a, maintenance, members, member_mode
):
    put(maintenance, members["wang"], MONDAY, "morning")
    put(maintenance, members["li"], MONDAY, "morning")
    TicketFactory(unit=unit_a, team=maintenance, assignee=members["wang"], status="assigned")
    TicketFactory(unit=unit_a, team=maintenance, assignee=members["li"], status="resolved")
    first = register(users["frontdesk"], unit_a, now=at(MONDAY, 10))
    assert first.assignee == members["li"]  # wang has one open ticket, li's is resolved
    second = register(users["frontdesk"], unit_a, now=at(MONDAY, 10, 5))
    # Now one each: the tie goes to the lower id, so the choice is repeatable.
    assert second.assignee == min(members["wang"], members["li"], key=lambda u: u.pk)


def test_a_normal_ticket_at_night_waits_in_the_team_queue(users, unit_a, maintenance, members, member_mode):
    put(maintenance, members["zhao"], MONDAY, "night_on_call")
    ticket = register(users["frontdesk"], unit_a, now=at(MONDAY, 23, 30))
    assert ticket.assignee is None


def test_an_emergency_outside_the_shifts_goes_to_the_on_call_person_by_sms_at_once(
    users, unit_a, maintenance, members, member_mode
):
    put(maintenance, members["wang"], MONDAY, "morning")
    put(maintenance, members["zhao"], MONDAY, "night_on_call")
    night = at(MONDAY, 23, 30)  # quiet hours
    ticket = register(users["frontdesk"], unit_a, priority="emergency", now=night)
    assert ticket.assignee == members["zhao"]
    note = Notification.objects.get(kind="ticket_on_call")
    assert note.recipient == members["zhao"]
    sms = OutboundMessage.objects.get(notification=note)
    assert (sms.channel, sms.address, sms.ignores_quiet_hours) == ("sms", "13800000003", True)
    assert sms.not_before == night  # not deferred to 08:00


def test_an_urgent_request_also_reaches_the_on_call_person(users, unit_a, maintenance, members, member_mode):
    put(maintenance, members["zhao"], MONDAY, "night_on_call")
    ticket = register(users["frontdesk"], unit_a, priority="urgent", now=at(MONDAY, 23, 30))
    assert ticket.assignee == members["zhao"]


def test_team_only_mode_sends_no_on_call_dispatch(users, unit_a, maintenance, members):
    put(maintenance, members["zhao"], MONDAY, "night_on_call")
    ticket = register(users["frontdesk"], unit_a, priority="emergency", now=at(MONDAY, 23, 30))
    assert ticket.assignee is None
    assert not Notification.objects.filter(kind="ticket_on_call").exists()
    # The whole team is still alerted, and an emergency is not held back by quiet hours either.
    assert Notification.objects.filter(kind="ticket_emergency").count() == 3
    assert OutboundMessage.objects.get(notification__recipient=members["zhao"]).not_before == at(
        MONDAY, 23, 30
    )


def test_the_estate_wide_on_call_person_covers_a_team_without_one(
    users, unit_a, estate_a, maintenance, members, member_mode
):
    other_team = TeamFactory(estate=estate_a, kind=Team.Kind.SECURITY, name="秩序组")
    guard = make_staff("technician", estate_a, username="guard", team=other_team)
    put(other_team, guard, MONDAY, "night_on_call")
    ticket = register(users["frontdesk"], unit_a, priority="emergency", now=at(MONDAY, 23, 30))
    assert ticket.assignee == guard


def test_a_portal_ticket_is_dispatched_by_the_system(resident, unit_a, maintenance, members, member_mode):
    put(maintenance, members["wang"], MONDAY, "morning")
    ticket = register(resident, unit_a, channel="portal", now=at(MONDAY, 10))
    assert ticket.assignee == members["wang"]
