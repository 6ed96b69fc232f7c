"""Calls from tasks: whether the user may dial the reporter from a callback task or an open ticket,
and the reporter's full number for one call, logged with its purpose."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from residents.models import Person, SensitiveAccessLog
from residents.services import TaskCall, TaskNotFound, reveal_phone_for_task
from servicecenter.scoping import access_for
from tickets.models import (
    Callback,
    Ticket,
    TicketCoReporter,
)

# --- calls from tasks --------------------------------------------------------------------------


def may_call_for_callback(user, callback: Callback) -> bool:
    """May the user (who can already see the callback) dial its resident now? Decides the button;
    `call_for_callback` checks the same, plus the estate."""
    return (
        callback.status == Callback.Status.PENDING
        and access_for(user).is_staff_member
        and user.has_perm("tickets.record_callback")
    )


def may_call_reporter(user, ticket: Ticket) -> bool:
    """May the user (who can already see the ticket) dial its reporter now? While the ticket is
    open: dispatchers, and whoever works it (a technician only their own assigned tickets)."""
    if not ticket.is_open or not access_for(user).is_staff_member:
        return False
    if user.has_perm("tickets.assign_ticket"):
        return True
    return user.has_perm("tickets.work_ticket") and ticket.assignee_id == user.pk


def _reporter_contact(ticket: Ticket) -> tuple[Person | None, str, str]:
    if ticket.reporter_id:
        return ticket.reporter, ticket.reporter.name, ticket.reporter.mobile
    return None, ticket.reporter_name, ticket.reporter_phone


def _co_reporter_contact(co_reporter: TicketCoReporter) -> tuple[Person | None, str, str]:
    if co_reporter.person_id:
        return co_reporter.person, co_reporter.person.name, co_reporter.person.mobile
    return None, co_reporter.name, co_reporter.phone


def call_for_callback(
    *, actor, callback: Callback, ip_address: str | None = None, now: datetime | None = None
) -> TaskCall:
    """The reporter's full number for one callback call, logged with the callback as purpose."""
    callback = (
        Callback.objects.visible_to(actor)
        .select_related("ticket__reporter", "co_reporter__person")
        .filter(pk=callback.pk)
        .first()
    )
    if callback is None or not may_call_for_callback(actor, callback):
        raise TaskNotFound(_("No such callback."), code="not_found")
    ticket = callback.ticket
    # A co-reporter's callback dials the co-reporter, never the ticket's reporter.
    person, name, phone = (
        _co_reporter_contact(callback.co_reporter) if callback.co_reporter_id else _reporter_contact(ticket)
    )
    phone = reveal_phone_for_task(
        actor=actor,
        purpose=SensitiveAccessLog.Purpose.CALLBACK,
        purpose_id=callback.pk,
        task=ticket.number,
        person=person,
        phone=phone,
        estate_id=callback.estate_id,
        ip_address=ip_address,
        now=now,
    )
    return TaskCall(name=name, phone=phone, task=ticket.number)


def call_for_ticket(
    *, actor, ticket: Ticket, ip_address: str | None = None, now: datetime | None = None
) -> TaskCall:
    """The reporter's full number for one call about an open ticket, logged with the ticket as
    purpose. Technicians call only about tickets assigned to them."""
    ticket = Ticket.objects.visible_to(actor).select_related("reporter").filter(pk=ticket.pk).first()
    if ticket is None or not may_call_reporter(actor, ticket):
        raise TaskNotFound(_("No such ticket."), code="not_found")
    person, name, phone = _reporter_contact(ticket)
    phone = reveal_phone_for_task(
        actor=actor,
        purpose=SensitiveAccessLog.Purpose.TICKET,
        purpose_id=ticket.pk,
        task=ticket.number,
        person=person,
        phone=phone,
        estate_id=ticket.estate_id,
        ip_address=ip_address,
        now=now,
    )
    return TaskCall(name=name, phone=phone, task=ticket.number)
