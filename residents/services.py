"""Writes to the resident and unit archive. Views, API, admin, imports and commands all call these."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from residents.models import (
    ArchiveDocument,
    Building,
    Estate,
    HouseholdChange,
    Occupancy,
    Person,
    SensitiveAccessLog,
    Unit,
)
from residents.selectors import pick_payer
from servicecenter.crypto import keyed_hash
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from servicecenter.uploads import prepare_upload
from servicecenter.validators import (
    normalize_id_number,
    normalize_mobile,
    normalize_phone_list,
    validate_id_number,
    validate_mobile,
)

logger = logging.getLogger(__name__)

PERSON_FIELDS = (
    "name",
    "mobile",
    "other_phones",
    "emergency_contact_name",
    "emergency_contact_phone",
    "notes",
)


def _clean_person_values(values: dict) -> dict:
    """Normalise and validate person fields; raise ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            errors.setdefault("name", []).append(_("Enter the person's name."))
    for field in ("mobile", "emergency_contact_phone"):
        if cleaned.get(field):
            cleaned[field] = normalize_mobile(cleaned[field])
            try:
                validate_mobile(cleaned[field])
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)
    if cleaned.get("other_phones"):
        # Stored as digits only, so that a landline typed 0755-8888-1234 is found by its full
        # digits or its last four (servicecenter.phones).
        typed = cleaned["other_phones"]
        cleaned["other_phones"] = normalize_phone_list(typed)
        if typed.strip() and not cleaned["other_phones"]:
            errors.setdefault("other_phones", []).append(
                _("Enter phone numbers in digits, separated by commas.")
            )
        elif len(cleaned["other_phones"]) > Person._meta.get_field("other_phones").max_length:
            errors.setdefault("other_phones", []).append(_("Too many phone numbers."))
    if cleaned.get("id_number"):
        cleaned["id_number"] = normalize_id_number(cleaned["id_number"])
        try:
            validate_id_number(cleaned["id_number"])
        except ValidationError as exc:
            errors.setdefault("id_number", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save_person(person: Person) -> Person:
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        if "person_id_number_unique_per_estate" in str(exc) or "id_number_hash" in str(exc):
            raise ValidationError(
                {"id_number": [_("A person with this ID number is already in this estate's archive.")]}
            ) from exc
        raise
    return person


@transaction.atomic
def create_person(*, actor, estate: Estate, name: str, id_number: str = "", **fields) -> Person:
    cleaned = _clean_person_values({"name": name, "id_number": id_number, **fields})
    person = Person(estate=estate, **{k: v for k, v in cleaned.items() if k in PERSON_FIELDS})
    if cleaned.get("id_number"):
        person.set_id_number(cleaned["id_number"])
    return _save_person(person)


@transaction.atomic
def update_person(*, actor, person: Person, id_number: str | None = None, **fields) -> Person:
    """Change a person's details. `id_number=None` keeps the stored one; "" clears it."""
    values = {k: v for k, v in fields.items() if k in PERSON_FIELDS}
    if id_number:
        values["id_number"] = id_number
    cleaned = _clean_person_values(values)
    for key in PERSON_FIELDS:
        if key in cleaned:
            setattr(person, key, cleaned[key])
    if id_number is not None:
        person.set_id_number(cleaned.get("id_number", ""))
    return _save_person(person)


@transaction.atomic
def add_occupancy(
    *,
    actor,
    unit: Unit,
    person: Person,
    role: str,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Occupancy:
    if person.estate_id != unit.estate_id:
        raise DomainError(_("The person and the unit belong to different estates."))
    if role not in Occupancy.Role.values:
        raise DomainError(_("Unknown occupancy role."))
    if start_date and end_date and end_date < start_date:
        raise DomainError(_("The end date is before the start date."))
    if (
        end_date is None
        and Occupancy.objects.filter(person=person, unit=unit, role=role, end_date__isnull=True).exists()
    ):
        raise DomainError(_("This person already has this role in this unit."))
    occupancy = Occupancy.objects.create(
        person=person,
        unit=unit,
        role=role,
        start_date=start_date or timezone.localdate(),
        end_date=end_date,
        sees_bills=role in Occupancy.BILL_ROLES,
    )
    if unit.state in (Unit.State.VACANT, Unit.State.HANDED_OVER) and role != Occupancy.Role.OWNER:
        unit.state = Unit.State.OCCUPIED
        unit.save(update_fields=["state"])
    if role in Occupancy.BILL_ROLES:
        _apply_default_payer(unit=unit)
        occupancy.refresh_from_db(fields=["is_payer"])
    return occupancy


@transaction.atomic
def end_occupancy(*, actor, occupancy: Occupancy, end_date: date | None = None) -> Occupancy:
    occupancy = Occupancy.objects.select_for_update().get(pk=occupancy.pk)
    end_date = end_date or timezone.localdate()
    if occupancy.end_date is not None:
        raise DomainError(_("This occupancy has already ended."))
    if occupancy.start_date and end_date < occupancy.start_date:
        raise DomainError(_("The end date is before the start date."))
    occupancy.end_date = end_date
    occupancy.save(update_fields=["end_date"])
    # A payer who has moved out hands over to the owner now; one moving out later stays payer
    # until then (payers_by_unit falls back on its own once the day has passed).
    if occupancy.is_payer and end_date <= timezone.localdate():
        occupancy.is_payer = False
        occupancy.save(update_fields=["is_payer"])
        _apply_default_payer(unit=occupancy.unit, leaving=occupancy)
    return occupancy


# --- Household: who pays the unit's bills and who sees them ------------------------------------


def _apply_default_payer(
    *, unit: Unit, leaving: Occupancy | None = None, now: datetime | None = None
) -> Occupancy | None:
    """The owner is the payer by default: when no current occupant of the unit is named payer,
    the owner (else a co-owner, the earliest first) becomes it. Logged without an actor."""
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    current = list(Occupancy.objects.current().filter(unit=unit).exclude(pk=getattr(leaving, "pk", None)))
    if any(o.is_payer for o in current):
        return None
    payer = pick_payer(current)
    if payer is None:
        return None
    # A flag left on an occupancy that has ended since (a payer who moved out on a date set in
    # advance) would block the one-payer constraint.
    Occupancy.objects.filter(unit=unit, is_payer=True).update(is_payer=False)
    payer.is_payer = True
    payer.save(update_fields=["is_payer"])
    HouseholdChange.objects.create(
        unit=unit, occupancy=payer, kind=HouseholdChange.Kind.PAYER_DEFAULT, created_at=now or timezone.now()
    )
    return payer


def may_manage_household(*, actor, unit: Unit) -> bool:
    """Staff who may change occupancies in the unit's estate, or an owner or co-owner of the
    unit today. In the portal everyone is only a resident (enter_portal), so a staff member who
    rents a flat cannot name its payer from there."""
    if access_for(actor).is_staff_member:
        return (
            actor.has_perm("residents.change_occupancy")
            and Unit.objects.visible_to(actor).filter(pk=unit.pk).exists()
        )
    return (
        Occupancy.objects.current()
        .filter(unit=unit, person__user=actor, role__in=Occupancy.BILL_ROLES)
        .exists()
    )


def _current_occupancy_of_unit(occupancy: Occupancy) -> Occupancy:
    found = Occupancy.objects.current().select_for_update().filter(pk=occupancy.pk).first()
    if found is None:
        raise DomainError(_("This person no longer lives in the unit."))
    return found


@transaction.atomic
def set_payer(*, actor, unit: Unit, occupancy: Occupancy, now: datetime | None = None) -> Occupancy:
    """Name the occupant who pays the unit's bills and gets its payment reminders."""
    if occupancy.unit_id != unit.pk:
        raise DomainError(_("This person does not live in this unit."))
    if not may_manage_household(actor=actor, unit=unit):
        raise PermissionDenied(_("Only the unit's owner or the service centre can name its payer."))
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    occupancy = _current_occupancy_of_unit(occupancy)
    if occupancy.is_payer:
        return occupancy
    Occupancy.objects.filter(unit=unit, is_payer=True).update(is_payer=False)
    occupancy.is_payer = True
    occupancy.save(update_fields=["is_payer"])
    HouseholdChange.objects.create(
        unit=unit,
        occupancy=occupancy,
        kind=HouseholdChange.Kind.PAYER,
        actor=actor,
        created_at=now or timezone.now(),
    )
    return occupancy


@transaction.atomic
def set_bill_visibility(
    *, actor, occupancy: Occupancy, visible: bool, now: datetime | None = None
) -> Occupancy:
    """Grant or withdraw one occupant's view of the unit's bills, payments and receipts."""
    if not may_manage_household(actor=actor, unit=occupancy.unit):
        raise PermissionDenied(
            _("Only the unit's owner or the service centre can change who sees its bills.")
        )
    Unit.objects.select_for_update().filter(pk=occupancy.unit_id).first()
    occupancy = _current_occupancy_of_unit(occupancy)
    if not visible:
        if occupancy.role in Occupancy.BILL_ROLES:
            raise DomainError(_("Owners and co-owners always see the unit's bills."))
        payer = pick_payer(Occupancy.objects.current().filter(unit_id=occupancy.unit_id))
        if payer is not None and payer.pk == occupancy.pk:
            raise DomainError(_("The payer always sees the unit's bills. Name another payer first."))
    if occupancy.sees_bills == visible:
        return occupancy
    occupancy.sees_bills = visible
    occupancy.save(update_fields=["sees_bills"])
    HouseholdChange.objects.create(
        unit_id=occupancy.unit_id,
        occupancy=occupancy,
        kind=HouseholdChange.Kind.BILLS_SHOWN if visible else HouseholdChange.Kind.BILLS_HIDDEN,
        actor=actor,
        created_at=now or timezone.now(),
    )
    return occupancy


@dataclass(frozen=True)
class RevealedNumbers:
    id_number: str
    mobile: str
    other_phones: str
    emergency_contact_phone: str


def reveal_person(
    *, actor, person: Person, reason: str, ip_address: str | None = None, now: datetime | None = None
) -> RevealedNumbers:
    """Show one person's full numbers to a user allowed to see them, and log that they did."""
    if not actor.has_perm("residents.view_sensitive"):
        raise PermissionDenied(_("You are not allowed to see full ID and phone numbers."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Say why you need the full numbers; it is written to the access log.")]}
        )
    SensitiveAccessLog.objects.create(
        estate_id=person.estate_id,
        actor=actor,
        person=person,
        action=SensitiveAccessLog.Action.REVEAL,
        reason=reason[:200],
        ip_address=ip_address,
        created_at=now or timezone.now(),
    )
    return RevealedNumbers(
        id_number=person.decrypted_id_number(),
        mobile=person.mobile,
        other_phones=person.other_phones,
        emergency_contact_phone=person.emergency_contact_phone,
    )


class TaskNotFound(DomainError):
    """A call task the user may not work (not theirs, not pending, another estate). Pages answer
    404, as for a task that does not exist, so that refusals say nothing about other people's work."""

    status_code = 404


@dataclass(frozen=True)
class TaskCall:
    """What the dial page shows for one call: who is called and the full number, for this call only."""

    name: str
    phone: str
    task: str

    @property
    def tel(self) -> str:
        """The number for a tel: link: digits only (and a leading + if any)."""
        digits = "".join(c for c in self.phone if c.isdigit())
        return f"+{digits}" if self.phone.strip().startswith("+") else digits

    @property
    def display(self) -> str:
        """A mainland mobile in the groups people read aloud (138 0013 8000); others as stored."""
        digits = self.tel
        if len(digits) == 11 and digits.startswith("1"):
            return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        return self.phone


CALL_REASONS = {
    SensitiveAccessLog.Purpose.CALLBACK: gettext_lazy("Callback for %(task)s"),
    SensitiveAccessLog.Purpose.FEE_CALL: gettext_lazy("Fee-collection call to %(task)s"),
    SensitiveAccessLog.Purpose.TICKET: gettext_lazy("Call about ticket %(task)s"),
}


def reveal_phone_for_task(
    *,
    actor,
    purpose: str,
    purpose_id: int,
    task: str,
    person: Person | None,
    phone: str,
    estate_id: int,
    ip_address: str | None = None,
    now: datetime | None = None,
) -> str:
    """Give the full phone number for one call from a task, and log it with the task as purpose.

    No `view_sensitive` and no typed reason: the app that owns the task (tickets, billing) has
    already decided that the actor works it, and the task itself is the reason. Each call is its
    own log row. `task` is the task's human name (a ticket number, a unit code) for the reason.
    """
    if purpose not in SensitiveAccessLog.Purpose.values:
        raise DomainError(_("Unknown call task."), code="invalid_purpose")
    if person is not None and person.estate_id != estate_id:
        # The estate scopes the log; a person of another estate would file the call where that
        # estate's managers cannot see it.
        raise DomainError(_("This person does not belong to the task's estate."), code="wrong_estate")
    phone = (phone or "").strip()
    if not phone:
        raise DomainError(_("No phone number is on file for this call."), code="no_phone")
    SensitiveAccessLog.objects.create(
        estate_id=estate_id,
        actor=actor,
        person=person,
        action=SensitiveAccessLog.Action.CALL,
        purpose=purpose,
        purpose_id=purpose_id,
        reason=(str(CALL_REASONS[purpose]) % {"task": task})[:200],
        ip_address=ip_address,
        created_at=now or timezone.now(),
    )
    return phone


class RateLimited(DomainError):
    status_code = 429


class CheckUnavailable(DomainError):
    """The rate-limit store (the cache) does not answer. Security limits fail closed: without a
    count the check is refused, or an outage would switch the guessing guard off."""

    status_code = 503


def _count_id_check(key: str) -> int:
    cache.add(key, 0, timeout=600)
    try:
        return cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=600)
        return 1


def verify_person_id_number(
    *, actor, person: Person, presented: str, ip_address: str | None = None, now: datetime | None = None
) -> bool:
    """Does the ID number presented at the desk match the stored one? Answers yes/no only.

    Rate-limited per user so that the desk check cannot be used to guess stored numbers.
    """
    if not actor.has_perm("residents.verify_id_number"):
        raise PermissionDenied(_("You are not allowed to check ID numbers."))
    limit = settings.ID_VERIFY_RATE_LIMIT
    key = f"id-verify:{actor.pk}"
    try:
        count = _count_id_check(key)
    except Exception as exc:  # noqa: BLE001  (Redis down or hung, a full disk: no count either way)
        logger.warning("ID check refused: the rate-limit cache failed (%s)", exc.__class__.__name__)
        raise CheckUnavailable(
            _("The ID check is unavailable right now; please try again in a few minutes."),
            code="check_unavailable",
        ) from exc
    if count > limit:
        raise RateLimited(
            _("Too many ID checks; please wait a few minutes and try again."), code="rate_limited"
        )
    matched = (
        bool(person.id_number_hash) and keyed_hash(normalize_id_number(presented)) == person.id_number_hash
    )
    SensitiveAccessLog.objects.create(
        estate_id=person.estate_id,
        actor=actor,
        person=person,
        action=SensitiveAccessLog.Action.VERIFY_ID,
        matched=matched,
        ip_address=ip_address,
        created_at=now or timezone.now(),
    )
    return matched


@transaction.atomic
def upload_document(
    *,
    actor,
    uploaded: UploadedFile,
    title: str,
    kind: str = ArchiveDocument.Kind.OTHER,
    unit: Unit | None = None,
    person: Person | None = None,
) -> ArchiveDocument:
    if unit is None and person is None:
        raise DomainError(_("A document belongs to a unit or a person."))
    if unit is not None and person is not None and unit.estate_id != person.estate_id:
        raise DomainError(_("The person and the unit belong to different estates."))
    stored, content_type = prepare_upload(uploaded)
    document = ArchiveDocument(
        estate_id=(unit or person).estate_id,
        unit=unit,
        person=person,
        kind=kind,
        title=(title or uploaded.name)[:200],
        original_name=uploaded.name[:255],
        content_type=content_type,
        size=stored.size,
        uploaded_by=actor,
    )
    document.file.save(stored.name, stored, save=False)
    document.save()
    return document


# --- Buildings and units (API writes; the bulk import builds the same rows in bulk) -------------

BUILDING_FIELDS = ("code", "name", "floors", "has_elevator")
UNIT_FIELDS = ("entrance", "number", "floor", "area", "use", "state", "notes")
MAX_AREA = Decimal("100000000")  # Unit.area has max_digits=10, decimal_places=2


def _clean_unit_values(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    for key in ("entrance", "number", "notes"):
        if key in cleaned:
            cleaned[key] = (cleaned[key] or "").strip()
    if "number" in cleaned and not cleaned["number"]:
        errors.setdefault("number", []).append(_("Enter the room number."))
    if "area" in cleaned:
        try:
            area = Decimal(str(cleaned["area"]))
        except (InvalidOperation, ValueError):
            area = None
        if area is None or not area.is_finite() or not 0 <= area < MAX_AREA or area.as_tuple().exponent < -2:
            errors.setdefault("area", []).append(
                _("Enter the area in m² as a number ≥ 0 with at most 2 decimals.")
            )
        else:
            cleaned["area"] = area
    if "use" in cleaned and cleaned["use"] not in Unit.Use.values:
        errors.setdefault("use", []).append(_("Unknown unit use."))
    if "state" in cleaned and cleaned["state"] not in Unit.State.values:
        errors.setdefault("state", []).append(_("Unknown unit state."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def unit_code(*, building_code: str, entrance: str, number: str) -> str:
    """A unit's code as the staff say it: building-entrance-room ("3-2-1101"), or building-room
    where the building has no entrances ("12-0301")."""
    return "-".join(part for part in (building_code, entrance, number) if part)


def assign_unit_code(*, unit: Unit) -> None:
    """Set the unit's estate (denormalised from its building) and its code, before it is saved."""
    unit.estate_id = unit.building.estate_id
    unit.code = unit_code(building_code=unit.building.code, entrance=unit.entrance, number=unit.number)


def _save_archive_row(obj, *, constraint: str, field: str, message: str, **save_kwargs):
    try:
        with transaction.atomic():
            obj.save(**save_kwargs)
    except IntegrityError as exc:
        if constraint in str(exc) or "UNIQUE" in str(exc).upper():
            raise ValidationError({field: [message]}) from exc
        raise
    return obj


@transaction.atomic
def create_building(
    *, actor, estate: Estate, code: str, name: str = "", floors: int | None = None, has_elevator: bool = True
) -> Building:
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": [_("Enter the building number.")]})
    building = Building(
        estate=estate, code=code, name=(name or "").strip(), floors=floors, has_elevator=has_elevator
    )
    return _save_archive_row(
        building,
        constraint="building_code_unique_per_estate",
        field="code",
        message=_("This estate already has a building with this number."),
    )


@transaction.atomic
def update_building(*, actor, building: Building, **fields) -> Building:
    values = {k: v for k, v in fields.items() if k in BUILDING_FIELDS}
    if "code" in values:
        values["code"] = (values["code"] or "").strip()
        if not values["code"]:
            raise ValidationError({"code": [_("Enter the building number.")]})
    for key, value in values.items():
        setattr(building, key, value)
    _save_archive_row(
        building,
        constraint="building_code_unique_per_estate",
        field="code",
        message=_("This estate already has a building with this number."),
        update_fields=list(values) or None,
    )
    if "code" in values:
        # Unit codes embed the building number ("3-2-1101"); keep them in step.
        for unit in building.units.all():
            unit.building = building
            assign_unit_code(unit=unit)
            unit.save(update_fields=["code"])
    return building


@transaction.atomic
def create_unit(*, actor, building: Building, number: str, area, **fields) -> Unit:
    cleaned = _clean_unit_values(
        {"number": number, "area": area, **{k: v for k, v in fields.items() if k in UNIT_FIELDS}}
    )
    unit = Unit(building=building, estate_id=building.estate_id, **cleaned)
    assign_unit_code(unit=unit)
    return _save_archive_row(
        unit,
        constraint="unit_code_unique_per_estate",
        field="number",
        message=_("This estate already has a unit with this number."),
    )


@transaction.atomic
def update_unit(*, actor, unit: Unit, **fields) -> Unit:
    cleaned = _clean_unit_values({k: v for k, v in fields.items() if k in UNIT_FIELDS})
    for key, value in cleaned.items():
        setattr(unit, key, value)
    update_fields = list(cleaned)
    if {"entrance", "number"} & set(cleaned):
        assign_unit_code(unit=unit)
        update_fields.append("code")
    return _save_archive_row(
        unit,
        constraint="unit_code_unique_per_estate",
        field="number",
        message=_("This estate already has a unit with this number."),
        update_fields=update_fields or None,
    )


@transaction.atomic
def create_person_with_occupancy(
    *,
    actor,
    estate: Estate,
    name: str,
    unit: Unit | None = None,
    role: str = Occupancy.Role.OWNER,
    start_date: date | None = None,
    id_number: str = "",
    **fields,
) -> Person:
    """Register a person and, when a unit is given, link them to it: both or neither are saved."""
    person = create_person(actor=actor, estate=estate, name=name, id_number=id_number, **fields)
    if unit is not None:
        add_occupancy(actor=actor, unit=unit, person=person, role=role, start_date=start_date)
    return person


# --- Admin writes (the Django admin calls these, like every other way in) ------------------------


@transaction.atomic
def link_person_login(*, actor, person: Person, user) -> Person:
    """Tie a person to their portal login (or untie with `user=None`). The portal shows a login
    the units of the people it is tied to, so the login must not already speak for someone in
    another estate."""
    if user is not None and user.pk is not None:
        elsewhere = Person.objects.filter(user=user).exclude(estate_id=person.estate_id)
        if elsewhere.exists():
            raise ValidationError({"user": [_("This login belongs to a person in another estate.")]})
    if person.user_id != (user.pk if user is not None else None):
        person.user = user
        person.save(update_fields=["user"])
    return person


@transaction.atomic
def update_document(*, actor, document: ArchiveDocument, title: str, kind: str) -> ArchiveDocument:
    """Correct a document's title or kind; the file itself is never replaced (upload a new one)."""
    title = (title or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Enter a title.")]
    if kind not in ArchiveDocument.Kind.values:
        errors["kind"] = [_("Unknown document kind.")]
    if errors:
        raise ValidationError(errors)
    document.title, document.kind = title[:200], kind
    document.save(update_fields=["title", "kind"])
    return document


@transaction.atomic
def delete_document(*, actor, document: ArchiveDocument) -> None:
    """Remove a document uploaded by mistake, row and stored file. The file goes only once the
    row's deletion is committed, so a rolled-back delete never leaves a row without its file."""
    pk, storage, name = document.pk, document.file.storage, document.file.name
    document.delete()
    logger.info("%s deleted archive document %s", actor, pk)
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- passes (装修出入证, 搬家放行条, shop staff, resident cards) ------------------------------------

PASS_PERMISSION = "residents.issue_pass"


def _pass_number(*, estate: Estate, now: datetime) -> str:
    from residents.models import PassCounter
    from servicecenter.sequences import bump_counter

    year = timezone.localdate(now).year
    return f"{estate.code}P{year}-{bump_counter(PassCounter, estate_id=estate.pk, year=year):06d}"


@transaction.atomic
def issue_pass(
    *,
    estate: Estate,
    kind: str,
    holder_name: str,
    valid_from: datetime,
    valid_until: datetime,
    actor,
    unit: Unit | None = None,
    holder_mobile: str = "",
    holder_id_number: str = "",
    person: Person | None = None,
    allowed_hours: str = "",
    source_reference: str = "",
    gate_notes: str = "",
    now: datetime | None = None,
):
    """Issue a numbered pass. With a `source_reference` (e.g. "renovation:12:worker:3") one origin
    gets one pass: a repeat returns the pass already issued. `actor` None: issued by the system
    (e.g. as part of a permit); otherwise the actor needs `residents.issue_pass`. Raises a
    DomainError for a missing holder, an unknown kind, a period that ends before it starts, a
    mobile or ID number that is not a mainland one."""
    from residents.models import Pass

    now = now or timezone.now()
    if actor is not None and not actor.has_perm(PASS_PERMISSION):
        raise PermissionDenied(_("You are not allowed to issue passes."))
    if kind not in Pass.Kind.values:
        raise DomainError(_("Unknown kind of pass."), code="invalid_kind")
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise DomainError(_("Enter the holder's name."), code="holder_required")
    if valid_until <= valid_from:
        raise DomainError(_("A pass must end after it starts."), code="invalid_period")
    if unit is not None and unit.estate_id != estate.pk:
        raise DomainError(_("The unit belongs to another estate."), code="wrong_estate")
    mobile = normalize_mobile(holder_mobile or "")
    if mobile:
        try:
            validate_mobile(mobile)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="mobile_format") from exc
    if holder_id_number:
        try:
            validate_id_number(holder_id_number)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="id_format") from exc
    if source_reference:
        existing = Pass.objects.filter(estate=estate, source_reference=source_reference).first()
        if existing is not None:
            return existing
    pass_ = Pass(
        estate=estate,
        unit=unit,
        kind=kind,
        holder_name=holder_name[:100],
        holder_mobile=mobile,
        person=person,
        valid_from=valid_from,
        valid_until=valid_until,
        allowed_hours=allowed_hours[:200],
        gate_notes=(gate_notes or "").strip()[:500],
        source_reference=source_reference,
        issued_by=actor,
        issued_at=now,
        number=_pass_number(estate=estate, now=now),
    )
    pass_.set_holder_id_number(holder_id_number)
    pass_.save()
    return pass_


@transaction.atomic
def revoke_pass(*, pass_, actor, reason: str, now: datetime | None = None):
    """Revoke a pass now (a repeat keeps the first revocation). `actor` None: the system."""
    from residents.models import Pass

    now = now or timezone.now()
    if actor is not None and not actor.has_perm(PASS_PERMISSION):
        raise PermissionDenied(_("You are not allowed to revoke passes."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason."), code="reason_required")
    locked = Pass.objects.select_for_update().get(pk=pass_.pk)
    if locked.revoked_at is None:
        locked.revoked_at = now
        locked.revoked_by = actor
        locked.revoke_reason = reason[:200]
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return locked


def revoke_passes(
    *, estate_id: int, source_prefix: str, actor, reason: str, now: datetime | None = None
) -> int:
    """Revoke every unrevoked pass issued for origins starting with `source_prefix` (e.g. all the
    worker passes of renovation 12: "renovation:12:"). Returns how many were revoked."""
    from residents.models import Pass

    if not source_prefix:
        raise ValueError("source_prefix is required")
    now = now or timezone.now()
    return Pass.objects.filter(
        estate_id=estate_id, source_reference__startswith=source_prefix, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=actor, revoke_reason=(reason or "")[:200])


@transaction.atomic
def set_unit_state(*, unit: Unit, state: str, actor=None, now: datetime | None = None) -> Unit:
    """Move a unit to another archive state (e.g. `renovating` at a renovation permit,
    `handed_over` at a move-in's keys). The caller's service decides when; this only records it."""
    if state not in Unit.State.values:
        raise DomainError(_("Unknown unit state."), code="invalid_state")
    locked = Unit.objects.select_for_update().get(pk=unit.pk)
    if locked.state != state:
        locked.state = state
        locked.save(update_fields=["state"])
    unit.state = state
    return locked
