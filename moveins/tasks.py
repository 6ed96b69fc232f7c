"""Periodic move-in jobs: small, idempotent sweeps over database state that call the services
(listed in servicecenter/celery.py)."""

from celery import shared_task

from moveins import services


@shared_task
def remind_movein_spot_checks() -> int:
    """Remind each estate's managers once a month when too few move-in records were spot-checked."""
    return services.remind_spot_checks()
