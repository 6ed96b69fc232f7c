"""Scheduling a move-in, the owner's checklist, the keys, cancellation and the rating."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moveins.models import ChecklistItem, ChecklistItemTemplate, HandedKey, MoveIn, MoveInCounter
from moveins.services._common import (
    MoveInStatus,
    check,
    lock,
    now_or,
    require_estate,
    require_perm,
    require_reason,
    transition,
    write_event,
)
from moveins.services.charges import require_settled
from residents import services as residents
from residents.models import ArchiveDocument, Occupancy, Person, Unit
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from servicecenter.sequences import bump_counter

PERM = "moveins."
# A move-in hands over a unit that nobody has taken over yet: sold (vacant) or, when the archive
# was not updated at the sale, still unsold.
NOT_HANDED_OVER = (Unit.State.UNSOLD, Unit.State.VACANT)
# Which archive kind a signed paper is filed under, by what its checklist line is called.
_DOCUMENT_KINDS = (
    ("规约", ArchiveDocument.Kind.COVENANT),
    ("装修", ArchiveDocument.Kind.RENOVATION),
    ("验收", ArchiveDocument.Kind.INSPECTION),
    ("入伙通知", ArchiveDocument.Kind.MOVE_IN_NOTICE),
)
MAX_KEY_KINDS = 20


def next_move_in_number(*, estate, year: int) -> str:
    """ "LJY-RH2026-0007": per estate and year (the estate's code keeps it unique across estates)."""
    sequence = bump_counter(MoveInCounter, estate_id=estate.pk, year=year)
    return f"{estate.code}-RH{year}-{sequence:04d}"


def _book_slot(*, actor, move_in: MoveIn, slot, now: datetime) -> MoveIn:
    # The slot's seats are mbatch's (`moveins.services.batches.book_slot` locks the slot row).
    from moveins.services.batches import book_slot

    return book_slot(actor=actor, move_in=move_in, slot=slot, now=now)


@transaction.atomic
def schedule_move_in(
    *,
    actor,
    unit: Unit,
    owner: Person,
    scheduled_for: datetime | None = None,
    batch=None,
    slot=None,
    notes: str = "",
    idempotency_key: str,
    now: datetime | None = None,
) -> MoveIn:
    """Register an owner's move-in of a unit not yet handed over, with the estate's checklist
    copied (a later change of the template does not touch it). One open move-in per unit; a
    retried request with the same idempotency key returns the first move-in. A slot given is
    booked (`book_slot`: its capacity is kept under concurrency)."""
    now = now_or(now)
    require_perm(actor, f"{PERM}handle_movein", _("You are not allowed to register move-ins."))
    require_estate(actor, unit.estate_id)
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise DomainError(
            _("This request has no idempotency key. Reload the form and submit it again."),
            code="idempotency_key_required",
        )
    earlier = MoveIn.objects.filter(estate_id=unit.estate_id, idempotency_key=key).first()
    if earlier is not None:
        return earlier
    unit = Unit.objects.select_for_update().select_related("estate").get(pk=unit.pk)
    if owner.estate_id != unit.estate_id:
        raise DomainError(_("The owner must be a person of the unit's estate."), code="owner_estate")
    if unit.state not in NOT_HANDED_OVER:
        raise DomainError(
            _("This unit has already been handed over (%(state)s).") % {"state": unit.get_state_display()},
            code="unit_handed_over",
        )
    open_one = MoveIn.objects.open().filter(unit=unit).first()
    if open_one is not None:
        raise DomainError(
            _("This unit already has an open move-in (%(number)s).") % {"number": open_one.number},
            code="open_move_in_exists",
        )
    if batch is not None and batch.estate_id != unit.estate_id:
        raise DomainError(_("The batch belongs to another estate."), code="batch_estate")
    move_in = MoveIn(
        estate=unit.estate,
        unit=unit,
        owner=owner,
        status=MoveInStatus.SCHEDULED,
        batch=batch,
        scheduled_for=scheduled_for,
        notes=(notes or "").strip(),
        created_by=actor,
        created_at=now,
        idempotency_key=key,
    )
    try:
        with transaction.atomic():
            move_in.number = next_move_in_number(estate=unit.estate, year=timezone.localdate(now).year)
            move_in.save()
    except IntegrityError:
        # A concurrent request with the same key committed first (PostgreSQL waited for it), or
        # another open move-in of the unit did.
        earlier = MoveIn.objects.filter(estate_id=unit.estate_id, idempotency_key=key).first()
        if earlier is not None:
            return earlier
        raise DomainError(_("This unit already has an open move-in."), code="open_move_in_exists") from None
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            move_in=move_in,
            template=template,
            section=template.section,
            name=template.name,
            is_id_check=template.is_id_check,
            needs_signed_copy=template.needs_signed_copy,
            is_required=template.is_required,
            sort_order=template.sort_order,
        )
        for template in ChecklistItemTemplate.objects.filter(estate_id=unit.estate_id, is_active=True)
    )
    write_event(move_in, action="schedule", actor=actor, now=now)
    if slot is not None:
        move_in = _book_slot(actor=actor, move_in=move_in, slot=slot, now=now)
    return move_in


