"""Issue #16: `check_tickets` reports zero differences on tickets moved by the services and finds
every kind of broken status chain, in two queries whatever the number of tickets."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from tests.tickets.factories import TicketFactory, register
from tickets import services
from tickets.models import Ticket, TicketEvent
from tickets.selectors_chain import allowed_steps, check_ticket_chains

pytestmark = pytest.mark.django_db

S = Ticket.Status
NOW = datetime(2025, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def tickets(users, unit_a, unit_b):
    """Tickets in several states, every change made by the services (same `now`: the order of
    the rows decides, not the timestamps)."""
    boss = users["supervisor"]
    worked = register(boss, unit_a, now=NOW)
    services.assign_ticket(ticket=worked, actor=boss, assignee=boss, now=NOW)
    services.start_ticket(ticket=worked, actor=boss, now=NOW)
    services.hold_ticket(ticket=worked, actor=boss, reason="等配件", now=NOW)
    services.resume_ticket(ticket=worked, actor=boss, now=NOW)
    services.resolve_ticket(ticket=worked, actor=boss, note="已更换阀门", now=NOW)
    services.reopen_ticket(ticket=worked, actor=boss, reason="仍漏水", now=NOW)
    services.assign_ticket(ticket=worked, actor=boss, assignee=boss, now=NOW)
    services.start_ticket(ticket=worked, actor=boss, now=NOW)
    services.add_comment(ticket=worked, actor=boss, body="换了新阀门", now=NOW)  # no status: not a link
    cancelled = register(boss, unit_a, now=NOW)
    services.cancel_ticket(ticket=cancelled, actor=boss, reason="重复登记", now=NOW)
    fresh = register(boss, unit_a, now=NOW + timedelta(minutes=1))
    other = register(users["company"], unit_b, now=NOW)
    return {"worked": worked, "cancelled": cancelled, "fresh": fresh, "other": other}


def run_check(capsys, *args) -> tuple[int, str]:
    capsys.readouterr()
    try:
        call_command("check_tickets", *args)
    except CommandError as error:
        return error.returncode, capsys.readouterr().out
    return 0, capsys.readouterr().out


def test_tickets_moved_by_the_services_have_valid_chains(tickets, capsys, django_assert_max_num_queries):
    worked = Ticket.objects.get(pk=tickets["worked"].pk)
    assert worked.status == S.IN_PROGRESS
    assert worked.events.exclude(to_status="").count() == 9
    with django_assert_max_num_queries(1):  # the count only: nothing to list
        assert check_ticket_chains().differences == 0
    code, out = run_check(capsys)
    assert (code, out.strip()) == (0, "ticket check: 0 differences")


def test_the_allowed_steps_are_the_workflows():
    steps = allowed_steps()
    assert "new>assigned" in steps and "resolved>reopened" in steps and "assigned>assigned" in steps
    assert "new>resolved" not in steps and "closed>reopened" not in steps


def test_an_event_that_does_not_start_where_the_last_one_ended(tickets, capsys):
    worked = tickets["worked"]
    hold = worked.events.get(to_status=S.ON_HOLD)
    TicketEvent.objects.filter(pk=hold.pk).update(from_status=S.ASSIGNED)

    code, out = run_check(capsys)
    assert code == 1
    assert (
        f"ticket {worked.pk} (in_progress), event {hold.pk} (step 4, status: assigned → on_hold): "
        "starts from assigned, the step before ended in in_progress; "
        "assigned → on_hold is not a transition of the workflow"
    ) in out
    assert "ticket check: 1 differences in 1 tickets" in out


def test_a_step_the_workflow_does_not_declare(tickets, capsys):
    fresh = tickets["fresh"]
    TicketEvent.objects.create(
        ticket=fresh, kind=TicketEvent.Kind.STATUS, from_status=S.NEW, to_status=S.RESOLVED, created_at=NOW
    )
    Ticket.objects.filter(pk=fresh.pk).update(status=S.RESOLVED)

    code, out = run_check(capsys)
    assert code == 1
    assert f"ticket {fresh.pk} (resolved)" in out
    assert "new → resolved is not a transition of the workflow" in out
    assert "starts from" not in out and "the last status event" not in out


def test_a_last_event_that_does_not_match_the_status(tickets, capsys):
    cancelled = tickets["cancelled"]
    Ticket.objects.filter(pk=cancelled.pk).update(status=S.ASSIGNED)

    code, out = run_check(capsys)
    assert code == 1
    assert "the last status event ends in cancelled, the ticket is assigned" in out
    assert f"ticket {cancelled.pk} (assigned)" in out


def test_a_chain_that_does_not_start_with_the_registration(tickets, capsys):
    worked = tickets["worked"]
    worked.events.filter(kind=TicketEvent.Kind.CREATED).delete()

    code, out = run_check(capsys)
    assert code == 1
    assert f"ticket {worked.pk} (in_progress)" in out and "(step 1, assigned: new → assigned)" in out
    assert "the first status event is not the registration (→ new)" in out


def test_a_ticket_without_any_status_event(tickets, unit_a, capsys):
    bare = TicketFactory(unit=unit_a, status=S.NEW)

    code, out = run_check(capsys)
    assert code == 1
    assert f"ticket {bare.pk} (new): no registration or status event" in out


def test_the_check_is_limited_to_the_estates_asked(tickets, capsys):
    other = tickets["other"]
    Ticket.objects.filter(pk=other.pk).update(status=S.CLOSED)

    assert run_check(capsys, "--estate", str(other.estate_id))[0] == 1
    code, out = run_check(capsys, "--estate", str(tickets["worked"].estate_id))
    assert (code, out.strip()) == (0, "ticket check: 0 differences")


def test_the_queries_do_not_grow_with_the_tickets(tickets, unit_a, capsys, django_assert_max_num_queries):
    for _ in range(12):
        TicketFactory(unit=unit_a, status=S.NEW)
    Ticket.objects.filter(pk=tickets["fresh"].pk).update(status=S.CLOSED)

    with django_assert_max_num_queries(2):
        result = check_ticket_chains(show=5)
    assert (result.events, result.tickets, len(result.shown)) == (13, 13, 5)
    code, out = run_check(capsys, "--show", "5")
    assert code == 1 and "… and 8 more" in out
