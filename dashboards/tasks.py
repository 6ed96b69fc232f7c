"""Celery tasks of the dashboards app (listed in servicecenter/celery.py): sweeps over rows,
idempotent, taking ids."""

from celery import shared_task

from dashboards import services_repeats


@shared_task
def detect_repeat_repairs(estate_id: int | None = None) -> int:
    """Nightly over the last 40 days of every estate; on demand for one estate, all its history.
    A pair already recorded is never recorded again (a unique constraint)."""
    if estate_id is None:
        return services_repeats.detect_recent_repeat_repairs()
    return services_repeats.detect_repeat_repairs(estate_id=estate_id)
