"""Bulk move-in (集中入伙): batches, their appointment slots and booking a move-in into a slot;
the manager's spot checks of move-in records and the monthly reminder when too few were done.

A slot holds at most `capacity` open move-ins. `book_slot` locks the slot row before counting, so
two desks booking the last seat at the same moment cannot both succeed (PostgreSQL row lock; the
second waits, then counts the first).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from moveins.models import MoveIn, MoveInBatch, MoveInEvent, MoveInSlot, SpotCheck, SpotCheckReminder
from residents.models import Estate, Person
from servicecenter.exceptions import DomainError
from servicecenter.periods import add_months, month_bounds, month_start
from servicecenter.roles import MANAGER
from servicecenter.scoping import access_for
from staff.selectors import staff_users_of_estate
from staff.services import notify

MANAGE_BATCHES = "moveins.manage_movein_batches"
HANDLE = "moveins.handle_movein"
SPOT_CHECK = "moveins.spot_check_movein"

# Spot checks of move-in records the manager owes per estate and month (DOMAIN.md).
SPOT_CHECKS_DURING_BATCH = 4
SPOT_CHECKS_OTHERWISE = 1
# From this day of the month the manager is reminded if fewer checks were done than required:
# ten days are left to catch up.
SPOT_CHECK_REMINDER_DAY = 20
# The shortest appointment a batch offers; anything shorter is a typing mistake.
MIN_SLOT_MINUTES = 5
MAX_SLOTS_PER_DAY = 96


class SlotFull(DomainError):
    """The slot has no free seat: a conflict with the bookings already made (409 in the API)."""

    status_code = 409


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _require_perm(actor, perms: Iterable[str], message: str) -> None:
    """`actor` None is the system (a task, a data migration)."""
    if actor is None:
        return
    if not any(actor.has_perm(perm) for perm in perms):
        raise PermissionDenied(message)


def _require_estate(actor, estate_id: int) -> None:
    if actor is None:
        return
    access = access_for(actor)
    if access.all_estates:
        return
    if not access.is_staff_member or estate_id not in access.estate_ids:
        raise PermissionDenied(_("You do not work in this estate."))


def _write_event(move_in: MoveIn, *, action: str, actor, now: datetime, note: str = "") -> MoveInEvent:
    """A line of the move-in's timeline that is not a change of state."""
    return MoveInEvent.objects.create(
        move_in=move_in,
        action=action,
        from_status=move_in.status,
        to_status=move_in.status,
        actor=actor,
        note=note,
        created_at=now,
    )


# --- batches and slots --------------------------------------------------------------------------


@transaction.atomic
def create_batch(
    *,
    actor,
    estate: Estate,
    name: str,
    starts_on: date,
    ends_on: date,
    buildings: Iterable = (),
    notes: str = "",
) -> MoveInBatch:
    """A bulk move-in of the estate over [starts_on, ends_on], for some of its buildings (none
    named: the whole estate)."""
    _require_perm(actor, [MANAGE_BATCHES], _("Only a manager can set up move-in batches."))
    _require_estate(actor, estate.pk)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the batch a name."), code="name_required")
    if starts_on is None or ends_on is None:
        raise DomainError(_("Enter the batch's first and last day."), code="period_required")
    if ends_on < starts_on:
        raise DomainError(_("The last day cannot be before the first day."), code="invalid_period")
    buildings = list(buildings)
    if any(building.estate_id != estate.pk for building in buildings):
        raise DomainError(_("Every building must be in the batch's estate."), code="building_other_estate")
    batch = MoveInBatch.objects.create(
        estate=estate,
        name=name[:100],
        starts_on=starts_on,
        ends_on=ends_on,
        notes=(notes or "").strip(),
        created_by=actor,
    )
    if buildings:
        batch.buildings.set(buildings)
    return batch


