"""Celery tasks of the dashboards app (listed in servicecenter/celery.py): sweeps over rows,
idempotent, taking ids."""

from celery import shared_task

from dashboards import services_kpis, services_repeats, services_reports


@shared_task
def detect_repeat_repairs(estate_id: int | None = None) -> int:
    """Nightly over the last 40 days of every estate; on demand for one estate, all its history.
    A pair already recorded is never recorded again (a unique constraint)."""
    if estate_id is None:
        return services_repeats.detect_recent_repeat_repairs()
    return services_repeats.detect_repeat_repairs(estate_id=estate_id)


@shared_task
def build_monthly_reports() -> int:
    """Last month's report for every estate without one. Scheduled on the 1st and on the
    following days until the 5th (the domain's deadline), so a run lost on the 1st is made up;
    a run that finds every report built does nothing."""
    return len(services_reports.build_due_monthly_reports())


@shared_task
def refresh_kpi_months() -> int:
    """Every estate's stored KPI figures of the month just closed, computed again; nightly, and
    it does something only during the first `services_kpis.REFRESH_DAYS` days of a month."""
    return services_kpis.refresh_just_closed_kpi_months()


@shared_task
def refresh_live_kpi_months() -> int:
    """Every few minutes: the current month's KPI snapshots that were asked for, computed again
    before they are older than `KPI_LIVE_MAX_AGE_SECONDS`; a lost run only means the next reader
    computes them."""
    return services_kpis.refresh_live_kpi_months()
