"""Demo rosters: last month, this month (and at least the coming week) for every team of the demo estates that has members, on a rota that
the conflict checks accept (one day off in seven, no night before a morning), and one swap
waiting for the supervisor. Through `staff.services_rosters` as the supervisor would fill it in.
Idempotent: a team that already has entries this month is left as it is."""

from __future__ import annotations

import random
from calendar import monthrange
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from servicecenter.exceptions import DomainError
from staff import services_rosters as rosters
from staff.defaults import ensure_roster_defaults
from staff.models import RosterEntry, ShiftType, StaffProfile, SwapRequest, Team

# A seven-day rota per person, each starting on another day so the team is covered every day.
ROTA = ("morning", "morning", "office", "evening", "evening", "night_on_call", None)


def seed_demo_data(*, estates, users: dict, rng: random.Random, stdout) -> None:
    today = timezone.localdate()
    # From the first of last month, so the attendance demo has a month of finished shifts even on
    # the 1st, through this month and at least the coming week (late in the month there is still
    # something to swap).
    first_day = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    last_day = max(
        first_day + timedelta(days=monthrange(today.year, today.month)[1] - 1), today + timedelta(days=7)
    )
    days = [first_day + timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
    written = 0
    for estate in estates:
        ensure_roster_defaults(estate)
        types = {t.code: t for t in ShiftType.objects.filter(estate=estate)}
        for team in Team.objects.filter(estate=estate).order_by("pk"):
            members = [
                p.user
                for p in StaffProfile.objects.filter(team=team)
                .select_related("user")
                .order_by("user__username")
            ]
            if not members or RosterEntry.objects.filter(team=team, day__in=days).exists():
                continue
            offset = rng.randrange(len(ROTA))
            with transaction.atomic():
                for index, user in enumerate(members):
                    for day in days:
                        code = ROTA[(day.toordinal() + index + offset) % len(ROTA)]
                        rosters.set_roster_entry(
                            actor=None,
                            team=team,
                            user=user,
                            day=day,
                            shift_type=types[code] if code else None,
                        )
                        written += 1
    swaps = _a_waiting_swap(estates[0], today)
    stdout.write(f"staff rosters: {written} roster entries written; {swaps} swap waiting for approval")


def _a_waiting_swap(estate, today) -> int:
    if SwapRequest.objects.filter(estate=estate).exists():
        return 0
    entry = (
        RosterEntry.objects.filter(estate=estate, is_day_off=False, day__gt=today)
        .select_related("team")
        .order_by("day", "pk")
        .first()
    )
    if entry is None:
        return 0
    colleague = (
        StaffProfile.objects.filter(team=entry.team).exclude(user=entry.user).select_related("user").first()
    )
    if colleague is None:
        return 0
    try:
        rosters.request_swap(
            actor=entry.user, entry=entry, counterpart=colleague.user, reason="家里有事，请同事代班"
        )
    except (DomainError, PermissionDenied):
        return 0
    return 1