@transaction.atomic
def start_move_in(*, move_in: MoveIn, actor, note: str = "", now: datetime | None = None) -> MoveIn:
    """The owner arrived at the desk: the checklist is worked from now."""
    now = now_or(now)
    move_in = lock(move_in)
    check(move_in, "start", actor, now=now)
    transition(move_in, "start", actor=actor, now=now, note=note, fields={"started_at": now})
    return move_in


def _document_kind(name: str) -> str:
    for word, kind in _DOCUMENT_KINDS:
        if word in name:
            return kind
    return ArchiveDocument.Kind.OTHER


def complete_checklist_item(
    *,
    item: ChecklistItem,
    actor,
    note: str = "",
    id_number: str = "",
    signed_copy=None,
    now: datetime | None = None,
) -> ChecklistItem:
    """Tick a checklist line while the documents are worked. The owner's ID line checks the
    number presented against the archive (`verify_person_id_number`: rate-limited and logged);
    a signed paper's scan is stored as the archive's private document of the unit. A line
    already done is returned as it is (a double submit)."""
    now = now_or(now)
    require_perm(actor, f"{PERM}handle_movein", _("You are not allowed to work move-in checklists."))
    item = ChecklistItem.objects.select_related("move_in").get(pk=item.pk)
    move_in = item.move_in
    require_estate(actor, move_in.estate_id)
    if item.done_at is not None:
        return item
    _require_documents_stage(move_in)
    if item.is_id_check:
        # Outside the transaction below: the archive's access log keeps a failed check even though
        # the line is then refused.
        _check_owner_id(move_in=move_in, actor=actor, id_number=id_number, now=now)
    return _complete_item(item=item, actor=actor, note=note, signed_copy=signed_copy, now=now)


def _require_documents_stage(move_in: MoveIn) -> None:
    if move_in.status != MoveInStatus.DOCUMENTS:
        raise DomainError(
            _("The checklist is worked after the owner has arrived and before the charges."),
            code="checklist_closed",
        )


def _check_owner_id(*, move_in: MoveIn, actor, id_number: str, now: datetime) -> None:
    id_number = (id_number or "").strip()
    if not id_number:
        raise DomainError(_("Enter the ID number on the owner's card."), code="id_number_required")
    owner = Person.objects.get(pk=move_in.owner_id)
    if not owner.id_number_hash:
        raise DomainError(
            _("The owner's ID number is not in the archive; add it to the owner's record first."),
            code="owner_id_missing",
        )
    if not residents.verify_person_id_number(actor=actor, person=owner, presented=id_number, now=now):
        raise DomainError(
            _("The ID number does not match the owner's ID number in the archive."),
            code="id_number_mismatch",
        )


@transaction.atomic
def _complete_item(*, item: ChecklistItem, actor, note: str, signed_copy, now: datetime) -> ChecklistItem:
    # Checked again under the lock: a concurrent submit may have ticked the line or moved the
    # move-in on meanwhile.
    move_in = lock(item.move_in)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk, move_in=move_in)
    if item.done_at is not None:
        return item
    _require_documents_stage(move_in)
    fields = ["done_at", "done_by", "note"]
    if item.needs_signed_copy:
        if signed_copy is None:
            raise DomainError(_("Upload the scan of the signed copy."), code="signed_copy_required")
        try:
            item.document = residents.upload_document(
                actor=actor,
                uploaded=signed_copy,
                title=f"{item.name} {move_in.number}",
                kind=_document_kind(item.name),
                unit=move_in.unit,
            )
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="invalid_upload") from None
        fields.append("document")
    item.done_at = now
    item.done_by = actor
    item.note = (note or "").strip()[:300]
    item.save(update_fields=fields)
    write_event(move_in, action="checklist", actor=actor, now=now, note=item.name)
    return item


