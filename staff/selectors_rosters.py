"""Reads for rosters: who works when, and what is wrong with a week's roster."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.models import ReceptionHours, RosterEntry, ShiftType, Team

User = get_user_model()


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


# --- the week's grid and what is wrong with it --------------------------------------------------

MIN_REST = timedelta(hours=8)
MAX_DAYS_IN_A_ROW = 6


@dataclass(frozen=True)
class Conflict:
    kind: str  # double_booking | short_rest | team_empty | too_many_days
    day: date
    message: str
    user_id: int | None = None
    acknowledged: bool = False


def week_days(week_start: date) -> list[date]:
    return [week_start + timedelta(days=offset) for offset in range(7)]


def team_members(team):
    """The staff of the team (their profile's team), by name."""
    return (
        User.objects.filter(staff_profile__team=team, is_active=True)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def roster_conflicts(*, team, week_start: date) -> list[Conflict]:
    """Everything wrong with the team's week: double bookings (flagged even when acknowledged),
    less than 8 hours' rest between two shifts, reception hours with nobody of the team at
    work, and more than 6 working days in a row. A handful of queries whatever the team's size."""
    days = week_days(week_start)
    week_entries = list(
        RosterEntry.objects.filter(team=team, day__in=days)
        .select_related("user", "shift_type")
        .order_by("day", "pk")
    )
    user_ids = {e.user_id for e in week_entries}
    # Every shift of these people around the week (any team): rest and overlaps cross teams, and
    # a run of days can start the week before.
    around = list(
        RosterEntry.objects.filter(
            user_id__in=user_ids,
            day__gte=week_start - timedelta(days=MAX_DAYS_IN_A_ROW),
            day__lte=days[-1] + timedelta(days=1),
        )
        .select_related("user", "shift_type")
        .order_by("user_id", "starts_at", "day", "pk")
    )
    conflicts: list[Conflict] = []
    by_user: dict[int, list[RosterEntry]] = {}
    for entry in around:
        by_user.setdefault(entry.user_id, []).append(entry)
    week_set = set(days)
    for user_id, entries in by_user.items():
        shifts = [e for e in entries if not e.is_day_off]
        user = entries[0].user
        for index, entry in enumerate(shifts):
            for later in shifts[index + 1 :]:
                if later.starts_at >= entry.ends_at + MIN_REST:
                    break
                overlap = any(
                    start < other_end and other_start < end
                    for start, end in entry.periods()
                    for other_start, other_end in later.periods()
                )
                # Reported once, on the team's own cell of the week.
                ours = [e for e in (later, entry) if e.team_id == team.pk and e.day in week_set]
                if not ours:
                    continue
                mine = ours[0]
                if overlap:
                    conflicts.append(
                        Conflict(
                            "double_booking",
                            mine.day,
                            _("%(user)s has two overlapping shifts on %(day)s.")
                            % {"user": _name(user), "day": mine.day.isoformat()},
                            user_id,
                            acknowledged=entry.conflict_acknowledged or later.conflict_acknowledged,
                        )
                    )
                elif later.starts_at >= entry.ends_at:
                    conflicts.append(
                        Conflict(
                            "short_rest",
                            mine.day,
                            _("%(user)s has less than 8 hours' rest before the shift on %(day)s.")
                            % {"user": _name(user), "day": later.day.isoformat()},
                            user_id,
                        )
                    )
        worked = sorted({e.day for e in shifts})
        run, previous = 0, None
        for day in worked:
            run = run + 1 if previous is not None and day == previous + timedelta(days=1) else 1
            previous = day
            if run == MAX_DAYS_IN_A_ROW + 1 and day in week_set:
                conflicts.append(
                    Conflict(
                        "too_many_days",
                        day,
                        _("%(user)s works more than 6 days in a row (up to %(day)s).")
                        % {"user": _name(user), "day": day.isoformat()},
                        user_id,
                    )
                )
    conflicts.extend(_empty_reception_hours(team=team, days=days, entries=around))
    return sorted(conflicts, key=lambda c: (c.day, c.kind, c.user_id or 0))


def reception_hours_of(estate) -> ReceptionHours:
    hours = ReceptionHours.objects.filter(estate=estate).first()
    return hours or ReceptionHours(estate=estate)


def _empty_reception_hours(*, team, days, entries) -> list[Conflict]:
    hours = reception_hours_of(team.estate)
    # The team's own shifts at the desk (on-call is not at the desk) around the week.
    periods = sorted(
        period
        for entry in RosterEntry.objects.filter(
            team=team,
            is_day_off=False,
            is_on_call=False,
            day__gte=days[0] - timedelta(days=1),
            day__lte=days[-1],
        ).select_related("shift_type")
        for period in entry.periods()
    )
    conflicts = []
    for day in days:
        opens, closes = hours.open_on(day)
        covered_until = opens
        for start, end in periods:
            if start > covered_until:
                break
            covered_until = max(covered_until, end)
            if covered_until >= closes:
                break
        if covered_until < closes:
            gap_start = timezone.localtime(covered_until)
            conflicts.append(
                Conflict(
                    "team_empty",
                    day,
                    _("Nobody of the team is at work from %(time)s on %(day)s, during reception hours.")
                    % {"time": gap_start.strftime("%H:%M"), "day": day.isoformat()},
                )
            )
    return conflicts


@dataclass(frozen=True)
class GridCell:
    day: date
    entry: RosterEntry | None
    flagged: bool  # a conflict not acknowledged falls on this cell


@dataclass
class RosterGrid:
    team: object
    week_start: date
    days: list[date]
    rows: list[tuple[object, list[GridCell]]]
    shift_types: list[ShiftType]
    conflicts: list[Conflict] = field(default_factory=list)
    empty_days: set[date] = field(default_factory=set)


def roster_grid(*, team, week_start: date) -> RosterGrid:
    """The team's week: one row per member (and anyone else rostered in the team that week),
    one cell per day, with the conflicts."""
    days = week_days(week_start)
    entries = list(RosterEntry.objects.filter(team=team, day__in=days).select_related("shift_type", "user"))
    cells = {(e.user_id, e.day): e for e in entries}
    users = {u.pk: u for u in team_members(team)}
    for entry in entries:
        users.setdefault(entry.user_id, entry.user)
    conflicts = roster_conflicts(team=team, week_start=week_start)
    flagged = {(c.user_id, c.day) for c in conflicts if c.user_id is not None and not c.acknowledged}
    rows = [
        (user, [GridCell(day, cells.get((user.pk, day)), (user.pk, day) in flagged) for day in days])
        for user in users.values()
    ]
    return RosterGrid(
        team=team,
        week_start=week_start,
        days=days,
        rows=rows,
        shift_types=list(ShiftType.objects.filter(estate_id=team.estate_id, is_active=True)),
        conflicts=conflicts,
        empty_days={c.day for c in conflicts if c.kind == "team_empty"},
    )


def on_duty_board(*, estate, at: datetime) -> list[tuple[object, list[RosterEntry], list[RosterEntry]]]:
    """Per team of the estate: who is at work and who is on call at `at`."""
    entries = _entries_at(estate=estate, at=at)
    teams = list(Team.objects.filter(estate=estate).order_by("kind", "name"))
    board = []
    for team in teams:
        of_team = [e for e in entries if e.team_id == team.pk]
        board.append((team, [e for e in of_team if not e.is_on_call], [e for e in of_team if e.is_on_call]))
    return board


def rosters_visible_to(user):
    return RosterEntry.objects.visible_to(user)
