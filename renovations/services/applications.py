"""The application (装修申请): registering it with its workers and documents, changing it while it
is under review, the engineering and manager reviews, resubmission and withdrawal. Every step
keeps its line in the timeline (RenovationEvent), so a resubmitted application keeps its whole
history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services as billing
from billing.models import Bill
from renovations.models import (
    Renovation,
    RenovationCounter,
    RenovationDocument,
    RenovationWorker,
    ScopeItem,
)
from renovations.selectors import rules_for
from renovations.services._common import (
    PERM,
    RenovationStatus,
    check,
    clean_worker,
    lock,
    now_or,
    require_estate,
    require_perm,
    require_reason,
    store_document,
    transition,
    write_event,
)
from renovations.services.passes import issue_worker_passes
from residents import services as residents
from residents.models import Occupancy, Person, Unit
from servicecenter.crypto import keyed_hash
from servicecenter.exceptions import DomainError
from servicecenter.sequences import bump_counter
from servicecenter.validators import normalize_id_number, normalize_phone

# The details an application may change while it is under review (update / resubmit).
EDITABLE = (
    "contractor_company",
    "contractor_licence",
    "contractor_contact",
    "contractor_phone",
    "planned_start",
    "planned_end",
    "description",
)
EDITABLE_STATES = (RenovationStatus.SUBMITTED, RenovationStatus.CHANGES_REQUESTED)
# Workers may be added or removed until the works are over; their passes follow the permit.
WORKER_STATES = (*Renovation.UNDER_REVIEW, RenovationStatus.APPROVED, *Renovation.ACTIVE)
# An application or works in these states: a unit has one at a time.
OPEN_STATES = (*Renovation.UNDER_REVIEW, RenovationStatus.APPROVED, *Renovation.ACTIVE)
PASS_STATES = (RenovationStatus.PERMITTED, RenovationStatus.IN_PROGRESS)
# Who may add a document of each kind.
DOCUMENT_PERMISSIONS = {
    RenovationDocument.Kind.PLAN: "register_renovation",
    RenovationDocument.Kind.PHOTO: "register_renovation",
    RenovationDocument.Kind.OTHER: "register_renovation",
    RenovationDocument.Kind.AGREEMENT: "issue_renovation_permit",
    RenovationDocument.Kind.PATROL_PHOTO: "record_renovation_patrol",
    RenovationDocument.Kind.VIOLATION_PHOTO: "manage_renovation_violation",
    RenovationDocument.Kind.ENFORCEMENT_LETTER: "manage_renovation_violation",
    RenovationDocument.Kind.INSPECTION: "inspect_renovation",
}


def next_renovation_number(*, estate, year: int) -> str:
    """ "LJY-ZX2026-0007": per estate and year (the estate's code keeps it unique across estates)."""
    sequence = bump_counter(RenovationCounter, estate_id=estate.pk, year=year)
    return f"{estate.code}-ZX{year}-{sequence:04d}"


# --- checking the input ---------------------------------------------------------------------------


def _clean_details(*, estate_id: int, details: dict) -> dict:
    """The contractor and the period, trimmed and checked against the estate's rules."""
    cleaned = dict(details)
    required = {
        "contractor_company": _("Enter the contractor's company."),
        "contractor_licence": _("Enter the contractor's licence number."),
        "contractor_contact": _("Enter the contractor's contact person."),
        "contractor_phone": _("Enter the contractor's phone number."),
    }
    for name, message in required.items():
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
            if not cleaned[name]:
                raise DomainError(message, code=f"{name}_required")
    if "contractor_phone" in cleaned:
        phone = normalize_phone(cleaned["contractor_phone"])
        if not 7 <= len(phone) <= 20:
            raise DomainError(
                _("Enter a valid phone number for the contractor."), code="contractor_phone_invalid"
            )
        cleaned["contractor_phone"] = phone
    if "description" in cleaned:
        cleaned["description"] = (cleaned["description"] or "").strip()
    return cleaned


def _check_period(*, estate_id: int, planned_start: date, planned_end: date) -> None:
    if not isinstance(planned_start, date) or not isinstance(planned_end, date):
        raise DomainError(_("Enter the planned start and end dates."), code="period_required")
    if planned_end < planned_start:
        raise DomainError(_("The planned end is before the planned start."), code="invalid_period")
    longest = rules_for(estate_id).max_duration_days
    if (planned_end - planned_start).days + 1 > longest:
        raise DomainError(
            _("A renovation may last at most %(days)s days; apply again for more time.") % {"days": longest},
            code="period_too_long",
        )


def _scope_items(*, estate_id: int, scope_items: Iterable) -> list[ScopeItem]:
    """The chosen scope items (instances or ids): at least one, all of this estate and in use."""
    ids = sorted({item.pk if isinstance(item, ScopeItem) else int(item) for item in scope_items or ()})
    if not ids:
        raise DomainError(_("Choose at least one item of the scope of works."), code="scope_required")
    items = list(ScopeItem.objects.filter(pk__in=ids))
    if len(items) != len(ids) or any(item.estate_id != estate_id for item in items):
        raise DomainError(_("A chosen scope item belongs to another estate."), code="scope_item_wrong_estate")
    inactive = [item.name for item in items if not item.is_active]
    if inactive:
        raise DomainError(
            _("These scope items are no longer in use: %(items)s.") % {"items": "、".join(inactive)},
            code="scope_item_inactive",
        )
    return items


def _require_owner(*, unit: Unit, owner: Person, today: date) -> None:
    is_owner = (
        Occupancy.objects.current(on=today)
        .filter(unit=unit, person=owner, role__in=Occupancy.BILL_ROLES)
        .exists()
    )
    if not is_owner:
        raise DomainError(
            _("Only a current owner or co-owner of the unit may apply for a renovation."), code="not_owner"
        )


def _check_workers(workers: Sequence[dict]) -> list[dict]:
    cleaned = [
        clean_worker(**{k: w.get(k, "") for k in ("name", "mobile", "id_number", "trade")}) for w in workers
    ]
    numbers = [w["id_number"] for w in cleaned]
    if len(set(numbers)) != len(numbers):
        raise DomainError(_("The same worker is listed twice."), code="duplicate_worker")
    return cleaned


def _add_worker_row(renovation: Renovation, details: dict, now: datetime) -> RenovationWorker:
    worker = RenovationWorker(
        renovation=renovation,
        name=details["name"],
        mobile=details["mobile"],
        trade=details["trade"],
        added_at=now,
    )
    worker.set_id_number(details["id_number"])
    worker.save()
    return worker


# --- registering -------------------------------------------------------------------------------


@transaction.atomic
def register_renovation(
    *,
    unit: Unit,
    owner: Person,
    actor,
    contractor_company: str,
    contractor_licence: str,
    contractor_contact: str,
    contractor_phone: str,
    planned_start: date,
    planned_end: date,
    scope_items: Iterable,
    workers: Sequence[dict] = (),
    description: str = "",
    documents: Sequence[tuple[str, object]] = (),
    idempotency_key: str,
    now: datetime | None = None,
) -> Renovation:
    """Register an owner's application (submitted). It is regular (常规) when every scope item is;
    any non-regular item (walls, plumbing and gas, facade, waterproofing: the items say which)
    sends it to the engineering review first. A retried request with the same idempotency key
    returns the first application.

    An owner applying for themselves from the portal (`owner.user` is the actor) needs no desk
    permission; that they own the unit today is checked below as for everyone."""
    now = now_or(now)
    if actor is None or owner.user_id != actor.pk:
        require_perm(actor, f"{PERM}register_renovation", _("You are not allowed to register renovations."))
        require_estate(actor, unit.estate_id)
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise DomainError(
            _("This request has no idempotency key. Reload the form and submit it again."),
            code="idempotency_key_required",
        )
    earlier = Renovation.objects.filter(estate_id=unit.estate_id, idempotency_key=key).first()
    if earlier is not None:
        return earlier
    unit = Unit.objects.select_for_update().select_related("estate").get(pk=unit.pk)
    details = _clean_details(
        estate_id=unit.estate_id,
        details={
            "contractor_company": contractor_company,
            "contractor_licence": contractor_licence,
            "contractor_contact": contractor_contact,
            "contractor_phone": contractor_phone,
            "description": description,
        },
    )
    _check_period(estate_id=unit.estate_id, planned_start=planned_start, planned_end=planned_end)
    items = _scope_items(estate_id=unit.estate_id, scope_items=scope_items)
    today = timezone.localdate(now)
    _require_owner(unit=unit, owner=owner, today=today)
    cleaned_workers = _check_workers(workers)
    open_one = Renovation.objects.filter(unit=unit, status__in=OPEN_STATES).first()
    if open_one is not None:
        raise DomainError(
            _("This unit already has an open renovation (%(number)s).") % {"number": open_one.number},
            code="renovation_open",
        )
    renovation = Renovation(
        estate=unit.estate,
        unit=unit,
        owner=owner,
        status=RenovationStatus.SUBMITTED,
        is_regular=all(item.is_regular for item in items),
        planned_start=planned_start,
        planned_end=planned_end,
        created_by=actor,
        created_at=now,
        idempotency_key=key,
        **details,
    )
    try:
        with transaction.atomic():
            renovation.number = next_renovation_number(estate=unit.estate, year=today.year)
            renovation.save()
    except IntegrityError:
        # A concurrent request with the same key committed first (PostgreSQL waited for it).
        return Renovation.objects.get(estate_id=unit.estate_id, idempotency_key=key)
    renovation.scope_items.set(items)
    for details_of_worker in cleaned_workers:
        _add_worker_row(renovation, details_of_worker, now)
    for kind, uploaded in documents:
        store_document(renovation=renovation, kind=kind, uploaded=uploaded, actor=actor, now=now)
    write_event(renovation, action="register", actor=actor, now=now)
    return renovation


def _apply_changes(renovation: Renovation, changes: dict, *, now: datetime) -> str:
    """Set the changed details on the locked renovation and return the timeline note
    ("planned end: 2026-04-30 → 2026-05-15; scope of works: …"); saved by the caller."""
    unknown = set(changes) - {*EDITABLE, "scope_items"}
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    details = _clean_details(
        estate_id=renovation.estate_id, details={k: v for k, v in changes.items() if k in EDITABLE}
    )
    start = details.get("planned_start", renovation.planned_start)
    end = details.get("planned_end", renovation.planned_end)
    _check_period(estate_id=renovation.estate_id, planned_start=start, planned_end=end)
    lines = []
    for name, value in details.items():
        old = getattr(renovation, name)
        if old != value:
            label = Renovation._meta.get_field(name).verbose_name
            lines.append(f"{label}: {old} → {value}")
            setattr(renovation, name, value)
    if "scope_items" in changes:
        items = _scope_items(estate_id=renovation.estate_id, scope_items=changes["scope_items"])
        before = list(renovation.scope_items.all())
        if {i.pk for i in before} != {i.pk for i in items}:
            lines.append(
                f"{Renovation._meta.get_field('scope_items').verbose_name}: "
                f"{'、'.join(i.name for i in before)} → {'、'.join(i.name for i in items)}"
            )
            renovation.scope_items.set(items)
        renovation.is_regular = all(item.is_regular for item in items)
    return "; ".join(str(line) for line in lines)


def _save_details(renovation: Renovation) -> None:
    renovation.save(update_fields=[*EDITABLE, "is_regular"])


@transaction.atomic
def update_application(*, renovation: Renovation, actor, now: datetime | None = None, **fields) -> Renovation:
    """Change the contractor, the period, the description or the scope (`scope_items=[...]`) of an
    application still under review by the desk (submitted or changes requested). Whether it is
    regular is worked out again from the scope."""
    now = now_or(now)
    require_perm(
        actor, f"{PERM}register_renovation", _("You are not allowed to change renovation applications.")
    )
    renovation = lock(renovation)
    require_estate(actor, renovation.estate_id)
    if renovation.status not in EDITABLE_STATES:
        raise DomainError(
            _("An application can be changed only while it is submitted or changes are requested."),
            code="not_editable",
        )
    note = _apply_changes(renovation, fields, now=now)
    _save_details(renovation)
    if note:
        write_event(renovation, action="update", actor=actor, now=now, note=note)
    return renovation


# --- workers and documents -----------------------------------------------------------------------


@transaction.atomic
def add_worker(
    *,
    renovation: Renovation,
    actor,
    name: str,
    mobile: str,
    id_number: str,
    trade: str = "",
    now: datetime | None = None,
) -> RenovationWorker:
    """Add a worker of the contractor's; while the permit is in force the worker's pass is issued
    at once."""
    now = now_or(now)
    require_perm(
        actor, f"{PERM}register_renovation", _("You are not allowed to change renovation applications.")
    )
    renovation = lock(renovation)
    require_estate(actor, renovation.estate_id)
    if renovation.status not in WORKER_STATES:
        raise DomainError(_("Workers can no longer be added to this renovation."), code="workers_closed")
    details = clean_worker(name=name, mobile=mobile, id_number=id_number, trade=trade)
    if renovation.workers.filter(
        removed_at__isnull=True, id_number_hash=keyed_hash(normalize_id_number(id_number))
    ).exists():
        raise DomainError(_("The same worker is listed twice."), code="duplicate_worker")
    worker = _add_worker_row(renovation, details, now)
    write_event(renovation, action="add_worker", actor=actor, now=now, note=worker.name)
    if renovation.status in PASS_STATES:
        issue_worker_passes(renovation=renovation, actor=actor, now=now)
        worker.refresh_from_db()
    return worker


@transaction.atomic
def remove_worker(
    *, worker: RenovationWorker, actor, reason: str, now: datetime | None = None
) -> RenovationWorker:
    """Take a worker off the renovation; the worker's pass is revoked at once."""
    now = now_or(now)
    require_perm(
        actor, f"{PERM}register_renovation", _("You are not allowed to change renovation applications.")
    )
    renovation = lock(worker.renovation)
    require_estate(actor, renovation.estate_id)
    reason = require_reason(reason)
    worker = RenovationWorker.objects.select_for_update().get(pk=worker.pk)
    if worker.removed_at is not None:
        return worker
    worker.removed_at = now
    worker.save(update_fields=["removed_at"])
    residents.revoke_passes(
        estate_id=renovation.estate_id,
        source_prefix=f"renovation:{renovation.pk}:worker:{worker.pk}:",
        actor=actor,
        reason=reason,
        now=now,
    )
    write_event(renovation, action="remove_worker", actor=actor, now=now, note=f"{worker.name}: {reason}")
    return worker


@transaction.atomic
def add_document(
    *,
    renovation: Renovation,
    actor,
    kind: str,
    file,
    patrol=None,
    violation=None,
    now: datetime | None = None,
) -> RenovationDocument:
    """Store a plan, photo, agreement, patrol or violation photo, letter or inspection record
    (checked and re-encoded like every upload). Who may add one depends on its kind."""
    now = now_or(now)
    codename = DOCUMENT_PERMISSIONS.get(kind)
    if codename is None:
        raise DomainError(_("Choose the kind of document."), code="invalid_kind")
    require_perm(actor, f"{PERM}{codename}", _("You are not allowed to add this kind of document."))
    require_estate(actor, renovation.estate_id)
    if patrol is not None and patrol.renovation_id != renovation.pk:
        raise DomainError(_("The patrol belongs to another renovation."), code="wrong_renovation")
    if violation is not None and violation.renovation_id != renovation.pk:
        raise DomainError(_("The violation belongs to another renovation."), code="wrong_renovation")
    return store_document(
        renovation=renovation,
        kind=kind,
        uploaded=file,
        actor=actor,
        now=now,
        patrol=patrol,
        violation=violation,
    )


# --- review ----------------------------------------------------------------------------------------


@transaction.atomic
def send_for_review(
    *, renovation: Renovation, actor, note: str = "", now: datetime | None = None
) -> Renovation:
    """Send a submitted application on: non-regular to the engineering review, regular straight
    to the manager."""
    now = now_or(now)
    renovation = lock(renovation)
    action = "send_to_manager" if renovation.is_regular else "send_to_engineering"
    check(renovation, action, actor, now=now)
    transition(renovation, action, actor=actor, now=now, note=(note or "").strip())
    return renovation


def _review(renovation, action: str, *, actor, note: str, now, reason_required: bool) -> Renovation:
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, action, actor, now=now)
    note = require_reason(note) if reason_required else (note or "").strip()
    transition(renovation, action, actor=actor, now=now, note=note)
    return renovation


