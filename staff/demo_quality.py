"""Demo data of quality supervision and incidents: the default checklists, an inspection round of
the cleaning team with a failed item and its rectification order, an incident with a timeline and
a drill planned. Idempotent: an estate that already has inspections is left as it is."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from staff import services_incidents, services_quality
from staff.models import IncidentKind, InspectionChecklist, QualityInspection, Team


def seed_demo_data(*, estates, users: dict, rng: random.Random, stdout) -> None:
    for estate in estates:
        services_quality.ensure_default_checklists(estate=estate)
    estate = estates[0]
    if QualityInspection.objects.filter(estate=estate).exists():
        stdout.write(f"quality: {estate.code} already has inspections; left as it is")
        return
    inspector = users["supervisor"]
    now = timezone.now()
    with transaction.atomic():
        team, _created = Team.objects.get_or_create(
            estate=estate, kind=Team.Kind.CLEANING, defaults={"name": "保洁组"}
        )
        checklist = InspectionChecklist.objects.filter(estate=estate, team_kind=Team.Kind.CLEANING).first()
        items = list(checklist.items.filter(is_active=True))
        failed = rng.choice(items)
        inspection = services_quality.record_inspection(
            actor=inspector,
            checklist=checklist,
            team=team,
            inspected_at=now - timedelta(hours=3),
            results=[
                {
                    "item": item,
                    "passed": item != failed,
                    "note": "现场未达标，已拍照" if item == failed else "",
                }
                for item in items
            ],
        )
        services_quality.issue_rectification_order(
            actor=inspector,
            inspection=inspection,
            finding=inspection.findings.get(passed=False),
            description=f"{failed.text}：当日内整改完毕并回复",
            deadline=now + timedelta(days=1),
        )
        incident = services_incidents.record_incident(
            actor=inspector,
            estate=estate,
            kind=IncidentKind.WATER_LEAK,
            title="地下车库B区水管爆裂",
            location="地下车库B区",
            occurred_at=now - timedelta(hours=5),
            notified_users=[users["manager"]],
            notified_others="维修公司值班电话；片区业主群",
        )
        for minutes, text in (
            (-290, "秩序员发现漏水，上报中控"),
            (-280, "工程部关闭分区阀门"),
            (-200, "抢修完成，保洁清理积水"),
        ):
            services_incidents.add_timeline_entry(
                actor=inspector, incident=incident, text=text, at=now + timedelta(minutes=minutes)
            )
        services_incidents.plan_drill(
            actor=inspector,
            estate=estate,
            kind=IncidentKind.FIRE_ALARM,
            planned_for=timezone.localdate(now) + timedelta(days=14),
            participants="秩序组、工程组、客服中心",
        )
    stdout.write(
        f"quality: {estate.code}: an inspection round with a rectification order, an incident, a drill"
    )
