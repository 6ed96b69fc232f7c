"""Who is on duty: shift boundaries, shifts crossing midnight, split shifts and on-call entries."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from staff.models import RosterEntry, ShiftType
from staff.selectors_rosters import on_call, on_duty, shifts_of
from tests.factories import EstateFactory, TeamFactory, make_staff

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def put(team, user, day, code):
    shift_type = ShiftType.objects.get(estate=team.estate, code=code)
    start, end = shift_type.span_on(day)
    return RosterEntry.objects.create(
        estate=team.estate,
        team=team,
        user=user,
        day=day,
        shift_type=shift_type,
        starts_at=start,
        ends_at=end,
        is_on_call=shift_type.is_on_call,
    )


@pytest.fixture
def team():
    return TeamFactory(estate=EstateFactory())


def test_every_new_estate_gets_the_default_shift_types_and_reception_hours(team):
    codes = set(ShiftType.objects.filter(estate=team.estate).values_list("code", flat=True))
    assert codes == {"office", "morning", "evening", "night_on_call"}
    assert ShiftType.objects.get(estate=team.estate, code="night_on_call").crosses_midnight
    assert not ShiftType.objects.get(estate=team.estate, code="evening").crosses_midnight
    assert team.estate.reception_hours.weekday_opens.strftime("%H:%M") == "08:30"


def test_the_shift_ending_at_1730_is_over_at_1730_and_the_one_starting_has_begun(team):
    early = make_staff("supervisor", team.estate, username="early", team=team)
    late = make_staff("supervisor", team.estate, username="late", team=team)
    put(team, early, MONDAY, "morning")
    late_type = ShiftType.objects.create(
        estate=team.estate,
        code="late",
        name="晚班二",
        start=datetime(2000, 1, 1, 17, 30).time(),
        end=datetime(2000, 1, 1, 22, 0).time(),
    )
    start, end = late_type.span_on(MONDAY)
    RosterEntry.objects.create(
        estate=team.estate,
        team=team,
        user=late,
        day=MONDAY,
        shift_type=late_type,
        starts_at=start,
        ends_at=end,
    )
    assert [e.user for e in on_duty(estate=team.estate, at=at(MONDAY, 17, 29))] == [early]
    assert [e.user for e in on_duty(estate=team.estate, at=at(MONDAY, 17, 30))] == [late]


def test_a_night_on_call_crosses_midnight_and_is_listed_only_when_asked_for(team):
    user = make_staff("supervisor", team.estate, username="night", team=team)
    entry = put(team, user, MONDAY, "night_on_call")
    assert entry.ends_at == at(date(2026, 12, 1), 9)
    next_morning = at(date(2026, 12, 1), 2)
    assert on_duty(estate=team.estate, at=next_morning) == []
    assert on_duty(estate=team.estate, at=next_morning, include_on_call=True) == [entry]
    assert on_call(estate=team.estate, at=next_morning) == [entry]
    assert on_call(estate=team.estate, at=at(date(2026, 12, 1), 9)) == []


def test_the_office_shifts_lunch_break_is_not_working_time(team):
    user = make_staff("supervisor", team.estate, username="office", team=team)
    entry = put(team, user, MONDAY, "office")
    assert on_duty(estate=team.estate, at=at(MONDAY, 11, 59)) == [entry]
    assert on_duty(estate=team.estate, at=at(MONDAY, 12, 30)) == []
    assert on_duty(estate=team.estate, at=at(MONDAY, 13, 0)) == [entry]
    assert shifts_of(user=user, day=MONDAY) == [entry]
    assert shifts_of(user=user, day=date(2026, 12, 1)) == []
