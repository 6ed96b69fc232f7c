"""The renovation sweeps as Celery runs them: eagerly, and through a real worker and Redis broker.
Run twice, they create one patrol per renovation and day."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from renovations import tasks
from renovations.models import Patrol, Renovation
from servicecenter.celery import app
from tests.factories import make_zone
from tests.renovations.factories import PatrolFactory, RenovationFactory

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def due_today(unit_a, building_a, housekeeper, estate_a):
    """Works in progress today (whatever today is) in the housekeeper's zone."""
    make_zone(estate_a, housekeeper, building_a)
    today = timezone.localdate()
    return RenovationFactory(
        unit=unit_a,
        status=Renovation.Status.IN_PROGRESS,
        planned_start=today - timedelta(days=3),
        planned_end=today + timedelta(days=30),
    )


def test_the_patrol_task_run_twice_creates_one_patrol(due_today, housekeeper):
    assert tasks.generate_renovation_patrols.delay().get() == 1
    assert tasks.generate_renovation_patrols.delay().get() == 0
    patrol = Patrol.objects.get()
    assert (patrol.renovation, patrol.date, patrol.assignee) == (due_today, timezone.localdate(), housekeeper)


def test_the_missed_patrol_task_marks_yesterdays_due_patrols(due_today):
    yesterday = PatrolFactory(renovation=due_today, date=timezone.localdate() - timedelta(days=1))
    assert tasks.mark_missed_renovation_patrols.delay().get() == 1
    assert tasks.mark_missed_renovation_patrols.delay().get() == 0
    yesterday.refresh_from_db()
    assert yesterday.result == Patrol.Result.MISSED


def test_the_beat_schedule_runs_the_renovation_sweeps():
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "renovations.tasks.generate_renovation_patrols",
        "renovations.tasks.mark_missed_renovation_patrols",
        "renovations.tasks.start_due_renovation_works",
    } <= scheduled


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.skipif(not REDIS_URL, reason="needs a Redis broker: set REDIS_URL (CI does)")
def test_the_patrol_task_sent_twice_through_redis_creates_one_patrol(due_today, tmp_path):
    # A queue of its own on the given Redis database, so that no other consumer takes the messages.
    queue = f"renovation-patrols-test-{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servicecenter.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
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
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    name = "renovations.tasks.generate_renovation_patrols"
    try:
        # Not the current app: shared tasks in later tests must keep using the project app (eager).
        sender = Celery(broker=REDIS_URL, set_as_current=False)
        sender.send_task(name, queue=queue)
        sender.send_task(name, queue=queue)  # a duplicate delivery creates nothing more
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Patrol.objects.exists():
                break
            time.sleep(0.5)
        # Let the second message be handled too before judging.
        time.sleep(3)
    finally:
        worker.terminate()
        output_seen = worker.communicate(timeout=30)[0]
    assert Patrol.objects.count() == 1, output_seen[-3000:]
    assert Patrol.objects.get().renovation == due_today
    # Both messages were run: the first created the patrol, the second nothing.
    results = sorted(
        line.rsplit(":", 1)[-1].strip() for line in output_seen.splitlines() if "succeeded" in line
    )
    assert results == ["0", "1"], output_seen[-3000:]