def _clean_keys(keys) -> list[tuple[str, int]]:
    cleaned = []
    for kind, count in keys or ():
        kind = (str(kind) if kind is not None else "").strip()[:50]
        try:
            count = int(count)
        except (TypeError, ValueError):
            count = 0
        if not kind or count < 1 or count > 999:
            raise DomainError(
                _("Give each key's name and how many (1 or more) were handed over."), code="invalid_keys"
            )
        cleaned.append((kind, count))
    if not cleaned:
        raise DomainError(_("List the keys handed over."), code="keys_required")
    if len(cleaned) > MAX_KEY_KINDS:
        raise DomainError(_("Too many kinds of keys."), code="invalid_keys")
    return cleaned


@transaction.atomic
def hand_over_keys(
    *,
    move_in: MoveIn,
    actor,
    keys: list[tuple[str, int]],
    signed_by: str,
    note: str = "",
    now: datetime | None = None,
) -> MoveIn:
    """The key sign-off (钥匙签收): what keys were handed over and who signed for them. The unit
    is handed over in the archive (billing's vacant-unit discount stops applying from the next
    bills), and the owner becomes its occupant (role owner) unless already."""
    now = now_or(now)
    move_in = lock(move_in)
    check(move_in, "hand_over_keys", actor, now=now, skip=("charges_settled",))
    require_settled(move_in)
    cleaned = _clean_keys(keys)
    signed_by = (signed_by or "").strip()[:100]
    if not signed_by:
        raise DomainError(_("Enter who signed for the keys."), code="signed_by_required")
    HandedKey.objects.bulk_create(
        HandedKey(move_in=move_in, kind=kind, count=count) for kind, count in cleaned
    )
    unit = move_in.unit
    if unit.state in NOT_HANDED_OVER:
        residents.set_unit_state(unit=unit, state=Unit.State.HANDED_OVER, actor=actor, now=now)
    today = timezone.localdate(now)
    is_occupant = (
        Occupancy.objects.current(today)
        .filter(unit=unit, person_id=move_in.owner_id, role=Occupancy.Role.OWNER)
        .exists()
    )
    if not is_occupant:
        residents.add_occupancy(
            actor=actor, unit=unit, person=move_in.owner, role=Occupancy.Role.OWNER, start_date=today
        )
    transition(
        move_in,
        "hand_over_keys",
        actor=actor,
        now=now,
        note=note,
        fields={
            "keys_handed_at": now,
            "keys_handed_by": actor,
            "keys_signed_by": signed_by,
            "completed_at": now,
        },
    )
    return move_in


@transaction.atomic
def cancel_move_in(*, move_in: MoveIn, actor, reason: str, now: datetime | None = None) -> MoveIn:
    """A manager cancels an open move-in (the reason is kept). Its slot seat is free again: a
    slot counts only open move-ins. Bills already issued stay with billing (void them there)."""
    now = now_or(now)
    move_in = lock(move_in)
    check(move_in, "cancel", actor, now=now)
    reason = require_reason(reason)
    transition(move_in, "cancel", actor=actor, now=now, note=reason, fields={"cancelled_at": now})
    return move_in


def _is_owner_of(actor, move_in: MoveIn) -> bool:
    return Person.objects.filter(pk=move_in.owner_id, user=actor).exists()


@transaction.atomic
def rate_handover(
    *, move_in: MoveIn, actor, score: int, comment: str = "", now: datetime | None = None
) -> MoveIn:
    """The owner's rating of the handover (业主接房满意率), 1–5, from the portal (the owner
    only) or entered at the desk; a new rating replaces the first."""
    now = now_or(now)
    move_in = lock(move_in)
    access = access_for(actor)
    if not _is_owner_of(actor, move_in):
        if not access.is_staff_member or not actor.has_perm(f"{PERM}handle_movein"):
            raise PermissionDenied(_("Only the owner, or the desk for them, can rate the handover."))
        require_estate(actor, move_in.estate_id)
    if move_in.status != MoveInStatus.COMPLETED:
        raise DomainError(_("The handover can be rated once the keys are handed over."), code="not_completed")
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise DomainError(_("Choose a score from 1 to 5."), code="invalid_score")
    move_in.satisfaction = score
    move_in.satisfaction_comment = (comment or "").strip()[:500]
    move_in.satisfaction_at = now
    move_in.save(update_fields=["satisfaction", "satisfaction_comment", "satisfaction_at"])
    write_event(move_in, action="rate", actor=actor, now=now, note=f"{score}/5")
    return move_in
