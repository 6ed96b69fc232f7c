"""Helpers for tests that need a roster: put someone on a shift of the estate's default types."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from staff.models import RosterEntry, ShiftType


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def put(team, user, day: date, code: str) -> RosterEntry:
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
