"""Demo notices and a community event for the first demo estate: an urgent water-cut notice for
the demo resident's building, an estate-wide fire-drill notice, a draft, and a Mid-Autumn garden
party with sign-ups from the demo residents' households, all through `relations.services`.
Idempotent: an estate that already has notices is left as it is."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from relations.models import Notice
from relations.selectors.events import household_members
from relations.services import events as event_services
from relations.services import notices as notice_services
from residents.models import Estate, Occupancy
from servicecenter.exceptions import DomainError


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    estate = estates[0]
    if Notice.objects.filter(estate=estate).exists():
        stdout.write(f"notices: {estate.code} already has notices; left as it is")
        return
    desk, manager = users["frontdesk"], users["manager"]
    resident = users.get("resident")
    home = (
        Occupancy.objects.current().filter(person__user=resident).select_related("unit__building").first()
        if resident
        else None
    )
    today = timezone.localdate()
    with transaction.atomic():
        water = notice_services.create_notice(
            actor=desk,
            estate=estate,
            title="停水通知",
            body="因二次供水设备检修，明日9:00至14:00停水，请提前储水。给您带来不便，敬请谅解。",
            start_date=today,
            end_date=today + timedelta(days=2),
            is_urgent=True,
            buildings=[home.unit.building] if home else [],
        )
        notice_services.publish_notice(notice=water, actor=desk)
        drill = notice_services.create_notice(
            actor=manager,
            estate=estate,
            title="消防演练通知",
            body="本周五下午15:00在中心广场举行消防演练，届时消防警铃将鸣响，请勿惊慌。",
            start_date=today - timedelta(days=1),
            end_date=today + timedelta(days=6),
        )
        notice_services.publish_notice(notice=drill, actor=manager)
        notice_services.create_notice(
            actor=desk,
            estate=estate,
            title="电梯年检安排（草稿）",
            body="各栋电梯将于下月逐栋年检，具体时间另行通知。",
            start_date=today + timedelta(days=7),
            end_date=today + timedelta(days=14),
        )
        starts_at = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(
            days=12
        )
        party = event_services.create_event(
            actor=desk,
            estate=estate,
            title="中秋游园会",
            description="猜灯谜、做月饼、亲子游戏，欢迎业主和家人参加。",
            place="中心花园",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2, minutes=30),
            capacity=60,
            signup_deadline=starts_at - timedelta(days=2),
        )
        event_services.publish_event(event=party, actor=desk)
        signed = 0
        for username in ("resident2",):
            user = users.get(username)
            if user is None:
                continue
            for person in household_members(user, today=today):
                try:
                    event_services.sign_up(event=party, person=person, user=user)
                    signed += 1
                except DomainError:
                    continue
    stdout.write(f"notices: {estate.code}: 3 notices (1 urgent), 1 event with {signed} sign-ups")
