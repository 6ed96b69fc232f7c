"""Celery tasks of resident relations. `send_urgent_notice_sms` is queued after an urgent notice
is published; `sweep_urgent_notice_sms` (beat) finds the same work from the notices' rows, so a
lost message is only a delay. Both are idempotent: each person is notified once per notice."""

from celery import shared_task

from relations.services import notices


@shared_task
def send_urgent_notice_sms(notice_id: int) -> int:
    return notices.send_notice_sms(notice_id=notice_id)


@shared_task
def sweep_urgent_notice_sms() -> int:
    return notices.send_due_notice_sms()
