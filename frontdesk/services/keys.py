"""Key custody (钥匙托管): take keys in, hand them out to a named person after an ID check, take
them back, return them to the owner. Every change of state goes through `KEY_CUSTODY` (one event
row) and every hand-out or return is a signed movement row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from frontdesk.models import KeyCollector, KeyCustody, KeyCustodyEvent, KeyMovement
from frontdesk.services._common import now_or, require_estate, require_perm
from frontdesk.workflows import KEY_CUSTODY, MANAGE_KEYS
from residents.models import Occupancy, Person, Unit
from residents.services import verify_person_id_number
from servicecenter.crypto import keyed_hash
from servicecenter.exceptions import DomainError
from servicecenter.validators import (
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

MAX_COLLECTORS = 5


class NotNamedForKeys(DomainError):
    """The person at the desk is not one the owner named for these keys: a conflict with the
    custody as recorded, not bad input."""

    status_code = 409


@dataclass(frozen=True)
class CollectorInput:
    name: str
    phone: str
    id_number: str = ""
    person: Person | None = None


def _clean_collector(collector: CollectorInput, *, estate_id: int) -> CollectorInput:
    name = (collector.name or "").strip()
    if not name:
        raise DomainError(
            _("Enter the name of each person who may collect the keys."), code="collector_name_required"
        )
    phone = normalize_mobile(collector.phone)
    try:
        validate_mobile(phone)
    except ValidationError as exc:
        raise DomainError(
            _("%(name)s: %(error)s") % {"name": name, "error": exc.messages[0]},
            code="collector_phone_invalid",
        ) from None
    person = collector.person
    if person is not None and person.estate_id != estate_id:
        raise DomainError(_("That person is not in this estate's archive."), code="collector_wrong_estate")
    id_number = normalize_id_number(collector.id_number)
    if id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            raise DomainError(
                _("%(name)s: %(error)s") % {"name": name, "error": exc.messages[0]},
                code="collector_id_invalid",
            ) from None
    elif person is None or not person.id_number_hash:
        # The desk checks the collector's ID when the keys go out: without a number on file there
        # is nothing to check against.
        raise DomainError(
            _("%(name)s: enter the ID number; it is checked when the keys are collected.") % {"name": name},
            code="collector_id_required",
        )
    return CollectorInput(name=name[:100], phone=phone, id_number=id_number, person=person)


def _require_owner(unit: Unit, owner: Person, *, on) -> None:
    is_owner = (
        Occupancy.objects.current(on).filter(unit=unit, person=owner, role__in=Occupancy.BILL_ROLES).exists()
    )
    if not is_owner:
        raise DomainError(_("Only an owner of the unit can leave its keys with the desk."), code="not_owner")


@transaction.atomic
def register_key_custody(
    *,
    actor,
    unit: Unit,
    owner: Person,
    description: str,
    quantity: int,
    storage_tag: str,
    collectors: list[CollectorInput],
    note: str = "",
    now: datetime | None = None,
) -> KeyCustody:
    """The owner leaves keys with the desk, naming who may collect them."""
    now = now_or(now)
    require_perm(actor, MANAGE_KEYS, _("You are not allowed to take keys into custody."))
    require_estate(actor, unit.estate_id)
    _require_owner(unit, owner, on=now.date())
    description = (description or "").strip()
    if not description:
        raise DomainError(
            _("Say which keys are left, e.g. front door and mailbox."), code="description_required"
        )
    if not quantity or quantity < 1:
        raise DomainError(_("Enter how many keys are left (at least one)."), code="quantity_invalid")
    storage_tag = (storage_tag or "").strip()
    if not storage_tag:
        raise DomainError(
            _("Enter the storage tag of the hook the keys hang on."), code="storage_tag_required"
        )
    if not collectors:
        raise DomainError(_("Name at least one person who may collect the keys."), code="collectors_required")
    if len(collectors) > MAX_COLLECTORS:
        raise DomainError(
            _("Name at most %(count)s people.") % {"count": MAX_COLLECTORS}, code="too_many_collectors"
        )
    cleaned = [_clean_collector(c, estate_id=unit.estate_id) for c in collectors]
    if KeyCustody.objects.open().filter(estate_id=unit.estate_id, storage_tag=storage_tag).exists():
        raise DomainError(_("Another custody already uses this storage tag."), code="storage_tag_in_use")
    custody = KeyCustody(
        estate_id=unit.estate_id,
        unit=unit,
        owner=owner,
        description=description[:200],
        quantity=quantity,
        storage_tag=storage_tag[:30],
        note=(note or "").strip(),
        received_by=actor,
        received_at=now,
    )
    try:
        with transaction.atomic():
            custody.save()
    except IntegrityError:  # the same tag taken by a concurrent registration
        raise DomainError(
            _("Another custody already uses this storage tag."), code="storage_tag_in_use"
        ) from None
    for collector in cleaned:
        row = KeyCollector(
            custody=custody, name=collector.name, phone=collector.phone, person=collector.person
        )
        row.set_id_number(collector.id_number)
        row.save()
    KeyCustodyEvent.objects.create(
        custody=custody,
        action="register",
        from_status="",
        to_status=custody.status,
        actor=actor,
        created_at=now,
    )
    return custody


def _lock(custody: KeyCustody) -> KeyCustody:
    return KeyCustody.objects.select_for_update(of=("self",)).select_related("owner").get(pk=custody.pk)


def _id_matches(*, actor, person: Person | None, id_hash: str, presented: str, now: datetime) -> bool:
    """The archive's own check (rate-limited and logged) for someone in the archive; the hash kept
    with the custody for anyone else."""
    if person is not None and person.id_number_hash:
        return verify_person_id_number(actor=actor, person=person, presented=presented, now=now)
    number = normalize_id_number(presented)
    return bool(id_hash) and bool(number) and keyed_hash(number) == id_hash


def _named_collector(custody: KeyCustody, collector: KeyCollector | int | None) -> KeyCollector:
    collector_id = collector.pk if isinstance(collector, KeyCollector) else collector
    named = (
        KeyCollector.objects.select_related("person")
        .filter(custody=custody, pk=collector_id, is_active=True)
        .first()
        if collector_id
        else None
    )
    if named is None:
        raise NotNamedForKeys(
            _("This person is not named by the owner to collect these keys; they cannot be handed out."),
            code="not_named",
        )
    return named


def hand_out_keys(
    *,
    custody: KeyCustody,
    actor,
    collector: KeyCollector | int | None,
    id_number: str,
    note: str = "",
    now: datetime | None = None,
) -> KeyMovement:
    """Hand the keys to a person the owner named, whose ID has been checked."""
    now = now_or(now)
    KEY_CUSTODY.check(custody, "hand_out", actor, now=now)
    require_estate(actor, custody.estate_id)
    named = _named_collector(custody, collector)
    # Outside the transaction below: the archive's access log keeps a failed check even though the
    # hand-out is then refused.
    if not _id_matches(
        actor=actor, person=named.person, id_hash=named.id_number_hash, presented=id_number, now=now
    ):
        raise NotNamedForKeys(
            _("The ID presented does not match the named person's; the keys cannot be handed out."),
            code="id_mismatch",
        )
    return _hand_out(custody=custody, actor=actor, collector=named, note=note, now=now)


@transaction.atomic
def _hand_out(
    *, custody: KeyCustody, actor, collector: KeyCollector, note: str, now: datetime
) -> KeyMovement:
    # Checked again under the lock: the custody or its list of collectors may have changed since.
    custody = _lock(custody)
    KEY_CUSTODY.check(custody, "hand_out", actor, now=now)
    named = _named_collector(custody, collector.pk)
    KEY_CUSTODY.transition(custody, "hand_out", actor=actor, note=named.name, now=now)
    return KeyMovement.objects.create(
        custody=custody,
        direction=KeyMovement.Direction.OUT,
        collector=named,
        person_name=named.name,
        id_checked=True,
        staff=actor,
        moved_at=now,
        note=(note or "").strip()[:300],
    )


@transaction.atomic
def take_back_keys(
    *, custody: KeyCustody, actor, person_name: str = "", note: str = "", now: datetime | None = None
) -> KeyMovement:
    """The keys come back to the desk (brought by whoever had them, or someone for them)."""
    now = now_or(now)
    custody = _lock(custody)
    KEY_CUSTODY.check(custody, "take_back", actor, now=now)
    require_estate(actor, custody.estate_id)
    last_out = (
        custody.movements.filter(direction=KeyMovement.Direction.OUT).order_by("-moved_at", "-pk").first()
    )
    person_name = (person_name or "").strip() or (last_out.person_name if last_out else "")
    if not person_name:
        raise DomainError(_("Enter who brought the keys back."), code="person_required")
    KEY_CUSTODY.transition(custody, "take_back", actor=actor, note=person_name, now=now)
    return KeyMovement.objects.create(
        custody=custody,
        direction=KeyMovement.Direction.IN,
        collector=last_out.collector if last_out and last_out.person_name == person_name else None,
        person_name=person_name[:100],
        staff=actor,
        moved_at=now,
        note=(note or "").strip()[:300],
    )


def return_keys_to_owner(
    *, custody: KeyCustody, actor, id_number: str = "", note: str = "", now: datetime | None = None
) -> KeyMovement:
    """The custody ends: the owner takes the keys back (their ID checked through the archive when
    the archive holds it). Keys that are out are returned to the owner by whoever holds them."""
    now = now_or(now)
    KEY_CUSTODY.check(custody, "return_to_owner", actor, now=now)
    require_estate(actor, custody.estate_id)
    owner = Person.objects.get(pk=custody.owner_id)
    checked = False
    if owner.id_number_hash:
        # Outside the transaction below: the archive's access log keeps a failed check even though
        # the return is then refused.
        if not verify_person_id_number(actor=actor, person=owner, presented=id_number, now=now):
            raise NotNamedForKeys(
                _("The ID presented does not match the owner's; the keys cannot be returned."),
                code="id_mismatch",
            )
        checked = True
    return _return_to_owner(custody=custody, actor=actor, owner=owner, checked=checked, note=note, now=now)


@transaction.atomic
def _return_to_owner(
    *, custody: KeyCustody, actor, owner: Person, checked: bool, note: str, now: datetime
) -> KeyMovement:
    custody = _lock(custody)
    KEY_CUSTODY.check(custody, "return_to_owner", actor, now=now)
    KEY_CUSTODY.transition(
        custody, "return_to_owner", actor=actor, note=(note or "").strip(), now=now, fields={"closed_at": now}
    )
    return KeyMovement.objects.create(
        custody=custody,
        direction=KeyMovement.Direction.OUT,
        person_name=owner.name,
        id_checked=checked,
        staff=actor,
        moved_at=now,
        note=(note or "").strip()[:300],
    )
