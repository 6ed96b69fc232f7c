"""Periodic billing jobs. Each is a sweep over database state, safe to run twice."""

import logging

from celery import shared_task
from django.utils import timezone

from billing import services

logger = logging.getLogger("servicecenter.billing")


@shared_task
def generate_monthly_bills() -> int:
    """Daily: issue this month's bills for every estate whose bill day has come. Re-running is
    harmless (generation is idempotent) and also bills units handed over or read since."""
    results = services.generate_due_bills(now=timezone.now())
    for estate, result in results.items():
        logger.info("billing: %s %s: %s bills issued", estate.code, result.period, result.created)
    return sum(result.created for result in results.values())


@shared_task
def refresh_arrears_summary() -> int:
    """Nightly, just after midnight: every unit's arrears recomputed for the new day (the ageing
    bands move with the date); until it has run, the arrears report sums the bills itself."""
    return services.refresh_all_unit_arrears(now=timezone.now())


@shared_task
def run_reminder_ladder() -> int:
    """Daily: every overdue bill owed its next reminder step, found from the bills and the
    reminders already written, so a lost run is made up by the next day's."""
    result = services.run_reminder_ladder()
    return sum(result.created.values())


@shared_task
def sweep_online_payments() -> int:
    """Every five minutes: online payment orders left pending (their notification lost) are
    queried at the gateway and posted or closed; a re-run finds nothing more to do."""
    from billing.services.online import sweep_pending_orders

    counts = sweep_pending_orders(now=timezone.now())
    if counts["checked"]:
        logger.info("billing: online orders %s", counts)
    return counts["paid"] + counts["closed"]
