"""`overdue` has one meaning: `Ticket.is_overdue(now)` and `TicketQuerySet.overdue(now)` agree on
every status, and the ticket has no second, clock-reading `overdue` property beside them."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.tickets.factories import TicketFactory
from tickets.models import Callback, Ticket

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 10, 0, tzinfo=TZ)

pytestmark = pytest.mark.django_db


def test_the_method_and_the_queryset_agree_on_every_status(unit_a):
    tickets = [
        TicketFactory(unit=unit_a, status=status, created_at=NOW - timedelta(days=4))
        for status in Ticket.Status.values
    ] + [TicketFactory(unit=unit_a, status=Ticket.Status.NEW, created_at=NOW)]
    in_queryset = set(Ticket.objects.overdue(NOW))
    assert in_queryset  # some are late, so the comparison below means something
    for ticket in tickets:
        assert ticket.is_overdue(NOW) == (ticket in in_queryset), ticket.status


def test_no_second_overdue_property():
    assert not hasattr(Ticket, "overdue")


def test_api_field_is_overdue_reads_the_method(api_as, users, unit_a):
    late = TicketFactory(unit=unit_a, status=Ticket.Status.NEW, created_at=timezone.now() - timedelta(days=4))
    body = api_as(users["supervisor"]).get(f"/api/tickets/{late.pk}/").json()
    assert body["is_overdue"] is True


def test_callback_is_overdue_takes_now():
    callback = Callback(status=Callback.Status.PENDING, next_attempt_at=NOW)
    assert callback.is_overdue(NOW + timedelta(minutes=1))
    assert not callback.is_overdue(NOW - timedelta(minutes=1))
