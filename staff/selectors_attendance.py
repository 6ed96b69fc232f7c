"""Reads for dispatch settings, shift handovers and attendance (flags, absences, the monthly sheet)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from servicecenter.periods import month_bounds
from staff.models import AttendanceRecord, EstateStaffSettings, RosterEntry, ShiftHandover, StaffProfile, Team

# Staff sits below tickets and may not import them: the tickets app registers the function that
# answers "which tickets of this team are open" from its AppConfig.ready() (a provider, the way
# the kernel asks apps for answers).
_open_tickets_of_team = None


def register_open_tickets_provider(provider) -> None:
    """`provider(team_id=...)` -> [(id, number, summary)] of the team's open tickets."""
    global _open_tickets_of_team
    _open_tickets_of_team = provider


def settings_of(estate) -> EstateStaffSettings:
    """The estate's settings, or the defaults (unsaved) when it has none."""
    found = EstateStaffSettings.objects.filter(estate=estate).first()
    return found or EstateStaffSettings(estate=estate)


def dispatch_mode_of(estate) -> str:
    return settings_of(estate).dispatch_mode


def handover_ticket_choices(*, team: Team) -> list[tuple[int, str, str]]:
    """(id, number, summary) of the team's open tickets, for the outgoing shift to pick from."""
    if _open_tickets_of_team is None:
        return []
    return _open_tickets_of_team(team_id=team.pk)


def handovers_for(user, *, team: Team | None = None) -> QuerySet[ShiftHandover]:
    handovers = (
        ShiftHandover.objects.visible_to(user)
        .select_related("team", "written_by", "acknowledged_by", "estate")
        .prefetch_related("tickets")
    )
    if team is not None:
        handovers = handovers.filter(team=team)
    return handovers


def attendance_for(user) -> QuerySet[AttendanceRecord]:
    return AttendanceRecord.objects.visible_to(user).select_related(
        "user", "estate", "roster_entry__shift_type"
    )


def open_record_of(user) -> AttendanceRecord | None:
    """The record the user clocked in on and has not clocked out of yet, if any."""
    return (
        AttendanceRecord.objects.filter(user=user, clock_out_at__isnull=True).order_by("-clock_in_at").first()
    )


def flagged_attendance(records: QuerySet[AttendanceRecord]) -> QuerySet[AttendanceRecord]:
    return records.filter(Q(is_late=True) | Q(left_early=True) | Q(is_unrostered=True))


def absences(*, viewer, now: datetime, since: datetime, estate=None, team=None) -> QuerySet[RosterEntry]:
    """Rostered working shifts that have ended, since `since`, with no clock-in: derived from the
    rows, so nothing has to mark them (a day off and an on-call night are not absences)."""
    entries = (
        RosterEntry.objects.visible_to(viewer)
        .filter(ends_at__lte=now, ends_at__gte=since, is_day_off=False, is_on_call=False)
        .exclude(Exists(AttendanceRecord.objects.filter(roster_entry=OuterRef("pk"))))
        .select_related("user", "team", "shift_type", "estate")
        .order_by("-starts_at", "pk")
    )
    if estate is not None:
        entries = entries.filter(estate=estate)
    if team is not None:
        entries = entries.filter(team=team)
    return entries


@dataclass
class SheetRow:
    user: object
    shifts: int = 0
    attended: int = 0
    late: int = 0
    left_early: int = 0
    absent: int = 0
    unrostered: int = 0
    minutes_worked: int = 0
    days: dict[int, str] = field(default_factory=dict)

    @property
    def hours_worked(self) -> str:
        return f"{self.minutes_worked // 60}:{self.minutes_worked % 60:02d}"


def monthly_sheet(*, team: Team, year: int, month: int, now: datetime | None = None) -> list[SheetRow]:
    """One row per member of the team: shifts rostered in the month, attended, late, left early,
    absent (ended with no clock-in), clock-ins with no shift, time worked, and a mark per day
    (✓ present, L late, E early, A absent, ? no shift). Three queries, whatever the team's size."""
    now = now or timezone.now()
    start, end = month_bounds(date(year, month, 1))
    members = {
        profile.user_id: profile.user
        for profile in StaffProfile.objects.filter(team=team)
        .select_related("user")
        .order_by("user__username")
    }
    rows = {user_id: SheetRow(user=user) for user_id, user in members.items()}
    entries = RosterEntry.objects.filter(
        user_id__in=members,
        estate_id=team.estate_id,
        starts_at__gte=start,
        starts_at__lt=end,
        is_day_off=False,
        is_on_call=False,
    ).values_list("pk", "user_id", "day", "ends_at")
    records = AttendanceRecord.objects.filter(
        user_id__in=members, estate_id=team.estate_id, clock_in_at__gte=start, clock_in_at__lt=end
    ).values_list(
        "roster_entry_id", "user_id", "clock_in_at", "clock_out_at", "is_late", "left_early", "is_unrostered"
    )
    attended_entries = set()
    for entry_id, user_id, clock_in_at, clock_out_at, is_late, left_early, is_unrostered in records:
        row = rows[user_id]
        day = timezone.localtime(clock_in_at).day
        row.attended += 1
        row.late += is_late
        row.left_early += left_early
        row.unrostered += is_unrostered
        if clock_out_at:
            row.minutes_worked += int((clock_out_at - clock_in_at) / timedelta(minutes=1))
        mark = "?" if is_unrostered else "L" if is_late else "E" if left_early else "✓"
        row.days[day] = mark
        if entry_id:
            attended_entries.add(entry_id)
    for entry_id, user_id, day, ends_at in entries:
        row = rows[user_id]
        row.shifts += 1
        if entry_id not in attended_entries and ends_at <= now:
            row.absent += 1
            row.days[day.day] = "A"
    return list(rows.values())