def _check_slot(batch: MoveInBatch, starts_at: datetime, ends_at: datetime, capacity: int) -> None:
    if capacity is None or capacity < 1:
        raise DomainError(_("A slot takes at least one move-in."), code="invalid_capacity")
    if ends_at <= starts_at:
        raise DomainError(_("A slot must end after it starts."), code="invalid_slot_period")
    first, last = timezone.localdate(starts_at), timezone.localdate(ends_at - timedelta(microseconds=1))
    if first < batch.starts_on or last > batch.ends_on:
        raise DomainError(
            _("The slot must lie within the batch (%(first)s to %(last)s).")
            % {"first": batch.starts_on.isoformat(), "last": batch.ends_on.isoformat()},
            code="slot_outside_batch",
        )


def _refuse_overlaps(batch: MoveInBatch, periods: list[tuple[datetime, datetime]]) -> None:
    """Slots of a batch do not overlap: an owner booked at 9:00 has one appointment, not two."""
    if not periods:
        return
    first = min(start for start, _end in periods)
    last = max(end for _start, end in periods)
    existing = list(
        MoveInSlot.objects.filter(batch=batch, starts_at__lt=last, ends_at__gt=first).values_list(
            "starts_at", "ends_at"
        )
    )
    for start, end in periods:
        for other_start, other_end in existing:
            if start < other_end and other_start < end:
                raise DomainError(
                    _("The batch already has a slot at %(time)s.")
                    % {"time": f"{timezone.localtime(other_start):%Y-%m-%d %H:%M}"},
                    code="slot_overlap",
                )


def _lock_batch(batch: MoveInBatch) -> MoveInBatch:
    # Two managers adding slots at once would each miss the other's overlap: one at a time.
    return MoveInBatch.objects.select_for_update().get(pk=batch.pk)


@transaction.atomic
def create_slot(
    *, actor, batch: MoveInBatch, starts_at: datetime, ends_at: datetime, capacity: int
) -> MoveInSlot:
    """One appointment slot of the batch."""
    _require_perm(actor, [MANAGE_BATCHES], _("Only a manager can set up move-in batches."))
    _require_estate(actor, batch.estate_id)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise DomainError(_("Enter a date and time."), code="invalid_slot_period")
    batch = _lock_batch(batch)
    _check_slot(batch, starts_at, ends_at, capacity)
    _refuse_overlaps(batch, [(starts_at, ends_at)])
    return MoveInSlot.objects.create(batch=batch, starts_at=starts_at, ends_at=ends_at, capacity=capacity)


@transaction.atomic
def add_slots(
    *, actor, batch: MoveInBatch, day: date, start: time, end: time, minutes: int, capacity: int
) -> list[MoveInSlot]:
    """A day's slots: from `start`, one every `minutes`, the last ending by `end` (local time),
    each for `capacity` move-ins. Nothing is created if any of them would overlap a slot the
    batch already has."""
    _require_perm(actor, [MANAGE_BATCHES], _("Only a manager can set up move-in batches."))
    _require_estate(actor, batch.estate_id)
    if not minutes or minutes < MIN_SLOT_MINUTES:
        raise DomainError(
            _("A slot lasts at least %(minutes)s minutes.") % {"minutes": MIN_SLOT_MINUTES},
            code="invalid_slot_length",
        )
    if day is None or start is None or end is None or end <= start:
        raise DomainError(
            _("The day's last slot must end after the first one starts."), code="invalid_slot_period"
        )
    tz = timezone.get_current_timezone()
    opening = timezone.make_aware(datetime.combine(day, start), tz)
    closing = timezone.make_aware(datetime.combine(day, end), tz)
    step = timedelta(minutes=minutes)
    periods = []
    slot_start = opening
    while slot_start + step <= closing:
        periods.append((slot_start, slot_start + step))
        slot_start += step
    if not periods:
        raise DomainError(_("No slot fits between these times."), code="invalid_slot_period")
    if len(periods) > MAX_SLOTS_PER_DAY:
        raise DomainError(_("Too many slots for one day; make them longer."), code="too_many_slots")
    batch = _lock_batch(batch)
    for slot_start, slot_end in periods:
        _check_slot(batch, slot_start, slot_end, capacity)
    _refuse_overlaps(batch, periods)
    return MoveInSlot.objects.bulk_create(
        [MoveInSlot(batch=batch, starts_at=s, ends_at=e, capacity=capacity) for s, e in periods]
    )


