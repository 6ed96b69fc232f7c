"""Notices and community events for tests, made through the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from relations.services import events as event_services
from relations.services import notices as notice_services


def make_notice(
    estate, actor, *, buildings=(), urgent=False, publish=False, title="停水通知", days=7, **extra
):
    today = timezone.localdate()
    notice = notice_services.create_notice(
        actor=actor,
        estate=estate,
        title=title,
        body=extra.pop("body", "明日9:00至12:00停水检修。"),
        start_date=extra.pop("start_date", today),
        end_date=extra.pop("end_date", today + timedelta(days=days)),
        is_urgent=urgent,
        buildings=buildings,
    )
    if publish:
        notice = notice_services.publish_notice(notice=notice, actor=actor)
    return notice


def make_event(estate, actor, *, buildings=(), capacity=10, publish=False, title="中秋游园会", **extra):
    now = timezone.now()
    starts_at = extra.pop("starts_at", now + timedelta(days=10))
    event = event_services.create_event(
        actor=actor,
        estate=estate,
        title=title,
        place=extra.pop("place", "中心花园"),
        starts_at=starts_at,
        ends_at=extra.pop("ends_at", starts_at + timedelta(hours=3)),
        capacity=capacity,
        signup_deadline=extra.pop("signup_deadline", starts_at - timedelta(days=2)),
        buildings=buildings,
    )
    if publish:
        event = event_services.publish_event(event=event, actor=actor)
    return event
