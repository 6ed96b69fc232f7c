"""The Celery app and the one beat schedule of the whole project.

Every periodic job is listed here and nowhere else. Jobs are sweeps that find due work from
database state, so a message lost while the broker was down is only a delay.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecenter.settings")

app = Celery("servicecenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "deliver-outbound-messages": {
        "task": "staff.tasks.deliver_outbound_messages",
        "schedule": 60.0,
    },
    "billing-generate-monthly-bills": {
        "task": "billing.tasks.generate_monthly_bills",
        "schedule": crontab(hour=1, minute=30),
    },
    "billing-reminder-ladder": {
        "task": "billing.tasks.run_reminder_ladder",
        "schedule": crontab(hour=9, minute=0),
    },
    "purge-old-notifications": {
        "task": "staff.tasks.purge_read_notifications",
        "schedule": crontab(hour=3, minute=30),
    },
    "tickets-sweep-deadlines": {
        "task": "tickets.tasks.sweep_ticket_deadlines",
        "schedule": 180.0,
    },
    "tickets-remind-due-callbacks": {
        "task": "tickets.tasks.remind_due_callbacks",
        "schedule": 300.0,
    },
    "tickets-close-resolved": {
        "task": "tickets.tasks.close_resolved_tickets",
        "schedule": crontab(minute=17),
    },
    "tickets-draw-callback-samples": {
        "task": "tickets.tasks.draw_callback_samples",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
}