# --- booking ------------------------------------------------------------------------------------


def _lock_move_in(move_in: MoveIn) -> MoveIn:
    return MoveIn.objects.select_for_update(of=("self",)).select_related("unit").get(pk=move_in.pk)


def _is_owner_of(actor, move_in: MoveIn) -> bool:
    """The move-in's own owner, booking from the portal (no desk permission needed)."""
    return actor is not None and Person.objects.filter(pk=move_in.owner_id, user=actor).exists()


def _require_booker(actor, move_in: MoveIn) -> None:
    if _is_owner_of(actor, move_in):
        return
    _require_perm(actor, [HANDLE, MANAGE_BATCHES], _("You are not allowed to book move-in appointments."))
    _require_estate(actor, move_in.estate_id)


def booked_count(slot: MoveInSlot) -> int:
    """Seats taken: the open move-ins booked into the slot (a cancelled one frees its seat)."""
    return MoveIn.objects.filter(slot=slot, status__in=MoveIn.OPEN).count()


@transaction.atomic
def book_slot(*, actor, move_in: MoveIn, slot: MoveInSlot, now: datetime | None = None) -> MoveIn:
    """Book a scheduled move-in into a slot of a batch of its estate (moving it from another slot
    if it had one): by the desk, or by the owner in the portal. The slot's row is locked while its seats are counted, so concurrent bookings
    never exceed the capacity: a full slot raises `SlotFull` (code `slot_full`)."""
    now = _now(now)
    _require_booker(actor, move_in)
    slot = MoveInSlot.objects.select_for_update(of=("self",)).select_related("batch").get(pk=slot.pk)
    move_in = _lock_move_in(move_in)
    batch = slot.batch
    if batch.estate_id != move_in.estate_id:
        raise DomainError(_("This slot belongs to another estate's batch."), code="slot_other_estate")
    if move_in.batch_id is not None and move_in.batch_id != batch.pk:
        raise DomainError(_("This move-in belongs to another batch."), code="slot_other_batch")
    if move_in.status != MoveIn.Status.SCHEDULED:
        raise DomainError(
            _("Only a move-in still waiting for the owner can be booked into a slot."), code="move_in_started"
        )
    if move_in.slot_id == slot.pk:
        return move_in
    if slot.starts_at <= now:
        raise DomainError(_("This slot has already begun; choose a later one."), code="slot_past")
    building_ids = set(batch.buildings.values_list("pk", flat=True))
    if building_ids and move_in.unit.building_id not in building_ids:
        raise DomainError(_("The unit's building is not part of this batch."), code="building_not_in_batch")
    if (
        MoveIn.objects.filter(slot=slot, status__in=MoveIn.OPEN).exclude(pk=move_in.pk).count()
        >= slot.capacity
    ):
        raise SlotFull(
            _("The slot at %(time)s is full (%(capacity)s move-ins); choose another one.")
            % {"time": f"{timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}", "capacity": slot.capacity},
            code="slot_full",
        )
    move_in.batch = batch
    move_in.slot = slot
    move_in.scheduled_for = slot.starts_at
    move_in.save(update_fields=["batch", "slot", "scheduled_for"])
    _write_event(
        move_in,
        action="book_slot",
        actor=actor,
        now=now,
        note=_("Appointment booked: %(time)s")
        % {"time": f"{timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}"},
    )
    return move_in


@transaction.atomic
def cancel_booking(*, actor, move_in: MoveIn, now: datetime | None = None) -> MoveIn:
    """Free the move-in's seat in its slot (it stays in its batch, to be booked again): by the
    desk, or by the owner in the portal."""
    now = _now(now)
    _require_booker(actor, move_in)
    move_in = _lock_move_in(move_in)
    if move_in.slot_id is None:
        raise DomainError(_("This move-in has no booked slot."), code="not_booked")
    if move_in.status != MoveIn.Status.SCHEDULED:
        raise DomainError(
            _("The owner has already come; the appointment cannot be cancelled."), code="move_in_started"
        )
    move_in.slot = None
    move_in.scheduled_for = None
    move_in.save(update_fields=["slot", "scheduled_for"])
    _write_event(move_in, action="cancel_booking", actor=actor, now=now, note=_("Appointment cancelled."))
    return move_in


