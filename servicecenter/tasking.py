"""Queue a Celery task after commit, as an optimisation only.

The database is the record that work is due (an outbox): every task queued here has a periodic
sweep, listed in `servicecenter.celery.AFTER_COMMIT_SWEEPS`, that finds the same work from
database rows. So the message only makes the work happen sooner, and a request whose transaction
committed answers success whatever the broker does: a broker that is down, refuses, or hangs
costs a log line and a delay of one sweep interval, never an error page.

Publishing is bounded three ways: the broker's socket timeouts (settings), one attempt without
Celery's publish retries (`retry=False`), and a pause: after a failed publish this process
skips publishing for `PAUSE_SECONDS`, so a hung broker adds a second or two to one request per
process every half minute, not to every request. The kernel imports no app: tasks are passed in.
"""

from __future__ import annotations

import logging
import time
from importlib import import_module
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from servicecenter.celery import AFTER_COMMIT_SWEEPS
from servicecenter.celery import app as celery_app

logger = logging.getLogger("servicecenter.tasks")

PAUSE_SECONDS = 30.0

# time.monotonic() before which publishing is skipped. Per process; a race between threads at
# worst lets two requests try at once, which is harmless.
_paused_until = 0.0


def enqueue_after_commit(task, /, **kwargs: Any) -> None:
    """After the current transaction commits, queue `task` with `kwargs`; never raise.

    Only for tasks whose work a periodic sweep re-derives from the database (see
    `AFTER_COMMIT_SWEEPS`); anything else would be lost with the message. `task` is the task or
    its registered name: services name their own app's task ("staff.tasks.deliver_outbound_messages",
    as the beat schedule does), because the tasks module imports the services and an import back
    would be a circle.
    """
    name = task if isinstance(task, str) else task.name
    if name not in AFTER_COMMIT_SWEEPS:
        raise ImproperlyConfigured(
            f"{name} is queued after commit but no periodic sweep re-derives its work; "
            "add it to servicecenter.celery.AFTER_COMMIT_SWEEPS with its sweep."
        )
    if isinstance(task, str):
        task = task_named(task)
    transaction.on_commit(lambda: publish_quietly(task, **kwargs), robust=True)


def task_named(name: str):
    """The registered Celery task called `name`. Celery registers a task when its module is
    imported: a worker imports every tasks module at start, a web process only when asked here."""
    if name not in celery_app.tasks:
        import_module(name.rpartition(".")[0])
    return celery_app.tasks[name]


def publish_quietly(task, /, **kwargs: Any) -> bool:
    """Publish `task` once, now. True if the broker took it; False (and a warning) otherwise."""
    global _paused_until
    # Eager mode (tests, `CELERY_TASK_ALWAYS_EAGER`) has no broker to be down: never pause it.
    eager = bool(task.app.conf.task_always_eager)
    if not eager and time.monotonic() < _paused_until:
        logger.info("broker paused after a failure; %s is left to its periodic sweep", task.name)
        return False
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except Exception as exc:  # noqa: BLE001  (whatever the broker does, the request has succeeded)
        if not eager:
            _paused_until = time.monotonic() + PAUSE_SECONDS
        logger.warning(
            "broker unavailable, %s not queued (%s: %s); its periodic sweep will do the work",
            task.name,
            exc.__class__.__name__,
            exc,
        )
        return False
    return True


def resume_publishing() -> None:
    """Forget an earlier failure, so the next publish is tried at once (tests, after recovery)."""
    global _paused_until
    _paused_until = 0.0
