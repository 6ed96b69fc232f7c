"""Writes for rosters: shift types, a team's week filled in by the supervisor (one cell per person
and day: a shift or a day off), copying last week, and shift swaps (staff ask, the supervisor
approves or rejects; see `staff.workflows.SWAP`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from staff.models import ReceptionHours, RosterEntry, ShiftType, StaffProfile, SwapRequest, Team
from staff.workflows import SWAP

DAY_OFF = "off"
MANAGE_ROSTER = "staff.change_rosterentry"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def require_estate(actor, estate_id: int) -> None:
    """Staff act only on the estates they work for (None: the system)."""
    if actor is None:
        return
    access = access_for(actor)
    if access.all_estates:
        return
    if not access.is_staff_member or estate_id not in access.estate_ids:
        raise PermissionDenied(_("You do not work in this estate."))


def _require_perm(actor, perm: str, message: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(message)


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- shift types --------------------------------------------------------------------------------


def _validated_shift_type(shift_type: ShiftType) -> ShiftType:
    try:
        shift_type.full_clean(exclude=["estate"])
    except ValidationError as error:
        messages = [str(m) for field_errors in error.message_dict.values() for m in field_errors]
        raise DomainError(
            " ".join(messages), code="invalid_shift_type", details=error.message_dict
        ) from error
    if (
        ShiftType.objects.filter(estate_id=shift_type.estate_id, code=shift_type.code)
        .exclude(pk=shift_type.pk)
        .exists()
    ):
        raise DomainError(
            _("This estate already has a shift type with this code."), code="shift_type_code_taken"
        )
    return shift_type


@transaction.atomic
def save_shift_type(*, actor, estate, shift_type: ShiftType | None = None, **fields) -> ShiftType:
    """Create (`shift_type` None) or change a shift type. Entries already rostered keep their
    times: they were copied when the entry was saved."""
    perm = "staff.change_shifttype" if shift_type is not None else "staff.add_shifttype"
    _require_perm(actor, perm, _("You are not allowed to change shift types."))
    require_estate(actor, estate.pk)
    shift_type = shift_type or ShiftType(estate=estate)
    for name, value in fields.items():
        setattr(shift_type, name, value)
    _validated_shift_type(shift_type)
    shift_type.save()
    return shift_type


RECEPTION_HOURS_FIELDS = ("weekday_opens", "weekday_closes", "weekend_opens", "weekend_closes")


@transaction.atomic
def set_reception_hours(*, actor, estate, **hours) -> ReceptionHours:
    """Set when the estate's service desk opens and closes, Monday to Friday and at the weekend
    (the roster flags the hours no one covers). Each day closes after it opens."""
    _require_perm(actor, "staff.change_receptionhours", _("You are not allowed to change reception hours."))
    require_estate(actor, estate.pk)
    unknown = set(hours) - set(RECEPTION_HOURS_FIELDS)
    if unknown:
        raise DomainError(_("Unknown reception hours field."), code="invalid")
    ReceptionHours.objects.get_or_create(estate=estate)
    row = ReceptionHours.objects.select_for_update().get(estate=estate)
    for name, value in hours.items():
        setattr(row, name, value)
    try:
        row.full_clean(exclude=["estate"])
    except ValidationError as error:
        messages = [str(m) for field_errors in error.message_dict.values() for m in field_errors]
        raise DomainError(
            " ".join(messages), code="invalid_reception_hours", details=error.message_dict
        ) from error
    row.save(update_fields=list(hours) or None)
    return row


# --- the roster ---------------------------------------------------------------------------------


def overlapping_entries(*, user, periods, exclude_pk: int | None = None) -> list[RosterEntry]:
    """The user's other shifts (any team, any estate) overlapping one of `periods`."""
    if not periods:
        return []
    first, last = min(p[0] for p in periods), max(p[1] for p in periods)
    candidates = (
        RosterEntry.objects.filter(user=user, is_day_off=False, starts_at__lt=last, ends_at__gt=first)
        .exclude(pk=exclude_pk)
        .select_related("shift_type", "team")
    )
    return [
        other
        for other in candidates
        if any(
            start < other_end and other_start < end
            for start, end in periods
            for other_start, other_end in other.periods()
        )
    ]


def _check_member(*, team: Team, user) -> None:
    if not StaffProfile.objects.filter(user=user, estates=team.estate_id).exists():
        raise DomainError(
            _("%(user)s does not work in this team's estate.")
            % {"user": user.get_full_name() or user.get_username()},
            code="not_staff_of_estate",
        )


