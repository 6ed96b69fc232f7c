"""The demo seed: a few hundred tickets whose events, states and callbacks agree; idempotent."""

import io
import random

import pytest
from django.db.models import Count
from django.utils import timezone

from servicecenter.demo import seed_archive
from tests.tickets.conftest import ensure_default_categories
from tickets import demo
from tickets.models import Callback, Ticket, TicketCounter
from tickets.services import ALLOWED

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_default_categories()  # another app's transactional test may have flushed them
        estates, users = seed_archive(rng=random.Random(1), password="demo-pass-1")
        demo.seed_demo_data(estates=estates, users=users, rng=random.Random(1), stdout=io.StringIO())
        yield estates, users
        # The module's rows live outside the per-test transactions: remove them afterwards.
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
        ensure_default_categories()


def test_demo_has_a_few_hundred_tickets_across_states_months_and_teams(seeded):
    estates, _ = seeded
    tickets = Ticket.objects.filter(estate__in=estates)
    assert 300 <= tickets.count() <= 600
    statuses = set(tickets.values_list("status", flat=True))
    assert {"new", "in_progress", "resolved", "closed", "cancelled"} <= statuses
    months = {timezone.localtime(t).strftime("%Y-%m") for t in tickets.values_list("created_at", flat=True)}
    assert len(months) >= 6
    assert tickets.values("team").distinct().count() >= 4
    assert Callback.objects.filter(status="completed").count() > 50
    assert Callback.objects.filter(status="pending").exists()


def test_demo_events_follow_the_lifecycle(seeded):
    estates, _ = seeded
    for ticket in Ticket.objects.prefetch_related("events").annotate(n=Count("events")):
        state = ""
        for event in ticket.events.all():
            if not event.to_status:
                continue
            assert state == "" or event.to_status in ALLOWED[state], (ticket.number, state, event.to_status)
            assert event.from_status == state
            state = event.to_status
        assert state == ticket.status, ticket.number
        assert (ticket.status == "on_hold") == (ticket.on_hold_since is not None)
        assert (ticket.status == "closed") == (ticket.closed_at is not None)
        if ticket.status in ("resolved", "closed"):
            assert ticket.resolved_at is not None
        if ticket.status in ("in_progress", "on_hold", "resolved", "closed"):
            assert ticket.first_responded_at is not None
            # Only the first estate has named staff; elsewhere the team works without named people.
            assert ticket.assignee_id is not None or ticket.estate_id != estates[0].pk


def test_demo_callbacks_match_ticket_states(seeded):
    for callback in Callback.objects.select_related("ticket"):
        if callback.status == "pending":
            assert callback.ticket.status == "resolved" and callback.round == callback.ticket.reopen_count
        if callback.status == "unreachable":
            assert callback.ticket.is_unreachable and callback.attempts.count() == 3


def test_demo_numbers_and_counters_agree(seeded):
    estates, _ = seeded
    for estate in estates:
        for counter in TicketCounter.objects.filter(estate=estate):
            prefix = f"{estate.code}-{counter.day:%Y%m%d}-"
            assert Ticket.objects.filter(number__startswith=prefix).count() == counter.last_number


def test_demo_residents_have_portal_requests(seeded):
    _, users = seeded
    mine = Ticket.objects.filter(reporter__user=users["resident"], channel="portal")
    assert mine.count() >= 3


def test_demo_is_idempotent(seeded):
    estates, users = seeded
    before = Ticket.objects.count()
    demo.seed_demo_data(estates=estates, users=users, rng=random.Random(2), stdout=io.StringIO())
    assert Ticket.objects.count() == before
