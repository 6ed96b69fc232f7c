"""Periodic renovation jobs: small, idempotent sweeps over database state that call the services
(listed in servicecenter/celery.py). Each runs several times a day, so a lost run is made up by
the next one."""

from celery import shared_task

from renovations import services


@shared_task
def generate_renovation_patrols() -> int:
    """Today's patrol of every active renovation (one per renovation and day, however often it
    runs)."""
    return services.generate_daily_patrols()


@shared_task
def mark_missed_renovation_patrols() -> int:
    """Patrols still due after their day become missed."""
    return services.mark_missed_patrols()


@shared_task
def start_due_renovation_works() -> int:
    """Works of a permit whose planned start has come are in progress."""
    return services.start_due_works()
