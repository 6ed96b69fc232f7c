"""Household requests (issue #14): an owner asks the service centre to add a family member or a
tenant; the desk approves (the person and the occupancy are created through the archive's own
services) or rejects with a reason. Someone already living in the unit, or already asked for and
still waiting, is refused with a clear message."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from residents import services
from residents.models import HouseholdRequest, HouseholdRequestEvent, Occupancy, Person, Unit
from residents.workflows import HOUSEHOLD_REQUEST
from servicecenter.crypto import decrypt_text, keyed_hash
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from servicecenter.validators import (
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)


class DuplicateHouseholdMember(DomainError):
    status_code = 409


def may_ask(*, actor, unit: Unit) -> bool:
    """Only an owner of the unit today asks; a tenant or household member sees what the owner
    grants and adds nobody."""
    if access_for(actor).is_staff_member:
        return False
    return (
        Occupancy.objects.current().filter(unit=unit, person__user=actor, role=Occupancy.Role.OWNER).exists()
    )


def _already_lives_there(*, unit: Unit, id_hash: str) -> bool:
    return Occupancy.objects.current().filter(unit=unit, person__id_number_hash=id_hash).exists()


def _duplicate_refusal() -> DuplicateHouseholdMember:
    return DuplicateHouseholdMember(
        _("This person already lives in the unit or has already been asked for."), code="duplicate_member"
    )


def _clean(*, name: str, role: str, mobile: str, id_number: str, move_in_date: date | None) -> dict:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter the person's name.")]
    if role not in HouseholdRequest.ROLES:
        errors["role"] = [_("Choose household member or tenant.")]
    mobile = normalize_mobile(mobile or "")
    if mobile:
        try:
            validate_mobile(mobile)
        except ValidationError as exc:
            errors["mobile"] = exc.messages
    number = normalize_id_number(id_number)
    try:
        validate_id_number(number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    if move_in_date is None:
        errors["move_in_date"] = [_("Enter the move-in date.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name[:100], "role": role, "mobile": mobile, "id_number": number}


@transaction.atomic
def request_household_member(
    *,
    actor,
    unit: Unit,
    name: str,
    role: str,
    id_number: str,
    move_in_date: date | None,
    mobile: str = "",
    idempotency_key: str = "",
    now: datetime | None = None,
) -> HouseholdRequest:
    """An owner asks to add someone to the unit. Bad fields raise ValidationError keyed by field;
    a person who lives there already or is already asked for raises DuplicateHouseholdMember. A
    retry with the same idempotency key returns the first request."""
    now = now or timezone.now()
    if not may_ask(actor=actor, unit=unit):
        raise PermissionDenied(_("Only the unit's owner can ask to add a household member or a tenant."))
    key = (idempotency_key or "").strip()[:64]
    if key:
        earlier = HouseholdRequest.objects.filter(unit=unit, idempotency_key=key).first()
        if earlier is not None:
            return earlier
    cleaned = _clean(name=name, role=role, mobile=mobile, id_number=id_number, move_in_date=move_in_date)
    id_hash = keyed_hash(cleaned["id_number"])
    # The unit is locked so that two submissions for the same person cannot both pass the checks.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    if _already_lives_there(unit=unit, id_hash=id_hash):
        raise _duplicate_refusal()
    if HouseholdRequest.objects.pending().filter(unit=unit, id_number_hash=id_hash).exists():
        raise _duplicate_refusal()
    request = HouseholdRequest(
        estate_id=unit.estate_id,
        unit=unit,
        name=cleaned["name"],
        role=cleaned["role"],
        mobile=cleaned["mobile"],
        move_in_date=move_in_date,
        requested_by=actor,
        requested_at=now,
        idempotency_key=key,
    )
    request.set_id_number(cleaned["id_number"])
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise _duplicate_refusal() from None
    HouseholdRequestEvent.objects.create(
        request=request,
        action="request",
        from_status="",
        to_status=request.status,
        actor=actor,
        created_at=now,
    )
    return request


def _lock(request: HouseholdRequest) -> HouseholdRequest:
    return HouseholdRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)


def _require_estate(actor, request: HouseholdRequest) -> None:
    if not HouseholdRequest.objects.visible_to(actor).filter(pk=request.pk).exists():
        raise PermissionDenied(_("This request is not in your estates."))


@transaction.atomic
def approve_household_request(
    *, request: HouseholdRequest, actor, now: datetime | None = None
) -> HouseholdRequest:
    """Verified by the desk: the person (found in the estate's archive by ID number, or created)
    becomes an occupant of the unit from the move-in date."""
    now = now or timezone.now()
    request = _lock(request)
    HOUSEHOLD_REQUEST.check(request, "approve", actor, now=now)
    _require_estate(actor, request)
    unit = request.unit
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    if _already_lives_there(unit=unit, id_hash=request.id_number_hash):
        raise _duplicate_refusal()
    person = Person.objects.filter(estate_id=request.estate_id, id_number_hash=request.id_number_hash).first()
    try:
        if person is None:
            person = services.create_person(
                actor=actor,
                estate=unit.estate,
                name=request.name,
                id_number=decrypt_text(request.id_number_ciphertext),
                mobile=request.mobile,
            )
        occupancy = services.add_occupancy(
            actor=actor, unit=unit, person=person, role=request.role, start_date=request.move_in_date
        )
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="archive_refused") from None
    HOUSEHOLD_REQUEST.transition(
        request,
        "approve",
        actor=actor,
        note=person.name,
        now=now,
        fields={"occupancy": occupancy, "decided_by": actor, "decided_at": now},
    )
    return request


@transaction.atomic
def reject_household_request(
    *, request: HouseholdRequest, actor, reason: str, now: datetime | None = None
) -> HouseholdRequest:
    """Refused with a reason the owner sees in the portal."""
    now = now or timezone.now()
    request = _lock(request)
    HOUSEHOLD_REQUEST.check(request, "reject", actor, now=now)
    _require_estate(actor, request)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason; the owner sees it."), code="reason_required")
    HOUSEHOLD_REQUEST.transition(
        request,
        "reject",
        actor=actor,
        note=reason,
        now=now,
        fields={"reject_reason": reason[:300], "decided_by": actor, "decided_at": now},
    )
    return request
