"""Writes for dispatch settings, shift handovers (交接班) and attendance (考勤)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from staff.models import AttendanceRecord, EstateStaffSettings, HandoverTicket, ShiftHandover, Team
from staff.selectors_attendance import handover_ticket_choices, open_record_of, settings_of
from staff.selectors_rosters import shifts_of
from staff.workflows import ATTENDANCE, HANDOVER

# How early before a shift a clock-in still counts for it (people arrive to change).
CLOCK_IN_EARLY_WINDOW = timedelta(hours=2)


def _works_in(user, estate_id: int) -> bool:
    access = access_for(user)
    return access.is_staff_member and (access.all_estates or estate_id in access.estate_ids)


@transaction.atomic
def set_dispatch_mode(*, estate, mode: str) -> EstateStaffSettings:
    if mode not in EstateStaffSettings.DispatchMode.values:
        raise DomainError(_("Choose a valid dispatch mode."), code="invalid")
    found, _created = EstateStaffSettings.objects.update_or_create(
        estate=estate, defaults={"dispatch_mode": mode}
    )
    return found


# --- handover ----------------------------------------------------------------------------------


@transaction.atomic
def write_handover(
    *,
    team: Team,
    actor,
    ticket_ids: Iterable[int] = (),
    keys: str = "",
    incidents: str = "",
    notes: str = "",
    now: datetime | None = None,
) -> ShiftHandover:
    """Record what the outgoing shift leaves open. Tickets are picked from the team's open ones;
    an empty handover says nothing and is refused."""
    now = now or timezone.now()
    if not _works_in(actor, team.estate_id):
        raise DomainError(_("You do not work in this team's estate."), code="estate_scope")
    keys, incidents, notes = (keys or "").strip(), (incidents or "").strip(), (notes or "").strip()
    wanted = {int(pk) for pk in ticket_ids}
    open_tickets = {pk: (number, summary) for pk, number, summary in handover_ticket_choices(team=team)}
    unknown = wanted - set(open_tickets)
    if unknown:
        raise DomainError(_("Pick only open tickets of this team."), code="ticket_not_open")
    if not (wanted or keys or incidents or notes):
        raise DomainError(_("Say what you hand over: tickets, keys, incidents or notes."), code="empty")
    handover = ShiftHandover.objects.create(
        estate_id=team.estate_id,
        team=team,
        written_by=actor,
        written_at=now,
        keys=keys,
        incidents=incidents,
        notes=notes,
    )
    HandoverTicket.objects.bulk_create(
        HandoverTicket(
            handover=handover,
            ticket_id=pk,
            ticket_number=open_tickets[pk][0],
            summary=open_tickets[pk][1][:200],
        )
        for pk in sorted(wanted)
    )
    return handover


@transaction.atomic
def acknowledge_handover(
    *, handover: ShiftHandover, actor, note: str = "", now: datetime | None = None
) -> ShiftHandover:
    """The incoming shift confirms it took over: once, by a member of the team or a supervisor,
    and not by the one who wrote it unless a supervisor (the rules are in `HANDOVER`)."""
    now = now or timezone.now()
    handover = ShiftHandover.objects.select_for_update().get(pk=handover.pk)
    HANDOVER.check(handover, "acknowledge", actor, now=now)
    HANDOVER.transition(
        handover,
        "acknowledge",
        actor=actor,
        note=(note or "").strip(),
        now=now,
        fields={"acknowledged_by": actor, "acknowledged_at": now},
    )
    return handover


# --- attendance --------------------------------------------------------------------------------


def _shift_at(user, now: datetime):
    """The working shift a clock-in at `now` belongs to: one that has not ended and starts within
    the early window; yesterday's too, for a night shift that crosses midnight."""
    today = timezone.localdate(now)
    candidates = [
        entry
        for day in (today - timedelta(days=1), today)
        for entry in shifts_of(user=user, day=day)
        if not entry.is_day_off
        and not entry.is_on_call
        and entry.starts_at - CLOCK_IN_EARLY_WINDOW <= now < entry.ends_at
    ]
    return min(candidates, key=lambda entry: entry.starts_at) if candidates else None