def _put(
    *,
    actor,
    team: Team,
    user,
    day: date,
    shift_type: ShiftType | None,
    acknowledge_conflict: bool,
    conflict_note: str,
    now: datetime,
) -> RosterEntry:
    """Write one cell (the caller has checked the permission, the estate and the member)."""
    existing = RosterEntry.objects.filter(team=team, user=user, day=day).first()
    entry = existing or RosterEntry(
        estate_id=team.estate_id, team=team, user=user, day=day, created_by=actor, created_at=now
    )
    entry.shift_type = shift_type
    entry.is_day_off = shift_type is None
    entry.conflict_acknowledged = False
    entry.conflict_note = ""
    if shift_type is None:
        entry.starts_at = entry.ends_at = None
        entry.is_on_call = False
    else:
        if shift_type.estate_id != team.estate_id:
            raise DomainError(_("This shift type belongs to another estate."), code="shift_type_other_estate")
        if not shift_type.is_active:
            raise DomainError(_("This shift type is no longer in use."), code="shift_type_inactive")
        entry.starts_at, entry.ends_at = shift_type.span_on(day)
        entry.is_on_call = shift_type.is_on_call
        clashes = overlapping_entries(user=user, periods=shift_type.periods_on(day), exclude_pk=entry.pk)
        if clashes:
            note = (conflict_note or "").strip()
            if not (acknowledge_conflict and note):
                raise DomainError(
                    _(
                        "%(user)s already works %(shift)s on %(day)s, overlapping this shift. "
                        "Save it as an acknowledged conflict with a note, or choose another shift."
                    )
                    % {
                        "user": user.get_full_name() or user.get_username(),
                        "shift": clashes[0].shift_type.name,
                        "day": clashes[0].day.isoformat(),
                    },
                    code="double_booking",
                )
            entry.conflict_acknowledged, entry.conflict_note = True, note
    entry.save()
    return entry


@transaction.atomic
def set_roster_entry(
    *,
    actor,
    team: Team,
    user,
    day: date,
    shift_type: ShiftType | None = None,
    acknowledge_conflict: bool = False,
    conflict_note: str = "",
    now: datetime | None = None,
) -> RosterEntry:
    """Roster `user` in `team` on `day` for `shift_type` (None: a day off). Overlapping another
    of the person's shifts is refused unless acknowledged with a note."""
    _require_perm(actor, MANAGE_ROSTER, _("Only the duty supervisor fills in the roster."))
    require_estate(actor, team.estate_id)
    _check_member(team=team, user=user)
    return _put(
        actor=actor,
        team=team,
        user=user,
        day=day,
        shift_type=shift_type,
        acknowledge_conflict=acknowledge_conflict,
        conflict_note=conflict_note,
        now=_now(now),
    )


@transaction.atomic
def clear_roster_entry(*, actor, entry: RosterEntry) -> None:
    _require_perm(actor, MANAGE_ROSTER, _("Only the duty supervisor fills in the roster."))
    require_estate(actor, entry.estate_id)
    entry.delete()


@transaction.atomic
def save_roster_week(
    *,
    actor,
    team: Team,
    week_start: date,
    cells: Mapping[tuple[int, date], str],
    acknowledge_conflicts: bool = False,
    conflict_note: str = "",
    now: datetime | None = None,
) -> int:
    """Save the grid: `cells` maps (user pk, day) to a shift type pk, `DAY_OFF` or "" (empty).
    All or nothing: any refused cell leaves the whole week as it was. Returns the cells changed."""
    _require_perm(actor, MANAGE_ROSTER, _("Only the duty supervisor fills in the roster."))
    require_estate(actor, team.estate_id)
    now = _now(now)
    week = {week_start + timedelta(days=offset) for offset in range(7)}
    types = {str(t.pk): t for t in ShiftType.objects.filter(estate_id=team.estate_id)}
    existing = {
        (e.user_id, e.day): e
        for e in RosterEntry.objects.filter(team=team, day__in=week).select_related("user")
    }
    users = {
        p.user_id: p.user for p in StaffProfile.objects.filter(estates=team.estate_id).select_related("user")
    }
    changed = 0
    errors: list[str] = []
    for (user_pk, day), value in sorted(cells.items(), key=lambda item: (item[0][1], item[0][0])):
        if day not in week:
            continue
        user = users.get(user_pk)
        if user is None:
            raise DomainError(
                _("Someone in the grid does not work in this team's estate."), code="not_staff_of_estate"
            )
        current = existing.get((user_pk, day))
        value = (value or "").strip()
        if not value:
            if current is not None:
                current.delete()
                changed += 1
            continue
        if value == DAY_OFF:
            shift_type = None
        elif value in types:
            shift_type = types[value]
        else:
            raise DomainError(_("Choose a shift type of this estate."), code="unknown_shift_type")
        if (
            current is not None
            and current.shift_type_id == (shift_type.pk if shift_type else None)
            and current.is_day_off == (shift_type is None)
        ):
            continue
        try:
            with transaction.atomic():
                _put(
                    actor=actor,
                    team=team,
                    user=user,
                    day=day,
                    shift_type=shift_type,
                    acknowledge_conflict=acknowledge_conflicts,
                    conflict_note=conflict_note,
                    now=now,
                )
        except DomainError as error:
            errors.append(error.message)
            continue
        changed += 1
    if errors:
        raise DomainError(" ".join(errors), code="roster_refused", details={"errors": errors})
    return changed


