"""Celery tasks for tickets: small, idempotent, taking ids. The periodic ones are sweeps that find
due work from database state (listed in servicecenter/celery.py); `check_ticket_deadlines` is the
shortcut queued after a registration, which the sweep makes redundant when the broker is down."""

from celery import shared_task

from tickets import services


@shared_task
def check_ticket_deadlines(ticket_id: int) -> int:
    """Shortcut queued after a registration; `sweep_ticket_deadlines` (every 3 minutes) finds the
    same work from the ticket's deadline columns if this message is lost."""
    return len(services.process_ticket_deadlines(ticket_id=ticket_id))


@shared_task
def sweep_ticket_deadlines() -> int:
    return services.run_deadline_sweep()


@shared_task
def remind_due_callbacks() -> int:
    return services.remind_due_callbacks()


@shared_task
def close_resolved_tickets() -> int:
    return services.close_resolved_without_callback()


@shared_task
def draw_callback_samples() -> int:
    """Daily: last month's sample for each estate without one (a unique constraint), so a run
    lost on the 1st is made up the next day."""
    return len(services.draw_callback_samples())


@shared_task
def retrain_intake_suggestions() -> int:
    """Nightly: one training task per estate with a history (or a model to drop). Each training
    reads only the database, so a task run twice, or a night missed, costs nothing but time."""
    estate_ids = services.estates_to_train()
    for estate_id in estate_ids:
        train_intake_suggestions.delay(estate_id=estate_id)
    return len(estate_ids)


@shared_task
def train_intake_suggestions(estate_id: int) -> bool:
    return services.train_suggestion_model(estate_id=estate_id) is not None


@shared_task
def refresh_ticket_metrics_months() -> int:
    """Every estate's stored ticket KPIs of the month just closed, computed again in every
    grouping; nightly, and it does something only during the first
    `services.metrics.REFRESH_DAYS` days of a month."""
    return services.refresh_just_closed_ticket_metrics()


@shared_task
def refresh_live_ticket_metrics() -> int:
    """Every few minutes: the current month's snapshots that were asked for, computed again
    before they are older than `KPI_LIVE_MAX_AGE_SECONDS`; a lost run only means the next
    reader computes them."""
    return services.refresh_live_ticket_metrics()
