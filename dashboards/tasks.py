"""Scheduled work of the dashboards app (beat schedule: servicecenter/celery.py)."""

from celery import shared_task

from dashboards import services_reports


@shared_task
def build_monthly_reports() -> int:
    """Last month's report for every estate without one. Scheduled on the 1st and on the
    following days until the 5th (the domain's deadline), so a run lost on the 1st is made up;
    a run that finds every report built does nothing."""
    return len(services_reports.build_due_monthly_reports())
