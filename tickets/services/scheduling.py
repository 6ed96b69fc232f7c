"""Callback scheduling: whether a resolved ticket gets a callback (mandatory or in the sampled
share), scheduling it, and cancelling pending ones when the ticket reopens or closes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from servicecenter.workflow import SYSTEM
from staff.models import Team
from staff.selectors import housekeeper_for_unit, team_of_kind
from tickets.models import (
    Callback,
    Ticket,
    TicketCoReporter,
)
from tickets.selectors import (
    policy_for,
)
from tickets.services._common import CallbackStatus, _now
from tickets.workflows import CALLBACK

# --- scheduling callbacks (回访) ------------------------------------------------------------------


def callback_is_mandatory(ticket: Ticket) -> bool:
    """Complaints, major complaints and categories flagged so (water leaks, safety facilities)."""
    return ticket.kind == Ticket.Kind.COMPLAINT or ticket.is_major or ticket.category.is_callback_mandatory


def in_callback_share(*, ticket_id: int, round_: int, share_percent: int) -> bool:
    """Whether an optional callback is drawn. Seeded by ticket and round, so asking again gives
    the same answer."""
    if share_percent >= 100:
        return True
    return random.Random(f"{ticket_id}:{round_}").random() * 100 < share_percent


def schedule_callback(*, ticket: Ticket, now: datetime | None = None) -> Callback | None:
    """Create the callback of this resolution, due after the policy's delay. It goes to the
    housekeeper of the unit's zone, else to the estate's customer-service team."""
    now = _now(now)
    policy = policy_for(ticket.estate_id)
    mandatory = callback_is_mandatory(ticket)
    if not mandatory and not in_callback_share(
        ticket_id=ticket.pk, round_=ticket.reopen_count, share_percent=policy.callback_share_percent
    ):
        return None
    housekeeper = housekeeper_for_unit(ticket.unit) if ticket.unit_id else None
    team = None if housekeeper else team_of_kind(estate=ticket.estate, kind=Team.Kind.CUSTOMER_SERVICE)
    due_at = now + timedelta(hours=policy.callback_delay_hours)
    try:
        with transaction.atomic():
            callback = Callback.objects.create(
                ticket=ticket,
                estate_id=ticket.estate_id,
                round=ticket.reopen_count,
                is_mandatory=mandatory,
                assigned_to=housekeeper,
                team=team,
                due_at=due_at,
                next_attempt_at=due_at,
                created_at=now,
            )
    except IntegrityError:
        return Callback.objects.get(ticket=ticket, round=ticket.reopen_count, co_reporter__isnull=True)
    # Everyone who reported the problem hears back, each on their own phone; only the reporter's
    # own callback decides whether the ticket closes, so these are never mandatory.
    Callback.objects.bulk_create(
        [
            Callback(
                ticket=ticket,
                co_reporter=co_reporter,
                estate_id=ticket.estate_id,
                round=ticket.reopen_count,
                is_mandatory=False,
                assigned_to=housekeeper,
                team=team,
                due_at=due_at,
                next_attempt_at=due_at,
                created_at=now,
            )
            for co_reporter in TicketCoReporter.objects.filter(ticket=ticket).order_by("pk")
        ]
    )
    return callback


def cancel_pending_callbacks(*, ticket: Ticket, actor, now: datetime, note: str) -> int:
    """Cancel the ticket's pending callbacks (it was reopened, or closed by hand): each through the
    callback workflow, so each leaves its row on the timeline."""
    cancelled = 0
    for callback in (
        Callback.objects.select_for_update()
        .filter(ticket=ticket, status=CallbackStatus.PENDING)
        .order_by("pk")
    ):
        CALLBACK.check(callback, "cancel", SYSTEM)
        CALLBACK.transition(callback, "cancel", actor=actor, note=note, now=now)
        cancelled += 1
    return cancelled
