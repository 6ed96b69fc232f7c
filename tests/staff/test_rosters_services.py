"""Rosters: filling in the week, double bookings, conflicts, copying last week, shift types and swaps."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from servicecenter.exceptions import DomainError
from staff import services_rosters as rosters
from staff.models import RosterEntry, ShiftType, SwapRequest
from staff.selectors_rosters import roster_conflicts
from tests.factories import EstateFactory, TeamFactory, make_staff

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 3, 1)


@pytest.fixture
def team(estate_a):
    return TeamFactory(estate=estate_a, name="客服组")


@pytest.fixture
def supervisor(estate_a, team):
    return make_staff("supervisor", estate_a, username="sup", team=team)


@pytest.fixture
def alice(estate_a, team):
    return make_staff("frontdesk", estate_a, username="alice", team=team)


@pytest.fixture
def bob(estate_a, team):
    return make_staff("frontdesk", estate_a, username="bob", team=team)


def kind(estate, code):
    return ShiftType.objects.get(estate=estate, code=code)


def put(supervisor, team, user, day, code, **extra):
    shift_type = kind(team.estate, code) if code else None
    return rosters.set_roster_entry(
        actor=supervisor, team=team, user=user, day=day, shift_type=shift_type, **extra
    )


def kinds(conflicts):
    return sorted({c.kind for c in conflicts if c.kind != "team_empty"})


def test_an_evening_then_night_on_call_cross_midnight_and_derive_their_times(supervisor, team, alice):
    entry = put(supervisor, team, alice, MONDAY, "night_on_call")
    assert (entry.starts_at.hour, entry.ends_at.hour, entry.ends_at.date()) == (
        23,
        9,
        MONDAY + timedelta(days=1),
    )
    assert entry.is_on_call
    off = put(supervisor, team, alice, MONDAY, None)
    assert off.pk == entry.pk and off.is_day_off and off.starts_at is None


def test_a_double_booking_is_refused_unless_acknowledged_with_a_note(supervisor, team, alice, estate_a):
    other_team = TeamFactory(estate=estate_a, name="维修组")
    put(supervisor, team, alice, MONDAY, "morning")
    with pytest.raises(DomainError) as refused:
        put(supervisor, other_team, alice, MONDAY, "evening")
    assert refused.value.code == "double_booking"
    assert not RosterEntry.objects.filter(team=other_team).exists()
    with pytest.raises(DomainError):
        put(supervisor, other_team, alice, MONDAY, "evening", acknowledge_conflict=True, conflict_note="  ")
    entry = put(
        supervisor, other_team, alice, MONDAY, "evening", acknowledge_conflict=True, conflict_note="人手不足"
    )
    assert entry.conflict_acknowledged and entry.conflict_note == "人手不足"
    double = [c for c in roster_conflicts(team=other_team, week_start=MONDAY) if c.kind == "double_booking"]
    assert len(double) == 1 and double[0].acknowledged


def test_a_night_on_call_overlapping_the_next_mornings_early_shift_is_a_double_booking(
    supervisor, team, alice
):
    early = ShiftType.objects.create(
        estate=team.estate, code="early", name="早早班", start=time(7), end=time(15)
    )
    put(supervisor, team, alice, MONDAY, "night_on_call")
    with pytest.raises(DomainError):
        rosters.set_roster_entry(
            actor=supervisor, team=team, user=alice, day=MONDAY + timedelta(days=1), shift_type=early
        )
    # 09:00 is when the night ends: a morning shift starting then is no overlap.
    put(supervisor, team, alice, MONDAY + timedelta(days=1), "morning")


def test_less_than_eight_hours_rest_is_flagged(supervisor, team, alice):
    put(supervisor, team, alice, MONDAY, "evening")
    put(supervisor, team, alice, MONDAY + timedelta(days=1), "morning")  # 23:00 → 09:00: 10 hours
    assert kinds(roster_conflicts(team=team, week_start=MONDAY)) == []
    early = ShiftType.objects.create(
        estate=team.estate, code="early", name="早早班", start=time(6), end=time(14)
    )
    rosters.set_roster_entry(
        actor=supervisor, team=team, user=alice, day=MONDAY + timedelta(days=1), shift_type=early
    )
    conflicts = roster_conflicts(team=team, week_start=MONDAY)
    assert kinds(conflicts) == ["short_rest"]
    assert [c.user_id for c in conflicts if c.kind == "short_rest"] == [alice.pk]


def test_more_than_six_days_in_a_row_is_flagged_across_the_weeks(supervisor, team, alice):
    for offset in range(-3, 3):
        put(supervisor, team, alice, MONDAY + timedelta(days=offset), "morning")
    assert "too_many_days" not in kinds(roster_conflicts(team=team, week_start=MONDAY))
    put(supervisor, team, alice, MONDAY + timedelta(days=3), "morning")
    flagged = [c for c in roster_conflicts(team=team, week_start=MONDAY) if c.kind == "too_many_days"]
    assert [c.day for c in flagged] == [MONDAY + timedelta(days=3)]


def test_a_team_left_empty_during_reception_hours_is_flagged(supervisor, team, alice, bob):
    empty = [c.day for c in roster_conflicts(team=team, week_start=MONDAY) if c.kind == "team_empty"]
    assert len(empty) == 7
    # Monday: 8:30–18:00 needs someone from 8:30; morning 9:00–17:30 leaves both ends open.
    early = ShiftType.objects.create(
        estate=team.estate, code="early", name="早早班", start=time(8), end=time(16)
    )
    rosters.set_roster_entry(actor=supervisor, team=team, user=alice, day=MONDAY, shift_type=early)
    messages = [c.message for c in roster_conflicts(team=team, week_start=MONDAY) if c.day == MONDAY]
    assert messages and "16:00" in messages[0]
    put(supervisor, team, bob, MONDAY, "evening")
    assert MONDAY not in [
        c.day for c in roster_conflicts(team=team, week_start=MONDAY) if c.kind == "team_empty"
    ]
    # Saturday 9:00–17:00: the morning shift covers it; the on-call night does not count.
    saturday = MONDAY + timedelta(days=5)
    put(supervisor, team, alice, saturday, "night_on_call")
    assert saturday in [
        c.day for c in roster_conflicts(team=team, week_start=MONDAY) if c.kind == "team_empty"
    ]
    put(supervisor, team, bob, saturday, "morning")
    assert saturday not in [
        c.day for c in roster_conflicts(team=team, week_start=MONDAY) if c.kind == "team_empty"
    ]


def test_the_grid_saves_all_or_nothing(supervisor, team, alice, estate_a):
    morning = kind(estate_a, "morning")
    changed = rosters.save_roster_week(
        actor=supervisor,
        team=team,
        week_start=MONDAY,
        cells={(alice.pk, MONDAY): str(morning.pk), (alice.pk, MONDAY + timedelta(days=1)): rosters.DAY_OFF},
    )
    assert changed == 2
    other_estate_type = ShiftType.objects.filter(estate=EstateFactory()).first()
    with pytest.raises(DomainError):
        rosters.save_roster_week(
            actor=supervisor,
            team=team,
            week_start=MONDAY,
            cells={(alice.pk, MONDAY): "", (alice.pk, MONDAY + timedelta(days=2)): str(other_estate_type.pk)},
        )
    assert RosterEntry.objects.filter(team=team).count() == 2


def test_copy_last_week_fills_empty_cells_only(supervisor, team, alice, bob):
    put(supervisor, team, alice, MONDAY - timedelta(days=7), "morning")
    put(supervisor, team, bob, MONDAY - timedelta(days=6), "evening")
    put(supervisor, team, bob, MONDAY + timedelta(days=1), None)
    copied, left_out = rosters.copy_last_week(actor=supervisor, team=team, week_start=MONDAY)
    assert (copied, left_out) == (1, 0)
    assert RosterEntry.objects.get(user=alice, day=MONDAY).shift_type.code == "morning"
    assert RosterEntry.objects.get(user=bob, day=MONDAY + timedelta(days=1)).is_day_off


def test_only_the_supervisor_fills_in_the_roster_and_only_in_their_estates(team, alice, estate_b):
    with pytest.raises(PermissionDenied):
        put(alice, team, alice, MONDAY, "morning")
    stranger = make_staff("supervisor", estate_b, username="sup-b")
    with pytest.raises(PermissionDenied):
        put(stranger, team, alice, MONDAY, "morning")


def test_a_shift_type_ending_when_it_starts_is_refused(supervisor, estate_a, users):
    with pytest.raises(DomainError) as refused:
        rosters.save_shift_type(
            actor=users["manager"], estate=estate_a, code="x", name="X", start=time(9), end=time(9)
        )
    assert refused.value.code == "invalid_shift_type"
    assert not ShiftType.objects.filter(code="x").exists()
    with pytest.raises(PermissionDenied):
        rosters.save_shift_type(
            actor=supervisor, estate=estate_a, code="y", name="Y", start=time(9), end=time(10)
        )
    night = rosters.save_shift_type(
        actor=users["manager"], estate=estate_a, code="late", name="大夜班", start=time(22), end=time(6)
    )
    assert night.crosses_midnight


def test_a_swap_exchanges_the_shifts_when_approved(supervisor, team, alice, bob):
    tuesday = MONDAY + timedelta(days=1)
    mine = put(supervisor, team, alice, MONDAY, "morning")
    put(supervisor, team, bob, MONDAY, None)
    theirs = put(supervisor, team, bob, tuesday, "evening")
    swap = rosters.request_swap(
        actor=alice, entry=mine, counterpart=bob, counterpart_entry=theirs, reason="家中有事"
    )
    assert swap.events.get().action == "request"
    rosters.approve_swap(swap=swap, actor=supervisor)
    swap.refresh_from_db()
    assert (swap.status, swap.decided_by) == (SwapRequest.Status.APPROVED, supervisor)
    assert RosterEntry.objects.get(user=bob, day=MONDAY).shift_type.code == "morning"
    assert RosterEntry.objects.get(user=alice, day=MONDAY).is_day_off
    assert RosterEntry.objects.get(user=alice, day=tuesday).shift_type.code == "evening"
    assert not RosterEntry.objects.filter(user=bob, day=tuesday).exists()
    assert [e.action for e in swap.events.all()] == ["request", "approve"]


def test_a_swap_with_oneself_or_across_estates_is_refused(supervisor, team, alice, estate_b):
    mine = put(supervisor, team, alice, MONDAY, "morning")
    with pytest.raises(DomainError) as refused:
        rosters.request_swap(actor=alice, entry=mine, counterpart=alice)
    assert refused.value.code == "swap_with_self"
    outsider = make_staff("frontdesk", estate_b, username="outsider")
    with pytest.raises(DomainError) as refused:
        rosters.request_swap(actor=alice, entry=mine, counterpart=outsider)
    assert refused.value.code == "swap_across_estates"
    assert not SwapRequest.objects.exists()


def test_a_swap_that_would_double_book_is_not_approved(supervisor, team, alice, bob, estate_a):
    other_team = TeamFactory(estate=estate_a, name="维修组")
    mine = put(supervisor, team, alice, MONDAY, "morning")
    put(supervisor, other_team, bob, MONDAY, "evening")
    swap = rosters.request_swap(actor=alice, entry=mine, counterpart=bob)
    with pytest.raises(DomainError) as refused:
        rosters.approve_swap(swap=swap, actor=supervisor)
    assert refused.value.code == "double_booking"
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.REQUESTED
    assert RosterEntry.objects.get(pk=mine.pk).user == alice


def test_only_the_requester_cancels_a_swap(supervisor, team, alice, bob):
    swap = rosters.request_swap(
        actor=alice, entry=put(supervisor, team, alice, MONDAY, "morning"), counterpart=bob
    )
    with pytest.raises(PermissionDenied):
        rosters.cancel_swap(swap=swap, actor=bob)
    rosters.cancel_swap(swap=swap, actor=alice)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.CANCELLED
    with pytest.raises(PermissionDenied):
        rosters.approve_swap(swap=swap, actor=bob)
