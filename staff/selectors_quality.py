"""Reads for quality supervision and incidents."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from staff.models import (
    Drill,
    Finding,
    Incident,
    InspectionChecklist,
    InspectionChecklistItem,
    QualityInspection,
    RectificationOrder,
)

# A checklist item failing this many times within REPEAT_WINDOW is a repeated finding (CAPA due).
REPEAT_THRESHOLD = 3
REPEAT_WINDOW = timedelta(days=30)


def checklists_for(user):
    return InspectionChecklist.objects.visible_to(user).prefetch_related(
        Prefetch("items", queryset=InspectionChecklistItem.objects.filter(is_active=True))
    )


def inspections_for(user):
    return (
        QualityInspection.objects.visible_to(user)
        .select_related("checklist", "team", "inspected_by")
        .prefetch_related(Prefetch("findings", queryset=Finding.objects.select_related("item")))
    )


def orders_for(user):
    return RectificationOrder.objects.visible_to(user).select_related("team", "issued_by", "inspection")


def incidents_for(user):
    return (
        Incident.objects.visible_to(user)
        .select_related("reported_by")
        .prefetch_related("timeline__author", "notified_users")
    )


def drills_for(user):
    return Drill.objects.visible_to(user).select_related("created_by")


def repeated_item_ids(*, estate_id: int, at: datetime | None = None) -> set[int]:
    """The checklist items of the estate that failed REPEAT_THRESHOLD times or more in the
    REPEAT_WINDOW before `at` (one query)."""
    at = at or timezone.now()
    return set(
        Finding.objects.filter(
            inspection__estate_id=estate_id,
            passed=False,
            inspection__inspected_at__gt=at - REPEAT_WINDOW,
            inspection__inspected_at__lte=at,
        )
        .values("item_id")
        .annotate(failures=Count("pk"))
        .filter(failures__gte=REPEAT_THRESHOLD)
        .values_list("item_id", flat=True)
    )


def is_repeated(finding: Finding) -> bool:
    if finding.passed:
        return False
    inspection = finding.inspection
    return finding.item_id in repeated_item_ids(estate_id=inspection.estate_id, at=inspection.inspected_at)


def overdue_orders(*, now: datetime | None = None):
    now = now or timezone.now()
    return RectificationOrder.objects.filter(
        Q(status=RectificationOrder.Status.ISSUED, deadline__lt=now)
        | Q(status=RectificationOrder.Status.ESCALATED)
    )
