"""What several ticket subdomains share: the clock, locking a row, the declared transition and its
event, the ticket's link, the status aliases and state tables, limits and the idempotency
conflict."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from servicecenter.exceptions import DomainError
from tickets import sla
from tickets.models import (
    Callback,
    Escalation,
    Ticket,
    TicketEvent,
)
from tickets.workflows import CALLBACK, TICKET

logger = logging.getLogger("tickets.services")  # the name it had before the split

TicketStatus = Ticket.Status

CallbackStatus = Callback.Status
# Compatibility: the state tables, read from the declarations (state → the states that may follow).
ALLOWED: dict[str, set[str]] = TICKET.allowed()
CALLBACK_ALLOWED: dict[str, set[str]] = CALLBACK.allowed()

MAX_ATTACHMENTS_PER_TICKET = 20
MAX_IDEMPOTENCY_KEY_LENGTH = 100  # TicketRequestKey.key
EscalationKind = Escalation.Kind


class IdempotencyConflict(DomainError):
    """An idempotency key sent again by another user, or with other details than the first time."""

    status_code = 409


# --- helpers -----------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _label(status: str) -> str:
    return str(TicketStatus(status).label)


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("estate", "category").get(pk=ticket.pk)


def _check(ticket: Ticket, action: str, user, *, skip: Iterable[str] = ()) -> None:
    """Refuse unless the declaration allows `action` on the locked ticket for `user` (the actor;
    None, or SYSTEM, for a step the system takes: a sweep, a callback's outcome)."""
    TICKET.check(ticket, action, user, skip=skip)


def _require_text(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message}, code="required")
    return value


def ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def _event(
    ticket: Ticket,
    *,
    kind: str,
    actor,
    now: datetime,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    is_public: bool = False,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        created_at=now,
        from_status=from_status,
        to_status=to_status,
        note=note,
        is_public=is_public,
    )


def _move(
    ticket: Ticket,
    action: str,
    *,
    actor,
    now: datetime,
    note: str = "",
    fields: dict | None = None,
) -> Ticket:
    """Apply a checked action to a locked ticket: the hold clock, the fields, one event (written
    by the workflow, the same way for every transition)."""
    source = ticket.status
    target = TICKET.action(action).target
    changes: dict = dict(fields or {})
    if source == TicketStatus.ON_HOLD and target not in (None, TicketStatus.ON_HOLD):
        # The clock stopped while on hold: push back each deadline that had not yet passed.
        held_from = ticket.on_hold_since
        for due, warn in (
            ("response_due_at", "response_warn_at"),
            ("resolution_due_at", "resolution_warn_at"),
        ):
            old_due = getattr(ticket, due)
            new_due = sla.extend_for_pause(old_due, held_from, now)
            if due == "resolution_due_at":
                new_due = max(
                    old_due,
                    sla.within_reply_deadline(
                        due=new_due, reply_deadline_at=ticket.reply_deadline_at, now=now
                    ),
                )
            changes[due] = new_due
            changes[warn] = getattr(ticket, warn) + (new_due - old_due)
        changes["on_hold_minutes"] = ticket.on_hold_minutes + sla.paused_minutes(held_from, now)
        changes["on_hold_since"] = None
    if target == TicketStatus.ON_HOLD:
        changes["on_hold_since"] = now
    TICKET.transition(
        ticket, action, actor=actor, note=note, now=now, fields=changes, update_fields=["updated_at"]
    )
    return ticket


def _responded(ticket: Ticket, now: datetime) -> dict:
    return {} if ticket.first_responded_at else {"first_responded_at": now}
