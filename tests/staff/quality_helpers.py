"""Objects of quality supervision for tests: a checklist, a round, an order in any state."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from staff.models import (
    Finding,
    InspectionChecklist,
    QualityInspection,
    RectificationOrder,
    Team,
)


def make_checklist(estate, *, kind=Team.Kind.CLEANING, items=("大堂整洁", "电梯无异味"), name=None):
    checklist = InspectionChecklist.objects.create(estate=estate, team_kind=kind, name=name or f"{kind}巡检")
    for index, text in enumerate(items, start=1):
        checklist.items.create(text=text, sort_order=index)
    return checklist


def make_inspection(*, team, inspector, failed=True, at=None, checklist=None):
    if checklist is None:
        name = f"{team.name}巡检"
        existing = InspectionChecklist.objects.filter(estate=team.estate, name=name).first()
        checklist = existing or make_checklist(team.estate, kind=team.kind, name=name)
    inspection = QualityInspection.objects.create(
        estate=team.estate,
        checklist=checklist,
        team=team,
        inspected_by=inspector,
        inspected_at=at or timezone.now(),
    )
    for item in checklist.items.all():
        Finding.objects.create(
            inspection=inspection, item=item, passed=not failed, note="" if not failed else "不合格"
        )
    return inspection


def make_order(*, team, inspector, status=RectificationOrder.Status.ISSUED, deadline=None):
    inspection = make_inspection(team=team, inspector=inspector)
    now = timezone.now()
    return RectificationOrder.objects.create(
        estate=team.estate,
        inspection=inspection,
        team=team,
        description="整改",
        deadline=deadline or now + timedelta(days=2),
        status=status,
        issued_by=inspector,
        issued_at=now,
    )
