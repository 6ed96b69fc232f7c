"""Factories for tickets. `TicketFactory` writes rows directly (any state, for transition tests);
`register` goes through the service like the application does."""

from datetime import timedelta

import factory
from django.utils import timezone

from tests.factories import UnitFactory
from tickets import services
from tickets.models import Callback, Ticket, TicketCategory


def category(code: str = "plumbing") -> TicketCategory:
    return TicketCategory.objects.get(code=code)


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    unit = factory.SubFactory(UnitFactory)
    estate = factory.LazyAttribute(lambda o: o.unit.estate)
    number = factory.Sequence(lambda n: f"T-{n:06d}")
    kind = Ticket.Kind.REPAIR
    channel = Ticket.Channel.PHONE
    status = Ticket.Status.NEW
    priority = Ticket.Priority.NORMAL
    category = factory.LazyFunction(category)
    reporter_name = "王先生"
    reporter_phone = "13800001111"
    description = "厨房水龙头漏水"
    created_at = factory.LazyFunction(timezone.now)
    response_minutes = 480
    resolution_minutes = 4320
    response_due_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(minutes=o.response_minutes))
    resolution_due_at = factory.LazyAttribute(
        lambda o: o.created_at + timedelta(minutes=o.resolution_minutes)
    )
    response_warn_at = factory.LazyAttribute(lambda o: o.response_due_at - timedelta(minutes=60))
    resolution_warn_at = factory.LazyAttribute(lambda o: o.resolution_due_at - timedelta(minutes=60))
    on_hold_since = factory.LazyAttribute(
        lambda o: o.created_at if o.status == Ticket.Status.ON_HOLD else None
    )
    resolved_at = factory.LazyAttribute(
        lambda o: o.created_at if o.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED) else None
    )
    # A row written directly was resolved once: its first resolution is its resolution.
    first_resolved_at = factory.LazyAttribute(lambda o: o.resolved_at)
    first_resolution_due_at = factory.LazyAttribute(lambda o: o.resolution_due_at if o.resolved_at else None)


class CallbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Callback

    ticket = factory.SubFactory(TicketFactory, status=Ticket.Status.RESOLVED)
    estate = factory.LazyAttribute(lambda o: o.ticket.estate)
    round = factory.LazyAttribute(lambda o: o.ticket.reopen_count)
    due_at = factory.LazyFunction(timezone.now)
    next_attempt_at = factory.LazyAttribute(lambda o: o.due_at)


def register(actor, unit=None, **overrides) -> Ticket:
    fields = {
        "kind": Ticket.Kind.REPAIR,
        "channel": Ticket.Channel.PHONE,
        "category": category(),
        "description": "卫生间下水道堵塞",
        "reporter_name": "李女士",
        "reporter_phone": "13900002222",
        "unit": unit,
    }
    fields.update(overrides)
    return services.register_ticket(actor=actor, **fields)