@transaction.atomic
def clock_in(*, user, estate=None, now: datetime | None = None) -> AttendanceRecord:
    """Clock in against the rostered shift of the moment; late after its start plus the estate's
    grace. Without a shift the clock-in is kept and flagged for the supervisor, not refused.
    A second tap while clocked in returns the open record."""
    now = now or timezone.now()
    current = open_record_of(user)
    if current is not None:
        return current
    entry = _shift_at(user, now)
    if entry is not None:
        done = AttendanceRecord.objects.filter(roster_entry=entry).first()
        if done is not None:
            raise DomainError(_("You have already clocked in and out of this shift."), code="shift_done")
        grace = timedelta(minutes=settings_of(entry.estate).late_grace_minutes)
        late_by = now - entry.starts_at
        is_late = late_by > grace
        try:
            with transaction.atomic():
                record = AttendanceRecord.objects.create(
                    estate_id=entry.estate_id,
                    user=user,
                    roster_entry=entry,
                    shift_starts_at=entry.starts_at,
                    shift_ends_at=entry.ends_at,
                    clock_in_at=now,
                    is_late=is_late,
                    minutes_late=int(late_by / timedelta(minutes=1)) if is_late else 0,
                )
        except IntegrityError:  # a concurrent tap recorded this shift first
            return AttendanceRecord.objects.get(roster_entry=entry)
        _record_clock_in(record, actor=user, now=now)
        return record
    access = access_for(user)
    if not access.is_staff_member:
        raise DomainError(_("Only staff clock in."), code="not_staff")
    estate_id = estate.pk if estate is not None else min(access.estate_ids, default=None)
    if estate_id is None or not _works_in(user, estate_id):
        raise DomainError(_("Choose an estate you work in."), code="estate_scope")
    record = AttendanceRecord.objects.create(
        estate_id=estate_id, user=user, clock_in_at=now, is_unrostered=True
    )
    _record_clock_in(record, actor=user, now=now)
    return record


def _record_clock_in(record: AttendanceRecord, *, actor, now: datetime) -> None:
    """The record's first event: born clocked in (the workflow's `clock_in` has no source)."""
    if record.is_unrostered:
        note = _("No rostered shift.")
    elif record.is_late:
        note = _("Late by %(minutes)s minutes.") % {"minutes": record.minutes_late}
    else:
        note = ""
    ATTENDANCE.event_writer(
        record,
        action=ATTENDANCE.action("clock_in"),
        source="",
        target=record.status,
        actor=actor,
        note=note,
        now=now,
    ).save()


@transaction.atomic
def clock_out(
    *, user, record: AttendanceRecord | None = None, now: datetime | None = None
) -> AttendanceRecord:
    """Clock out of the open record (or the given one); leaving before the shift's end is flagged."""
    now = now or timezone.now()
    if record is None:
        record = open_record_of(user)
        if record is None:
            raise DomainError(_("You have not clocked in."), code="not_clocked_in")
    record = AttendanceRecord.objects.select_for_update().get(pk=record.pk)
    ATTENDANCE.check(record, "clock_out", user, now=now)
    if now < record.clock_in_at:
        raise DomainError(_("The clock-out cannot be before the clock-in."), code="invalid")
    fields = {"clock_out_at": now}
    note = ""
    if record.shift_ends_at is not None and now < record.shift_ends_at:
        fields["left_early"] = True
        fields["minutes_early"] = int((record.shift_ends_at - now) / timedelta(minutes=1))
        note = _("Left %(minutes)s minutes early.") % {"minutes": fields["minutes_early"]}
    ATTENDANCE.transition(record, "clock_out", actor=user, note=note, now=now, fields=fields)
    return record
