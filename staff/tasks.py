"""Celery tasks for staff. `deliver_outbound_messages` is both the minute sweep (beat) and the
shortcut queued after `notify()` commits: the pending `OutboundMessage` rows are the record of
what is due, so a lost message is only a delay until the next minute. Purging runs daily."""

from celery import shared_task

from staff import services


@shared_task
def deliver_outbound_messages() -> int:
    """The beat runs this every minute and notify() enqueues it as a shortcut. Any number of copies
    may run at once or twice (late acks, redelivery): each message is claimed on its own."""
    return services.deliver_due_messages()


@shared_task
def purge_read_notifications() -> int:
    return services.purge_read_notifications()


@shared_task
def escalate_overdue_rectification_orders() -> int:
    """The beat runs this every quarter hour; due work is read from the orders' deadlines."""
    from staff.services_quality import escalate_overdue_orders

    return escalate_overdue_orders()
