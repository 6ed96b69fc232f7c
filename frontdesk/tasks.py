"""Periodic front-desk jobs: small, idempotent sweeps over database state that call the services
(listed in servicecenter/celery.py)."""

from celery import shared_task

from frontdesk import services


@shared_task
def remind_lost_items_due_for_disposal() -> int:
    """Tell the desk about held lost items whose disposal date is near (each item once)."""
    return services.remind_lost_items_due()