@transaction.atomic
def engineering_approve(
    *, renovation: Renovation, actor, note: str = "", now: datetime | None = None
) -> Renovation:
    return _review(renovation, "engineering_approve", actor=actor, note=note, now=now, reason_required=False)


@transaction.atomic
def engineering_request_changes(
    *, renovation: Renovation, actor, reason: str, now: datetime | None = None
) -> Renovation:
    return _review(
        renovation, "engineering_request_changes", actor=actor, note=reason, now=now, reason_required=True
    )


@transaction.atomic
def engineering_reject(
    *, renovation: Renovation, actor, reason: str, now: datetime | None = None
) -> Renovation:
    return _review(renovation, "engineering_reject", actor=actor, note=reason, now=now, reason_required=True)


@transaction.atomic
def request_renovation_changes(
    *, renovation: Renovation, actor, reason: str, now: datetime | None = None
) -> Renovation:
    return _review(renovation, "request_changes", actor=actor, note=reason, now=now, reason_required=True)


@transaction.atomic
def reject_renovation(
    *, renovation: Renovation, actor, reason: str, now: datetime | None = None
) -> Renovation:
    return _review(renovation, "reject", actor=actor, note=reason, now=now, reason_required=True)


@transaction.atomic
def resubmit_renovation(
    *, renovation: Renovation, actor, note: str = "", now: datetime | None = None, **changes
) -> Renovation:
    """Resubmit an application after changes were requested, with the changes (as
    `update_application` takes them). The timeline keeps every earlier review and change."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "resubmit", actor, now=now)
    changed = _apply_changes(renovation, changes, now=now)
    _save_details(renovation)
    note = "\n".join(part for part in ((note or "").strip(), changed) if part)
    transition(renovation, "resubmit", actor=actor, now=now, note=note)
    return renovation


@transaction.atomic
def withdraw_renovation(
    *, renovation: Renovation, actor, reason: str, now: datetime | None = None
) -> Renovation:
    """The owner withdraws the application (under review, or approved before the permit). Refused
    once money was taken (the deposit or any fee paid): that is settled by a refund. The fee bills
    not yet paid are voided (a manager's right)."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "withdraw", actor, now=now)
    reason = require_reason(reason)
    charges = list(renovation.charges.select_related("bill", "deposit_account"))
    if any(c.deposit_account_id for c in charges) or any(c.bill and c.bill.amount_paid > 0 for c in charges):
        raise DomainError(
            _("Money has been taken for this renovation; it cannot be withdrawn, only refunded."),
            code="money_taken",
        )
    open_bills = [c.bill for c in charges if c.bill and c.bill.status in Bill.UNPAID_STATUSES]
    if open_bills and not actor.has_perm("billing.void_bill"):
        raise DomainError(
            _("The fee bills are already issued; only a manager can withdraw this application."),
            code="bills_issued",
        )
    for bill in open_bills:
        billing.void_bill(
            bill=bill, actor=actor, reason=_("Renovation withdrawn: %(reason)s") % {"reason": reason}, now=now
        )
    transition(renovation, "withdraw", actor=actor, now=now, note=reason)
    return renovation
