"""Celery tasks for staff. `deliver_outbound_messages` is both the minute sweep (beat) and the
shortcut queued after `notify()` commits: the pending `OutboundMessage` rows are the record of
what is due, so a lost message is only a delay until the next minute. Purging runs daily."""

from celery import shared_task

from staff import services


@shared_task
def deliver_outbound_messages() -> int:
    return services.deliver_due_messages()


@shared_task
def purge_read_notifications() -> int:
    return services.purge_read_notifications()
