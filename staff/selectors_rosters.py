"""Reads for rosters: who works when, and what is wrong with a week's roster."""

from __future__ import annotations

from datetime import date, datetime

from staff.models import RosterEntry


def _entries_at(*, estate, at: datetime, team=None):
    entries = (
        RosterEntry.objects.filter(estate=estate, is_day_off=False, starts_at__lte=at, ends_at__gt=at)
        .select_related("user", "team", "shift_type")
        .order_by("team__name", "user__username", "starts_at", "pk")
    )
    if team is not None:
        entries = entries.filter(team=team)
    # A split shift's break (the office shift's 12:00–13:00) lies inside its span but is not work.
    return [entry for entry in entries if any(start <= at < end for start, end in entry.periods())]


def on_duty(*, estate, at: datetime, team=None, include_on_call: bool = False) -> list[RosterEntry]:
    """The entries of whoever is working at `at` (a shift ending at 17:30 is over at 17:30; the
    one starting then has begun), shifts crossing midnight included. On-call entries only when
    asked for: being reachable by phone is not being at the desk."""
    entries = _entries_at(estate=estate, at=at, team=team)
    if include_on_call:
        return entries
    return [entry for entry in entries if not entry.is_on_call]


def on_call(*, estate, at: datetime, team=None) -> list[RosterEntry]:
    return [entry for entry in _entries_at(estate=estate, at=at, team=team) if entry.is_on_call]


def shifts_of(*, user, day: date) -> list[RosterEntry]:
    """The user's shifts starting on `day` (days off left out), earliest first."""
    return list(
        RosterEntry.objects.filter(user=user, day=day, is_day_off=False)
        .select_related("shift_type", "team", "estate")
        .order_by("starts_at", "pk")
    )