@transaction.atomic
def copy_last_week(*, actor, team: Team, week_start: date, now: datetime | None = None) -> tuple[int, int]:
    """Fill this week's empty cells from the same weekday of last week. A copied shift that would
    double-book someone is left out (the supervisor decides). Returns (copied, left out)."""
    _require_perm(actor, MANAGE_ROSTER, _("Only the duty supervisor fills in the roster."))
    require_estate(actor, team.estate_id)
    now = _now(now)
    previous = week_start - timedelta(days=7)
    taken = set(
        RosterEntry.objects.filter(
            team=team, day__gte=week_start, day__lt=week_start + timedelta(days=7)
        ).values_list("user_id", "day")
    )
    copied = left_out = 0
    sources = RosterEntry.objects.filter(team=team, day__gte=previous, day__lt=week_start).select_related(
        "shift_type", "user"
    )
    for source in sources.order_by("day", "pk"):
        day = source.day + timedelta(days=7)
        if (source.user_id, day) in taken:
            continue
        shift_type = source.shift_type
        if shift_type is not None and not shift_type.is_active:
            left_out += 1
            continue
        try:
            with transaction.atomic():
                _put(
                    actor=actor,
                    team=team,
                    user=source.user,
                    day=day,
                    shift_type=shift_type,
                    acknowledge_conflict=False,
                    conflict_note="",
                    now=now,
                )
        except DomainError:
            left_out += 1
            continue
        copied += 1
    return copied, left_out


# --- swaps --------------------------------------------------------------------------------------


