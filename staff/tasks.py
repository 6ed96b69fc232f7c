from celery import shared_task

from staff import services


@shared_task
def deliver_outbound_messages() -> int:
    return services.deliver_due_messages()


@shared_task
def purge_read_notifications() -> int:
    return services.purge_read_notifications()
