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
