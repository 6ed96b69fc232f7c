"""Writes for move-out (迁出) and moving (搬家) requests: registering one, approving it (which issues
the release pass, 搬家放行条, unless the unit owes money and no manager overrides), completing it
(a move-out ends the leaver's occupancy in the archive) and cancelling it (the pass is revoked).
Each transition goes through the declaration in `frontdesk.workflows` and writes one event row."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from frontdesk.models import MoveOut, MoveOutCounter, MoveOutEvent
from frontdesk.selectors.moveouts import amounts_owed, gate_notes, owed_rows, pass_window
from frontdesk.workflows import MOVEOUT
from residents import services as residents
from residents.models import Occupancy, Pass, Person, Unit
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from servicecenter.sequences import bump_counter

REGISTER = "frontdesk.register_moveout"
OVERRIDE = "frontdesk.override_moveout_arrears"
MAX_HELPERS = 50
# The unit states that mean somebody lived there; the last occupant leaving makes it vacant. A
# unit being renovated (or never sold) keeps its state.
LIVED_IN = (Unit.State.OCCUPIED, Unit.State.HANDED_OVER)


class ArrearsOwed(DomainError):
    """The unit owes money: no release pass without a manager's override. Carries the bills (for
    the page and the API's 409 body)."""

    status_code = 409

    def __init__(self, *, rows: list[dict], total):
        lines = "；".join(
            _("%(item)s %(period)s: %(amount)s")
            % {"item": r["item"], "period": r["period"], "amount": _money(r["outstanding"])}
            for r in rows
        )
        super().__init__(
            _(
                "The unit owes %(total)s (%(lines)s). It is released only when this is paid, or when a "
                "manager overrides with a reason."
            )
            % {"total": _money(total), "lines": lines},
            code="arrears_owed",
        )
        self.rows = rows
        self.total = total


def next_moveout_number(*, estate, year: int) -> str:
    """ "LJY-BJ2026-0007": per estate and year (the estate's code keeps it unique across estates)."""
    sequence = bump_counter(MoveOutCounter, estate_id=estate.pk, year=year)
    return f"{estate.code}-BJ{year}-{sequence:04d}"


def _require_estate(actor, estate_id: int) -> None:
    """Staff act only on the estates they work for (None: the system)."""
    if actor is None:
        return
    access = access_for(actor)
    if access.all_estates:
        return
    if not access.is_staff_member or estate_id not in access.estate_ids:
        raise PermissionDenied(_("You do not work in this estate."))


def _lock(moveout: MoveOut) -> MoveOut:
    return (
        MoveOut.objects.select_for_update(of=("self",))
        .select_related("estate", "unit", "person", "occupancy", "release_pass")
        .get(pk=moveout.pk)
    )


def _check(moveout: MoveOut, action: str, actor, *, now: datetime, skip=()) -> None:
    MOVEOUT.check(moveout, action, actor, now=now, skip=skip)
    _require_estate(actor, moveout.estate_id)


def _money(amount) -> str:
    return formats.number_format(amount, 2)


# --- registering --------------------------------------------------------------------------------


def _clean_plate(value: str) -> str:
    plate = "".join((value or "").split()).upper()
    if len(plate) > 20:
        raise DomainError(_("A vehicle plate has at most 20 characters."), code="plate_too_long")
    return plate


def _check_window(*, planned_date: date, window_start: time, window_end: time, now: datetime) -> None:
    if (
        not isinstance(planned_date, date)
        or not isinstance(window_start, time)
        or not isinstance(window_end, time)
    ):
        raise DomainError(_("Enter the planned date and time window."), code="window_required")
    if window_end <= window_start:
        raise DomainError(_("The time window must end after it starts."), code="invalid_window")
    if planned_date < timezone.localdate(now):
        raise DomainError(_("The planned date has passed."), code="date_passed")


@transaction.atomic
def register_moveout(
    *,
    unit: Unit,
    person: Person,
    kind: str,
    planned_date: date,
    window_start: time,
    window_end: time,
    items: str,
    actor,
    idempotency_key: str,
    vehicle_plate: str = "",
    helpers: int = 0,
    notes: str = "",
    now: datetime | None = None,
) -> MoveOut:
    """Register a request for a unit by one of its current occupants (status requested), at the
    desk. A retry with the same idempotency key returns the first request."""
    if actor is None or not actor.has_perm(REGISTER):
        raise PermissionDenied(_("You are not allowed to register moving requests."))
    _require_estate(actor, unit.estate_id)
    return _register(
        unit=unit,
        person=person,
        kind=kind,
        planned_date=planned_date,
        window_start=window_start,
        window_end=window_end,
        items=items,
        actor=actor,
        idempotency_key=idempotency_key,
        vehicle_plate=vehicle_plate,
        helpers=helpers,
        notes=notes,
        now=now,
    )


