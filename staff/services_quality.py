"""Quality supervision (品质巡检/督办): inspection rounds against checklists, rectification orders
issued to teams with a deadline (the workflow in `staff.workflows.RECTIFICATION`), their escalation
when overdue, and corrective and preventive actions (CAPA) against repeated findings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from servicecenter.uploads import prepare_upload
from servicecenter.workflow import SYSTEM
from staff.defaults_quality import DEFAULT_CHECKLISTS
from staff.models import (
    CorrectiveAction,
    Finding,
    InspectionChecklist,
    InspectionChecklistItem,
    QualityInspection,
    RectificationOrder,
    RectificationOrderEvent,
    Team,
)
from staff.selectors import staff_users_of_estate
from staff.services import notify
from staff.workflows import RECTIFICATION

INSPECT = "staff.inspect_quality"
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def require_estate_access(actor, estate, permission: str, message) -> None:
    """Refuse an actor without the permission or outside the estate (PermissionDenied)."""
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(str(message))
    access = access_for(actor)
    if not (access.all_estates or estate.pk in access.estate_ids):
        raise PermissionDenied(_("This estate is not one of yours."))


def _text(value: str, *, message: str, code: str = "required") -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code=code)
    return value


def ensure_default_checklists(*, estate) -> int:
    """Create the default checklist of each team kind the estate lacks (idempotent)."""
    created = 0
    for kind, (name, items) in DEFAULT_CHECKLISTS.items():
        if InspectionChecklist.objects.filter(estate=estate, team_kind=kind).exists():
            continue
        checklist = InspectionChecklist.objects.create(estate=estate, team_kind=kind, name=str(name))
        InspectionChecklistItem.objects.bulk_create(
            InspectionChecklistItem(checklist=checklist, text=str(text), sort_order=index * 10)
            for index, text in enumerate(items, start=1)
        )
        created += 1
    return created


@transaction.atomic
def record_inspection(
    *,
    actor,
    checklist: InspectionChecklist,
    team: Team,
    results: Iterable[dict],
    note: str = "",
    inspected_at: datetime | None = None,
    now: datetime | None = None,
) -> QualityInspection:
    """One inspection round: `results` gives, per checklist item, `item` (the item or its pk),
    `passed`, and for a failed item a `note` (required) and an optional `photo` upload. Every
    active item of the checklist must be judged once."""
    now = _now(now)
    require_estate_access(actor, checklist.estate, INSPECT, _("You may not carry out quality inspections."))
    if not checklist.is_active:
        raise DomainError(_("This checklist is no longer in use."), code="checklist_inactive")
    if team.estate_id != checklist.estate_id or team.kind != checklist.team_kind:
        raise DomainError(_("The checklist is not for this team."), code="wrong_team")
    inspected_at = inspected_at or now
    if inspected_at > now:
        raise DomainError(_("An inspection cannot be recorded in the future."), code="in_future")
    items = {item.pk: item for item in checklist.items.filter(is_active=True)}
    judged: dict[int, dict] = {}
    for result in results:
        item = result.get("item")
        item_pk = getattr(item, "pk", item)
        if item_pk not in items:
            raise DomainError(_("An item is not on this checklist."), code="unknown_item")
        if item_pk in judged:
            raise DomainError(_("An item is judged twice."), code="duplicate_item")
        judged[item_pk] = result
    if set(judged) != set(items):
        raise DomainError(_("Judge every item of the checklist."), code="items_missing")
    inspection = QualityInspection.objects.create(
        estate=checklist.estate,
        checklist=checklist,
        team=team,
        inspected_by=actor,
        inspected_at=inspected_at,
        note=(note or "").strip(),
    )
    for item_pk, result in judged.items():
        passed = bool(result.get("passed"))
        finding = Finding(inspection=inspection, item=items[item_pk], passed=passed)
        if not passed:
            finding.note = _text(
                result.get("note", ""),
                message=_("Say what was wrong with each failed item."),
                code="note_required",
            )
            photo = result.get("photo")
            if photo:
                _store_photo(finding, photo)
        finding.save()
    return inspection


def _store_photo(finding: Finding, photo) -> None:
    try:
        stored, content_type = prepare_upload(photo, allowed=PHOTO_TYPES)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="bad_photo") from None
    finding.photo.save(stored.name, stored, save=False)
    finding.photo_content_type = content_type


@transaction.atomic
def attach_finding_photo(*, actor, finding: Finding, photo) -> Finding:
    """Add (or replace) the photo of a failed item after the round was recorded (the API sends
    photos apart from the JSON round)."""
    require_estate_access(
        actor, finding.inspection.estate, INSPECT, _("You may not carry out quality inspections.")
    )
    if finding.passed:
        raise DomainError(_("Only a failed item takes a photo."), code="passed")
    if not photo:
        raise DomainError(_("Choose a photo."), code="required")
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    _store_photo(finding, photo)
    finding.save(update_fields=["photo", "photo_content_type"])
    return finding


@transaction.atomic
def issue_rectification_order(
    *,
    actor,
    inspection: QualityInspection,
    description: str,
    deadline: datetime,
    finding: Finding | None = None,
    now: datetime | None = None,
) -> RectificationOrder:
    now = _now(now)
    require_estate_access(actor, inspection.estate, INSPECT, _("You may not issue rectification orders."))
    description = _text(description, message=_("Say what must be rectified."))
    if deadline is None or deadline <= now:
        raise DomainError(_("The deadline must be in the future."), code="deadline_past")
    if finding is not None and finding.inspection_id != inspection.pk:
        raise DomainError(_("The finding is not of this inspection."), code="wrong_finding")
    order = RectificationOrder.objects.create(
        estate=inspection.estate,
        inspection=inspection,
        finding=finding,
        team=inspection.team,
        description=description,
        deadline=deadline,
        issued_by=actor,
        issued_at=now,
    )
    RectificationOrderEvent.objects.create(
        order=order, action="issue", from_status="", to_status=order.status, actor=actor, created_at=now
    )
    return order


def _lock(order: RectificationOrder) -> RectificationOrder:
    return RectificationOrder.objects.select_for_update().get(pk=order.pk)


def _act(order, action: str, *, actor, note: str, now, fields: dict) -> RectificationOrder:
    with transaction.atomic():
        order = _lock(order)
        RECTIFICATION.check(order, action, actor, now=now)
        access = access_for(actor)
        if not (access.all_estates or order.estate_id in access.estate_ids):
            raise PermissionDenied(_("This estate is not one of yours."))
        RECTIFICATION.transition(
            order, action, actor=actor, note=(note or "").strip(), now=now, fields=fields
        )
    return order


def report_rectified(*, order: RectificationOrder, actor, note: str = "", now: datetime | None = None):
    now = _now(now)
    return _act(order, "rectify", actor=actor, note=note, now=now, fields={"rectified_at": now})


def verify_rectification(*, order: RectificationOrder, actor, note: str = "", now: datetime | None = None):
    now = _now(now)
    return _act(order, "verify", actor=actor, note=note, now=now, fields={"verified_at": now})


def send_back_rectification(*, order: RectificationOrder, actor, note: str, now: datetime | None = None):
    now = _now(now)
    note = _text(note, message=_("Say why the rectification is not accepted."))
    return _act(order, "send_back", actor=actor, note=note, now=now, fields={"rectified_at": None})


def escalate_overdue_orders(*, now: datetime | None = None) -> int:
    """Escalate every issued order past its deadline and tell the estate's managers. Safe to run
    twice: an escalated order is no longer issued, and the notification is deduplicated."""
    from servicecenter.roles import MANAGER

    now = _now(now)
    due = list(
        RectificationOrder.objects.filter(
            status=RectificationOrder.Status.ISSUED, deadline__lt=now
        ).values_list("pk", flat=True)
    )
    escalated = 0
    for pk in due:
        with transaction.atomic():
            order = RectificationOrder.objects.select_for_update().select_related("estate", "team").get(pk=pk)
            if order.status != RectificationOrder.Status.ISSUED or order.deadline >= now:
                continue
            RECTIFICATION.check(order, "escalate", SYSTEM, now=now)
            RECTIFICATION.transition(
                order, "escalate", actor=None, note="", now=now, fields={"escalated_at": now}
            )
            notify(
                recipients=staff_users_of_estate(estate=order.estate, role=MANAGER),
                kind="rectification_overdue",
                title=_("Rectification order #%(number)s of %(team)s is overdue")
                % {"number": order.pk, "team": order.team.name},
                body=order.description,
                estate=order.estate,
                dedupe_key=f"rectification-overdue:{order.pk}",
                now=now,
            )
            escalated += 1
    return escalated


def record_corrective_action(
    *,
    actor,
    item: InspectionChecklistItem,
    cause: str,
    corrective_action: str,
    preventive_action: str = "",
    now: datetime | None = None,
) -> CorrectiveAction:
    estate = item.checklist.estate
    require_estate_access(actor, estate, INSPECT, _("You may not record corrective actions."))
    return CorrectiveAction.objects.create(
        estate=estate,
        item=item,
        cause=_text(cause, message=_("Say what caused the repeated finding.")),
        corrective_action=_text(corrective_action, message=_("Say what was done to correct it.")),
        preventive_action=(preventive_action or "").strip(),
        recorded_by=actor,
        recorded_at=_now(now),
    )
