"""The kernel's after-commit publishing: one attempt, after commit only, never raising, pausing
after a failure, and only for tasks whose work a periodic sweep re-derives."""

import logging
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from servicecenter import tasking
from servicecenter.celery import AFTER_COMMIT_SWEEPS, app
from staff.tasks import deliver_outbound_messages, purge_read_notifications
from tickets.tasks import check_ticket_deadlines

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_pause():
    tasking.resume_publishing()
    yield
    tasking.resume_publishing()


@pytest.fixture
def not_eager():
    """Publishing for real (as in production), with apply_async mocked by each test."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def test_publishes_once_after_commit_without_publish_retries(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(check_ticket_deadlines, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasking.enqueue_after_commit(check_ticket_deadlines, ticket_id=7)
        apply_async.assert_not_called()  # not before the commit
    apply_async.assert_called_once_with(kwargs={"ticket_id": 7}, retry=False)


def test_nothing_is_published_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(check_ticket_deadlines, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tasking.enqueue_after_commit(check_ticket_deadlines, ticket_id=7)
        raise RuntimeError("the write failed")
    assert callbacks == []
    apply_async.assert_not_called()


def test_a_broker_failure_is_logged_and_never_raised(django_capture_on_commit_callbacks, caplog, not_eager):
    with (
        mock.patch.object(
            deliver_outbound_messages, "apply_async", side_effect=OSError("connection refused")
        ) as apply_async,
        caplog.at_level(logging.WARNING, logger="servicecenter.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasking.enqueue_after_commit(deliver_outbound_messages)
    apply_async.assert_called_once()
    assert "broker unavailable" in caplog.text
    assert "staff.tasks.deliver_outbound_messages" in caplog.text


def test_after_a_failure_publishing_pauses_then_resumes(monkeypatch, not_eager):
    clock = [1000.0]
    monkeypatch.setattr(tasking.time, "monotonic", lambda: clock[0])
    with mock.patch.object(check_ticket_deadlines, "apply_async", side_effect=TimeoutError) as apply_async:
        assert tasking.publish_quietly(check_ticket_deadlines, ticket_id=1) is False
        # A hung broker costs one request its timeout, not every request.
        clock[0] += tasking.PAUSE_SECONDS - 1
        assert tasking.publish_quietly(check_ticket_deadlines, ticket_id=2) is False
        assert apply_async.call_count == 1
        clock[0] += 2
        apply_async.side_effect = None
        assert tasking.publish_quietly(check_ticket_deadlines, ticket_id=3) is True
    assert apply_async.call_count == 2


def test_eager_mode_has_no_broker_to_pause(monkeypatch):
    with mock.patch.object(check_ticket_deadlines, "apply_async", side_effect=ConnectionError) as apply_async:
        tasking.publish_quietly(check_ticket_deadlines, ticket_id=1)
        tasking.publish_quietly(check_ticket_deadlines, ticket_id=2)
    assert apply_async.call_count == 2


def test_a_task_without_a_sweep_is_refused():
    with pytest.raises(ImproperlyConfigured, match="no periodic sweep"):
        tasking.enqueue_after_commit(purge_read_notifications)


def test_every_after_commit_task_has_a_scheduled_sweep():
    app.loader.import_default_modules()
    for task_name, beat_entry in AFTER_COMMIT_SWEEPS.items():
        assert task_name in app.tasks
        assert app.conf.beat_schedule[beat_entry]["task"] in app.tasks


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry


def test_the_kernel_helper_imports_no_app():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(tasking.__file__).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not imported & {"residents", "staff", "tickets", "billing", "renovations"}
    assert "servicecenter" in imported  # the sweep table lives beside the beat schedule