@transaction.atomic
def request_moveout(
    *,
    user,
    unit: Unit,
    kind: str,
    planned_date: date,
    window_start: time,
    window_end: time,
    items: str,
    idempotency_key: str,
    vehicle_plate: str = "",
    helpers: int = 0,
    notes: str = "",
    now: datetime | None = None,
) -> MoveOut:
    """A resident asks from the portal, for themselves, for a unit they occupy today; the desk
    approves it like any other request."""
    today = timezone.localdate(now or timezone.now())
    occupancy = (
        Occupancy.objects.current(on=today)
        .filter(unit=unit, person__user=user)
        .select_related("person")
        .order_by("role", "pk")
        .first()
    )
    if user is None or occupancy is None:
        raise DomainError(
            _("Only a current occupant of the unit may ask to move out or move goods."), code="not_occupant"
        )
    return _register(
        unit=unit,
        person=occupancy.person,
        kind=kind,
        planned_date=planned_date,
        window_start=window_start,
        window_end=window_end,
        items=items,
        actor=user,
        idempotency_key=idempotency_key,
        vehicle_plate=vehicle_plate,
        helpers=helpers,
        notes=notes,
        now=now,
    )


def _replay(existing: MoveOut, actor) -> MoveOut:
    """The request a retry stands for; a key someone else used gives nothing of theirs away."""
    if existing.created_by_id != getattr(actor, "pk", None):
        raise DomainError(
            _("This request was already sent with other details: reload the form and send it again."),
            code="idempotency_key_reused",
        )
    return existing


def _register(
    *,
    unit: Unit,
    person: Person,
    kind: str,
    planned_date: date,
    window_start: time,
    window_end: time,
    items: str,
    actor,
    idempotency_key: str,
    vehicle_plate: str,
    helpers: int,
    notes: str,
    now: datetime | None,
) -> MoveOut:
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:64]
    if key:
        existing = MoveOut.objects.filter(estate_id=unit.estate_id, idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, actor)
    if kind not in MoveOut.Kind.values:
        raise DomainError(_("Choose move-out or moving goods."), code="invalid_kind")
    today = timezone.localdate(now)
    occupancy = (
        Occupancy.objects.current(on=today).filter(unit=unit, person=person).order_by("role", "pk").first()
    )
    if occupancy is None:
        raise DomainError(
            _("Only a current occupant of the unit may ask to move out or move goods."), code="not_occupant"
        )
    _check_window(planned_date=planned_date, window_start=window_start, window_end=window_end, now=now)
    items = (items or "").strip()
    if not items:
        raise DomainError(_("List the items to be moved."), code="items_required")
    if not 0 <= int(helpers or 0) <= MAX_HELPERS:
        raise DomainError(
            _("Helpers: between 0 and %(max)s.") % {"max": MAX_HELPERS}, code="helpers_out_of_range"
        )
    if kind == MoveOut.Kind.MOVE_OUT:
        open_one = MoveOut.objects.open().filter(occupancy=occupancy, kind=MoveOut.Kind.MOVE_OUT).first()
        if open_one is not None and key and open_one.idempotency_key == key:
            # The same request, sent twice at once: the first one committed after our key lookup.
            return _replay(open_one, actor)
        if open_one is not None:
            raise DomainError(
                _("This occupant already has an open move-out (%(number)s).") % {"number": open_one.number},
                code="moveout_open",
            )
    moveout = MoveOut(
        estate=unit.estate,
        unit=unit,
        kind=kind,
        person=person,
        occupancy=occupancy,
        planned_date=planned_date,
        window_start=window_start,
        window_end=window_end,
        items=items,
        vehicle_plate=_clean_plate(vehicle_plate),
        helpers=int(helpers or 0),
        notes=(notes or "").strip(),
        created_by=actor,
        created_at=now,
        idempotency_key=key,
    )
    try:
        with transaction.atomic():
            moveout.number = next_moveout_number(estate=unit.estate, year=today.year)
            moveout.save()
    except IntegrityError:
        # A concurrent request with the same key committed first (PostgreSQL waited for it).
        if not key:
            raise
        return _replay(MoveOut.objects.get(estate_id=unit.estate_id, idempotency_key=key), actor)
    MoveOutEvent.objects.create(
        moveout=moveout,
        action="register",
        from_status="",
        to_status=moveout.status,
        actor=actor,
        created_at=now,
    )
    return moveout


# --- approving: the release pass ----------------------------------------------------------------


def _owed_note(rows: list[dict], total) -> str:
    lines = "；".join(f"{r['item']} {r['period']}: {_money(r['outstanding'])}" for r in rows)
    return _("Owed %(total)s: %(lines)s") % {"total": _money(total), "lines": lines}