# --- spot checks --------------------------------------------------------------------------------


@transaction.atomic
def record_spot_check(
    *, actor, move_in: MoveIn, result: str, findings: str = "", now: datetime | None = None
) -> SpotCheck:
    """The manager's check of one move-in record (抽查): in order, or findings to follow up
    (then the findings are required)."""
    now = _now(now)
    if actor is None or not actor.has_perm(SPOT_CHECK):
        raise PermissionDenied(_("Only a manager can spot-check move-in records."))
    _require_estate(actor, move_in.estate_id)
    if result not in SpotCheck.Result.values:
        raise DomainError(_("Record the check as in order or with findings."), code="invalid_result")
    findings = (findings or "").strip()
    if result == SpotCheck.Result.FINDINGS and not findings:
        raise DomainError(_("Describe the findings to follow up."), code="findings_required")
    if move_in.status == MoveIn.Status.SCHEDULED:
        raise DomainError(
            _("This move-in has no records yet: the owner has not come."), code="nothing_to_check"
        )
    return SpotCheck.objects.create(
        estate_id=move_in.estate_id,
        move_in=move_in,
        result=result,
        findings=findings,
        checked_by=actor,
        checked_at=now,
    )


def required_spot_checks(*, estate_id: int, month: date) -> int:
    """4 in a month when a batch of the estate runs on any day of it, 1 otherwise."""
    month = month_start(month)
    last = add_months(month, 1) - timedelta(days=1)
    running = MoveInBatch.objects.filter(
        estate_id=estate_id, starts_on__lte=last, ends_on__gte=month
    ).exists()
    return SPOT_CHECKS_DURING_BATCH if running else SPOT_CHECKS_OTHERWISE


def spot_checks_done(*, estate_id: int, month: date) -> int:
    start, end = month_bounds(month)
    return SpotCheck.objects.filter(estate_id=estate_id, checked_at__gte=start, checked_at__lt=end).count()


def remind_spot_checks(*, now: datetime | None = None) -> int:
    """From the reminder day of the month on, tell each estate's managers when fewer spot checks
    were done this month than required (`required_spot_checks`). Once per estate and month (a
    `SpotCheckReminder` row, unique): safe to run any number of times. Estates with no move-in
    record at all have nothing to check and are skipped. Returns the estates reminded."""
    now = _now(now)
    today = timezone.localdate(now)
    if today.day < SPOT_CHECK_REMINDER_DAY:
        return 0
    month = month_start(today)
    estates = (
        Estate.objects.filter(move_ins__isnull=False)
        .exclude(pk__in=SpotCheckReminder.objects.filter(month=month).values("estate_id"))
        .distinct()
        .order_by("pk")
    )
    reminded = 0
    for estate in estates:
        required = required_spot_checks(estate_id=estate.pk, month=month)
        done = spot_checks_done(estate_id=estate.pk, month=month)
        if done >= required:
            continue
        try:
            with transaction.atomic():
                SpotCheckReminder.objects.create(estate=estate, month=month, required=required, sent_at=now)
                notify(
                    recipients=list(staff_users_of_estate(estate=estate, role=MANAGER)),
                    kind="movein_spot_checks_due",
                    title=_("Move-in spot checks: %(done)s of %(required)s done this month")
                    % {"done": done, "required": required},
                    body=_("Spot-check %(missing)s more move-in records of %(estate)s before the month ends.")
                    % {"missing": required - done, "estate": estate.name},
                    url=reverse("moveins:spot_checks"),
                    estate=estate,
                    dedupe_key=f"movein-spot-checks:{estate.pk}:{month:%Y-%m}",
                    now=now,
                )
        except IntegrityError:
            continue  # a concurrent run reminded this estate already
        reminded += 1
    return reminded