@transaction.atomic
def request_swap(
    *,
    actor,
    entry: RosterEntry,
    counterpart,
    counterpart_entry: RosterEntry | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> SwapRequest:
    """Ask to give `entry` (one's own shift) to `counterpart`, taking `counterpart_entry` (theirs)
    in exchange, or nothing (the colleague covers the shift)."""
    _require_perm(actor, "staff.add_swaprequest", _("You are not allowed to ask for shift swaps."))
    require_estate(actor, entry.estate_id)
    now = _now(now)
    if entry.user_id != actor.pk:
        raise DomainError(_("You can only offer your own shift."), code="not_own_shift")
    if entry.is_day_off:
        raise DomainError(_("A day off cannot be swapped; choose a shift."), code="swap_day_off")
    if counterpart.pk == actor.pk:
        raise DomainError(_("You cannot swap a shift with yourself."), code="swap_with_self")
    if not StaffProfile.objects.filter(user=counterpart, estates=entry.estate_id).exists():
        raise DomainError(
            _("Shifts are swapped only with a colleague of the same estate."), code="swap_across_estates"
        )
    if counterpart_entry is not None:
        if counterpart_entry.estate_id != entry.estate_id:
            raise DomainError(
                _("Shifts are swapped only with a colleague of the same estate."), code="swap_across_estates"
            )
        if counterpart_entry.user_id != counterpart.pk:
            raise DomainError(
                _("Choose a shift of the colleague you swap with."), code="not_counterpart_shift"
            )
    if entry.ends_at is not None and entry.ends_at <= now:
        raise DomainError(_("This shift is over; it can no longer be swapped."), code="shift_over")
    if SwapRequest.objects.filter(entry=entry, status=SwapRequest.Status.REQUESTED).exists():
        raise DomainError(_("A swap of this shift is already waiting for approval."), code="swap_pending")
    swap = SwapRequest.objects.create(
        estate_id=entry.estate_id,
        requested_by=actor,
        entry=entry,
        counterpart=counterpart,
        counterpart_entry=counterpart_entry,
        reason=(reason or "").strip(),
        created_at=now,
    )
    swap.events.create(
        action="request", from_status="", to_status=swap.status, actor=actor, note=swap.reason, created_at=now
    )
    return swap


def _lock(swap: SwapRequest) -> SwapRequest:
    return SwapRequest.objects.select_for_update(of=("self",)).get(pk=swap.pk)


_CELL_FIELDS = (
    "shift_type_id",
    "is_day_off",
    "starts_at",
    "ends_at",
    "is_on_call",
    "conflict_acknowledged",
    "conflict_note",
)


def _exchange_cell(*, team_id: int, day: date, first_user, second_user) -> None:
    """What `first_user` had in this cell of the roster goes to `second_user` and back."""
    rows = {
        e.user_id: e
        for e in RosterEntry.objects.select_for_update().filter(
            team_id=team_id, day=day, user__in=[first_user, second_user]
        )
    }
    first, second = rows.get(first_user.pk), rows.get(second_user.pk)
    if first is not None and second is not None:
        values = {name: getattr(first, name) for name in _CELL_FIELDS}
        for name in _CELL_FIELDS:
            setattr(first, name, getattr(second, name))
            setattr(second, name, values[name])
        first.save()
        second.save()
    elif first is not None:
        first.user = second_user
        first.save(update_fields=["user", "updated_at"])
    elif second is not None:
        second.user = first_user
        second.save(update_fields=["user", "updated_at"])


def _check_no_double_booking(*, users, team_days) -> None:
    for user in users:
        for entry in RosterEntry.objects.filter(
            user=user,
            is_day_off=False,
            team_id__in={t for t, _d in team_days},
            day__in={d for _t, d in team_days},
        ).select_related("shift_type"):
            if overlapping_entries(user=user, periods=entry.periods(), exclude_pk=entry.pk):
                raise DomainError(
                    _("After this swap %(user)s would work two overlapping shifts on %(day)s.")
                    % {"user": user.get_full_name() or user.get_username(), "day": entry.day.isoformat()},
                    code="double_booking",
                )


@transaction.atomic
def approve_swap(*, swap: SwapRequest, actor, note: str = "", now: datetime | None = None) -> SwapRequest:
    """Approve: the two people exchange the shifts (their cells of the roster)."""
    now = _now(now)
    swap = _lock(swap)
    SWAP.check(swap, "approve", actor, now=now)
    require_estate(actor, swap.estate_id)
    entry = RosterEntry.objects.get(pk=swap.entry_id)
    requester, counterpart = swap.requested_by, swap.counterpart
    cells = {(entry.team_id, entry.day)}
    if swap.counterpart_entry_id is not None:
        other = RosterEntry.objects.get(pk=swap.counterpart_entry_id)
        cells.add((other.team_id, other.day))
    for team_id, day in sorted(cells):
        _exchange_cell(team_id=team_id, day=day, first_user=requester, second_user=counterpart)
    _check_no_double_booking(users=[requester, counterpart], team_days=cells)
    SWAP.transition(
        swap,
        "approve",
        actor=actor,
        note=(note or "").strip(),
        now=now,
        fields={"decided_by": actor, "decided_at": now},
    )
    return swap


@transaction.atomic
def reject_swap(*, swap: SwapRequest, actor, note: str = "", now: datetime | None = None) -> SwapRequest:
    now = _now(now)
    swap = _lock(swap)
    SWAP.check(swap, "reject", actor, now=now)
    require_estate(actor, swap.estate_id)
    SWAP.transition(
        swap,
        "reject",
        actor=actor,
        note=(note or "").strip(),
        now=now,
        fields={"decided_by": actor, "decided_at": now},
    )
    return swap


@transaction.atomic
def cancel_swap(*, swap: SwapRequest, actor, note: str = "", now: datetime | None = None) -> SwapRequest:
    now = _now(now)
    swap = _lock(swap)
    SWAP.check(swap, "cancel", actor, now=now)
    require_estate(actor, swap.estate_id)
    SWAP.transition(swap, "cancel", actor=actor, note=(note or "").strip(), now=now)
    return swap
