"""The Celery app and the one beat schedule of the whole project.

Every periodic job is listed here and nowhere else. Jobs are sweeps that find due work from
database state, so a message lost while the broker was down is only a delay.
"""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecenter.settings")

app = Celery("servicecenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
    folder = (app.conf.broker_transport_options or {}).get(key)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)

app.conf.beat_schedule = {
    "deliver-outbound-messages": {
        "task": "staff.tasks.deliver_outbound_messages",
        "schedule": 60.0,
    },
    "purge-old-notifications": {
        "task": "staff.tasks.purge_read_notifications",
        "schedule": crontab(hour=3, minute=30),
    },
}
