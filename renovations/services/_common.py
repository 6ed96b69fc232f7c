"""What the renovation services share: the clock, locking a renovation, the declared transition,
the reason, permission and estate checks, workers' details and stored documents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from renovations.models import Renovation, RenovationDocument, RenovationEvent
from renovations.workflows import RENOVATION
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from servicecenter.uploads import ALLOWED_DOCUMENT_TYPES, prepare_upload
from servicecenter.validators import (
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

RenovationStatus = Renovation.Status
PERM = "renovations."


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def lock(renovation: Renovation) -> Renovation:
    """The renovation row, locked for the rest of the transaction (re-read: the caller's copy may
    be stale)."""
    return (
        Renovation.objects.select_for_update(of=("self",))
        .select_related("estate", "unit")
        .get(pk=renovation.pk)
    )


def check(renovation: Renovation, action: str, actor, *, now: datetime, skip: Iterable[str] = ()) -> None:
    """Refuse unless the declaration allows `action` on the locked renovation for `actor` (None:
    the system). Always the first check of a service, so that a user without the permission
    hears that, not a complaint about the input."""
    RENOVATION.check(renovation, action, actor, now=now, skip=skip)
    require_estate(actor, renovation.estate_id)


def transition(
    renovation: Renovation, action: str, *, actor, now: datetime, note: str = "", fields: dict | None = None
) -> RenovationEvent:
    return RENOVATION.transition(renovation, action, actor=actor, note=note, now=now, fields=fields)


def write_event(
    renovation: Renovation, *, action: str, actor, now: datetime, note: str = ""
) -> RenovationEvent:
    """A line of the timeline that is not a change of state (registered, details changed, a
    worker added or removed, a deduction proposed)."""
    return RenovationEvent.objects.create(
        renovation=renovation,
        action=action,
        from_status=renovation.status if action != "register" else "",
        to_status=renovation.status,
        actor=actor,
        note=note,
        created_at=now,
    )


def require_reason(reason: str, *, message: str | None = None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            message or _("Give a reason; it is kept with the application."), code="reason_required"
        )
    return reason


def require_perm(actor, perm: str, message: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(message)


def require_estate(actor, estate_id: int) -> None:
    """Staff act only on the estates they work for (None: the system)."""
    if actor is None:
        return
    access = access_for(actor)
    if access.all_estates:
        return
    if not access.is_staff_member or estate_id not in access.estate_ids:
        raise PermissionDenied(_("You do not work in this estate."))


def clean_worker(*, name: str, mobile: str, id_number: str, trade: str = "") -> dict:
    """A worker's details as stored, or a DomainError: a name, a mainland mobile number and a
    valid mainland ID number are required (the gate checks the holder against them)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the worker's name."), code="worker_name_required")
    mobile = normalize_mobile(mobile)
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        raise DomainError(
            _("Worker %(name)s: %(error)s") % {"name": name, "error": exc.messages[0]},
            code="worker_mobile_invalid",
        ) from None
    id_number = normalize_id_number(id_number)
    try:
        validate_id_number(id_number)
    except ValidationError as exc:
        raise DomainError(
            _("Worker %(name)s: %(error)s") % {"name": name, "error": exc.messages[0]},
            code="worker_id_invalid",
        ) from None
    return {"name": name[:100], "mobile": mobile, "id_number": id_number, "trade": (trade or "").strip()[:50]}


def store_document(
    *, renovation: Renovation, kind: str, uploaded, actor, now: datetime, patrol=None, violation=None
) -> RenovationDocument:
    """Check the upload (type by its bytes, size; pictures re-encoded) and store it."""
    if kind not in RenovationDocument.Kind.values:
        raise DomainError(_("Choose the kind of document."), code="invalid_kind")
    if uploaded is None:
        raise DomainError(_("Choose a file to upload."), code="file_required")
    try:
        stored, content_type = prepare_upload(uploaded, allowed=ALLOWED_DOCUMENT_TYPES)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_upload") from None
    document = RenovationDocument(
        renovation=renovation,
        patrol=patrol,
        violation=violation,
        kind=kind,
        original_name=(getattr(uploaded, "name", "") or stored.name)[:255],
        content_type=content_type,
        size=stored.size,
        uploaded_by=actor,
        uploaded_at=now,
    )
    document.file.save(stored.name, stored, save=False)
    document.save()
    return document