@transaction.atomic
def approve_moveout(
    *, moveout: MoveOut, actor, override_reason: str = "", note: str = "", now: datetime | None = None
) -> MoveOut:
    """Approve the request and issue its release pass for the planned day's window. A unit that
    owes money (`frontdesk.selectors.moveouts.amounts_owed`) is refused with what it owes
    (ArrearsOwed, 409), unless a manager gives `override_reason`: who, when, why and how much was
    owed are kept on the request and in the event."""
    now = now or timezone.now()
    moveout = _lock(moveout)
    # The arrears rule is settled below, where the refusal can list the bills.
    _check(moveout, "approve", actor, now=now, skip=("nothing_owed",))
    override_reason = (override_reason or "").strip()
    if override_reason and not actor.has_perm(OVERRIDE):
        raise PermissionDenied(_("Only a manager can release a unit that owes money."))
    owed = amounts_owed(moveout, now=now)
    fields: dict = {"approved_at": now, "approved_by": actor}
    notes = [(note or "").strip()]
    if owed.bills:
        rows = owed_rows(owed, today=timezone.localdate(now))
        if not override_reason:
            raise ArrearsOwed(rows=rows, total=owed.total)
        fields.update(
            arrears_override_reason=override_reason[:300],
            arrears_override_by=actor,
            arrears_override_at=now,
            arrears_owed_at_override=owed.total,
        )
        notes.append(
            _("Released with arrears by %(who)s: %(reason)s. %(owed)s")
            % {"who": actor.get_username(), "reason": override_reason, "owed": _owed_note(rows, owed.total)}
        )
    valid_from, valid_until = pass_window(moveout)
    person = moveout.person
    release_pass = residents.issue_pass(
        estate=moveout.estate,
        kind=Pass.Kind.MOVING_RELEASE,
        holder_name=person.name,
        holder_mobile=person.mobile,
        person=person,
        unit=moveout.unit,
        valid_from=valid_from,
        valid_until=valid_until,
        allowed_hours=f"{moveout.planned_date:%Y-%m-%d} {moveout.window_start:%H:%M}–{moveout.window_end:%H:%M}",
        gate_notes=gate_notes(moveout),
        source_reference=f"moveout:{moveout.pk}",
        # Issued as part of the approval, whose event names who approved.
        actor=None,
        now=now,
    )
    fields["release_pass"] = release_pass
    notes.append(_("Release pass %(number)s.") % {"number": release_pass.number})
    MOVEOUT.transition(
        moveout, "approve", actor=actor, now=now, note=" ".join(n for n in notes if n), fields=fields
    )
    return moveout


# --- completing and cancelling ------------------------------------------------------------------


def _end_occupancy(moveout: MoveOut, *, actor, today: date) -> str:
    """End the leaver's occupancy today (already ended in the archive: nothing to do) and, when
    nobody occupies the unit after today, make it vacant. Returns the timeline note."""
    notes = []
    occupancy = moveout.occupancy
    # An occupancy the archive has already ended (or set to end on a date) is left as it is.
    if occupancy.end_date is None:
        residents.end_occupancy(actor=actor, occupancy=occupancy, end_date=today)
        notes.append(
            _("Occupancy of %(name)s ended on %(date)s.") % {"name": moveout.person.name, "date": today}
        )
    still_there = (
        Occupancy.objects.filter(unit=moveout.unit)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .exists()
    )
    unit = moveout.unit
    if not still_there and unit.state in LIVED_IN:
        residents.set_unit_state(unit=unit, state=Unit.State.VACANT, actor=actor)
        notes.append(_("Nobody lives in the unit any more: it is vacant."))
    return " ".join(str(n) for n in notes)


@transaction.atomic
def complete_moveout(*, moveout: MoveOut, actor, note: str = "", now: datetime | None = None) -> MoveOut:
    """The move is done. A move-out ends the leaver's occupancy (and, when the unit is left empty,
    makes it vacant); the release pass is revoked so it cannot be used again."""
    now = now or timezone.now()
    moveout = _lock(moveout)
    _check(moveout, "complete", actor, now=now)
    notes = [(note or "").strip()]
    if moveout.kind == MoveOut.Kind.MOVE_OUT:
        notes.append(_end_occupancy(moveout, actor=actor, today=timezone.localdate(now)))
    if moveout.release_pass_id:
        residents.revoke_pass(
            pass_=moveout.release_pass, actor=None, reason=_("The move is completed."), now=now
        )
    MOVEOUT.transition(
        moveout,
        "complete",
        actor=actor,
        now=now,
        note=" ".join(n for n in notes if n),
        fields={"completed_at": now},
    )
    return moveout


@transaction.atomic
def cancel_moveout(*, moveout: MoveOut, actor, reason: str, now: datetime | None = None) -> MoveOut:
    """Cancel a request still open; its release pass, if issued, no longer opens the gate."""
    now = now or timezone.now()
    moveout = _lock(moveout)
    _check(moveout, "cancel", actor, now=now)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason; it is kept with the request."), code="reason_required")
    if moveout.release_pass_id:
        residents.revoke_pass(
            pass_=moveout.release_pass,
            actor=None,
            reason=_("Request cancelled: %(reason)s") % {"reason": reason},
            now=now,
        )
    MOVEOUT.transition(
        moveout,
        "cancel",
        actor=actor,
        now=now,
        note=reason,
        fields={"cancelled_at": now, "cancel_reason": reason[:300]},
    )
    return moveout
