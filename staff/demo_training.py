"""Demo training log for the first demo estate: three sessions of the last two months (fire
safety by the fire brigade, customer service by the supervisor, renovation rules by the manager),
with the estate's staff attending and scored. Idempotent: an estate with sessions is left alone."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from staff import services_training
from staff.models import TrainingSession

SESSIONS = [
    ("消防安全与灭火器使用", 50, None, "深圳市消防救援支队"),
    ("客服礼仪与投诉处理", 30, "supervisor", ""),
    ("装修管理规定与巡查要点", 12, "manager", ""),
]


@transaction.atomic
def seed_demo_data(*, estates: list, users: dict, rng: random.Random, stdout) -> None:
    if not estates:
        return
    estate = estates[0]
    if TrainingSession.objects.filter(estate=estate).exists():
        return
    today = timezone.localdate()
    attendees = [users[role] for role in ("frontdesk", "clerk", "housekeeper", "technician", "supervisor")]
    for topic, days_ago, trainer_role, trainer_name in SESSIONS:
        session = services_training.create_training_session(
            estate=estate,
            topic=topic,
            session_date=today - timedelta(days=days_ago),
            trainer=users[trainer_role] if trainer_role else None,
            trainer_name=trainer_name,
            actor=users["manager"],
        )
        for person in attendees:
            if person == session.trainer:
                continue
            present = rng.random() > 0.15
            services_training.record_training_attendance(
                session=session,
                user=person,
                attended=present,
                score=rng.randint(70, 100) if present else None,
                note="" if present else "请假",
                actor=users["manager"],
            )
    stdout.write(f"Training log: {len(SESSIONS)} sessions for {estate.name}.")
