"""A real Celery worker process consuming from a real Redis broker, writing to the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from staff.models import OutboundMessage

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.skipif(not REDIS_URL, reason="needs a Redis broker: set REDIS_URL (CI does)")
def test_a_task_sent_through_redis_is_run_by_a_real_worker(users, tmp_path):
    broker = REDIS_URL.rsplit("/", 1)[0] + "/14"  # a database of its own, so no other queue interferes
    # Sent even in quiet hours: this test is about the worker and the broker, and CI runs at any hour.
    message = OutboundMessage.objects.create(
        channel="sms",
        address="13800000000",
        body="hello",
        not_before=timezone.now(),
        ignores_quiet_hours=True,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servicecenter.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VAR_DIR": str(tmp_path),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "servicecenter",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            "test-worker@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Not the current app: shared tasks in later tests must keep using the project app (eager).
        sender = Celery(broker=broker, set_as_current=False)
        sender.send_task("staff.tasks.deliver_outbound_messages")
        sender.send_task("staff.tasks.deliver_outbound_messages")  # a duplicate delivery is harmless
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message.refresh_from_db()
            if message.status == "sent":
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert message.status == "sent", output[-3000:]
    assert message.attempts == 1
    assert "staff.tasks.deliver_outbound_messages" in output
