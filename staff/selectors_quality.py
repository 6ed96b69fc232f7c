"""Reads for quality supervision and incidents."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, OuterRef, Prefetch, Q
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


def inspections_for_list(user, *, estate_id=None, team_kind: str = "", on=None):
    """The inspection rounds of the list page, newest first, with their failed-item count (one
    query, no findings loaded)."""
    inspections = (
        QualityInspection.objects.visible_to(user)
        .select_related("estate", "checklist", "team", "inspected_by")
        .annotate(
            findings_count=Count("findings", filter=Q(findings__passed=False)),
            orders_count=Count("orders", distinct=True),
        )
        .order_by("-inspected_at", "-pk")
    )
    if estate_id:
        inspections = inspections.filter(estate_id=estate_id)
    if team_kind:
        inspections = inspections.filter(team__kind=team_kind)
    if on is not None:
        start = timezone.make_aware(datetime.combine(on, datetime.min.time()))
        inspections = inspections.filter(inspected_at__gte=start, inspected_at__lt=start + timedelta(days=1))
    return inspections


def inspection_for_page(user, pk: int) -> QualityInspection:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        QualityInspection.objects.visible_to(user)
        .select_related("estate", "checklist", "team", "inspected_by")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.select_related("item").prefetch_related("orders"))
        ),
        pk=pk,
    )


def repeated_findings(user, *, now: datetime | None = None, estate_id=None):
    """The checklist items of the user's estates that failed REPEAT_THRESHOLD times or more within
    REPEAT_WINDOW: one row per item with `failures`, `last_failed_at` and `last_capa_at` (the newest
    corrective action recorded against it, if any). One query."""
    from django.db.models import Max, Subquery

    from staff.models import CorrectiveAction

    now = now or timezone.now()
    failed = Q(
        findings__passed=False,
        findings__inspection__inspected_at__gt=now - REPEAT_WINDOW,
        findings__inspection__inspected_at__lte=now,
    )
    items = InspectionChecklistItem.objects.filter(
        checklist__in=InspectionChecklist.objects.visible_to(user)
    ).select_related("checklist__estate")
    if estate_id:
        items = items.filter(checklist__estate_id=estate_id)
    latest_capa = (
        CorrectiveAction.objects.filter(item=OuterRef("pk"))
        .order_by("-recorded_at")
        .values("recorded_at")[:1]
    )
    return (
        items.annotate(
            failures=Count("findings", filter=failed),
            last_failed_at=Max("findings__inspection__inspected_at", filter=failed),
            last_capa_at=Subquery(latest_capa),
        )
        .filter(failures__gte=REPEAT_THRESHOLD)
        .order_by("-failures", "-last_failed_at", "pk")
    )


def corrective_actions_for(user):
    from staff.models import CorrectiveAction

    return CorrectiveAction.objects.visible_to(user).select_related(
        "estate", "item__checklist", "recorded_by"
    )


# Staff sits below tickets and may not import them: the tickets app registers, from its
# AppConfig.ready(), the functions that list an incident's tickets and link one by its number.
_incident_tickets = None
_link_ticket = None


def register_incident_tickets_provider(*, tickets_of_incident, link_ticket_by_number) -> None:
    """`tickets_of_incident(incident=, user=)` -> [{"id", "number", "summary", "status", "url"}];
    `link_ticket_by_number(actor=, incident=, number=)` links the ticket (DomainError if none)."""
    global _incident_tickets, _link_ticket
    _incident_tickets = tickets_of_incident
    _link_ticket = link_ticket_by_number


def tickets_of_incident(*, incident, user) -> list[dict]:
    if _incident_tickets is None:
        return []
    return _incident_tickets(incident=incident, user=user)
