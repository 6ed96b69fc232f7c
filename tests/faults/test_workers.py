"""Faults in the background machinery, with real processes on a private Redis: a worker killed in
the middle of a sweep and restarted, and two beats sending the same periodic jobs at once. The
work must be done, and done once: one escalation, one timeline line and one notification per
ticket; one bill per unit and month; one reminder per bill and rung."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from billing.models import Bill, Reminder
from staff.models import Notification
from tests.billing.conftest import make_item
from tests.factories import UnitFactory, make_resident
from tests.faults.processes import processes, send_task, wait_ready, wait_until
from tests.tickets.factories import TicketFactory
from tickets.models import Escalation, Ticket, TicketCategory, TicketEvent

__all__ = ["processes"]  # the fixture, imported for the tests below

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

SWEEP = "tickets.tasks.sweep_ticket_deadlines"
BREACH = Escalation.Kind.RESPONSE_BREACH


@pytest.fixture(autouse=True)
def _default_categories(transactional_db):
    """Transactional tests flush the seeded categories; the factories need them back."""
    from django.apps import apps

    if not TicketCategory.objects.exists():
        importlib.import_module("tickets.migrations.0002_default_categories").seed(apps, None)


def overdue_tickets(unit, count: int) -> list[Ticket]:
    """Tickets whose response deadline has passed: each owes exactly one escalation (a response
    breach, to the duty supervisor); resolution is days away."""
    now = timezone.now()
    return [
        TicketFactory(
            unit=unit,
            created_at=now - timedelta(hours=10),
            response_warn_at=now - timedelta(hours=3),
            response_due_at=now - timedelta(hours=2),
            resolution_warn_at=now + timedelta(days=2),
            resolution_due_at=now + timedelta(days=3),
        )
        for _ in range(count)
    ]


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def hold_escalation_slot(ticket: Ticket):
    """Insert the ticket's escalation in a transaction left open: the sweep's own insert of it
    waits on the unique index, so the worker is stuck at a known point of its sweep."""
    s = connection.settings_dict
    holder = psycopg2.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
    )
    with holder.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tickets_escalation (ticket_id, kind, round, created_at) VALUES (%s, %s, 0, now())",
            [ticket.pk, BREACH],
        )
    return holder


def succeeded(log: str, task: str) -> int:
    return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", log))


def assert_escalated_once(tickets: list[Ticket], supervisor) -> None:
    for ticket in tickets:
        assert Escalation.objects.filter(ticket=ticket).count() == 1, ticket
        assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ESCALATION).count() == 1
        assert (
            Notification.objects.filter(
                recipient=supervisor, dedupe_key=f"ticket:{ticket.pk}:{BREACH}:0"
            ).count()
            == 1
        )
        assert list(Escalation.objects.get(ticket=ticket).notified.all()) == [supervisor]
    assert Notification.objects.filter(kind=f"ticket_{BREACH}").count() == len(tickets)


def test_worker_killed_mid_sweep_then_restarted_escalates_each_ticket_once(processes, users, unit_a):
    supervisor = users["supervisor"]
    tickets = overdue_tickets(unit_a, 6)
    broker = processes.redis()
    env = processes.env(broker_url=broker)
    holder = hold_escalation_slot(tickets[3])
    try:
        # The production pool (prefork): the solo pool acknowledges only after the task anyway,
        # which would hide a lost early acknowledgement.
        first = processes.worker("worker-1", env=env, pool="prefork")
        wait_ready(first)
        task_id = send_task(broker, SWEEP)
        # The sweep goes through the tickets in id order: three are escalated and committed, the
        # fourth waits on the held row. Kill the worker there, pool and all, as the OOM killer would.
        wait_until(
            lambda: Escalation.objects.count() == 3 and lock_waiters() >= 1,
            timeout=30,
            what="the sweep to stop at the fourth ticket",
            details=processes.logs,
        )
        first.kill()
        assert Escalation.objects.count() == 3
    finally:
        holder.rollback()
        holder.close()

    # The message was never acknowledged (acks_late): the broker gives it to the next worker.
    second = processes.worker("worker-2", env=env, pool="prefork")
    wait_until(
        lambda: succeeded(second.output(), SWEEP) >= 1,
        timeout=45,
        what="the restarted worker to finish the redelivered sweep",
        details=processes.logs,
    )
    second.stop()
    assert task_id in first.output() and task_id in second.output(), processes.logs()
    assert_escalated_once(tickets, supervisor)
    assert "Traceback" not in second.output(), second.output()[-3000:]


def test_two_beats_and_concurrent_runs_do_not_double_the_work(processes, users, estate_a, building_a, unit_a):
    supervisor = users["supervisor"]
    resident = make_resident(unit_a, username="resident")
    units = [unit_a, *(UnitFactory(building=building_a) for _ in range(3))]
    make_item(estate_a, "property", rate="2.50")
    tickets = overdue_tickets(unit_a, 3)
    jobs = ["billing.tasks.generate_monthly_bills", "billing.tasks.run_reminder_ladder", SWEEP]

    broker = processes.redis()
    env = processes.env(broker_url=broker)
    # Two pool processes: the two beats' copies of a job run at the same moment.
    worker = processes.worker("worker", env=env, pool="prefork", concurrency=2)
    wait_ready(worker)
    beats = [processes.beat(f"beat-{n}", env=env, tasks=jobs) for n in (1, 2)]
    wait_until(
        lambda: all(succeeded(worker.output(), job) >= 4 for job in jobs),
        timeout=50,
        interval=0.5,
        what="each job to run at least twice per beat",
        details=processes.logs,
    )
    for beat in beats:
        assert "Sending due task" in beat.output(), beat.output()[-2000:]
        beat.stop()
    worker.stop()

    log = worker.output()
    assert "Traceback" not in log and "raised unexpected" not in log, log[-4000:]
    period = timezone.localdate().replace(day=1)
    assert Bill.objects.filter(period=period).count() == len(units)
    assert sorted(Bill.objects.values_list("unit_id", flat=True)) == sorted(u.pk for u in units)
    assert Reminder.objects.filter(stage=Reminder.Stage.NOTICE).count() == len(units)
    assert Reminder.objects.count() == len(units)
    assert Notification.objects.filter(recipient=resident, kind="billing_notice").count() == 1
    assert_escalated_once(tickets, supervisor)
