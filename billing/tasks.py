"""Periodic billing jobs. Each is a sweep over database state, safe to run twice."""

import logging

from celery import shared_task
from django.utils import timezone

from billing import services
from billing.models import BillingPolicy
from residents.models import Estate
from servicecenter.periods import month_start

logger = logging.getLogger("servicecenter.billing")


@shared_task
def generate_monthly_bills() -> int:
    """Daily: issue this month's bills for every estate whose bill day has come. Re-running is
    harmless (generation is idempotent) and also bills units handed over or read since."""
    now = timezone.now()
    today = timezone.localdate(now)
    bill_days = dict(BillingPolicy.objects.values_list("estate_id", "bill_day"))
    created = 0
    for estate in Estate.objects.order_by("pk"):
        if today.day < bill_days.get(estate.pk, 1):
            continue
        result = services.generate_bills(estate=estate, period=month_start(today), now=now)
        created += result.created
        logger.info("billing: %s %s: %s bills issued", estate.code, result.period, result.created)
    return created


@shared_task
def run_reminder_ladder() -> int:
    """Daily: every overdue bill owed its next reminder step, found from the bills and the
    reminders already written, so a lost run is made up by the next day's."""
    result = services.run_reminder_ladder()
    return sum(result.created.values())
