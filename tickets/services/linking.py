"""Linking a second report of the same problem to the open ticket (a co-reporter) instead of
registering a second ticket: once per idempotency key, with a line on the ticket's timeline."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from residents.models import Person
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from servicecenter.validators import mask_mobile, normalize_phone
from tickets.models import Ticket, TicketCoReporter, TicketEvent
from tickets.services._common import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    IdempotencyConflict,
    _event,
    _lock,
    _now,
)


class TicketNotOpen(DomainError):
    """The ticket was resolved, closed or cancelled: a new report is a new ticket."""

    status_code = 409


def _fingerprint(**values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _replay(*, key: str, fingerprint: str, actor) -> TicketCoReporter | None:
    earlier = TicketCoReporter.objects.filter(request_key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != fingerprint or earlier.created_by_id != getattr(actor, "pk", None):
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request."),
            code="idempotency_key_reused",
        )
    earlier.is_replay = True
    return earlier


@transaction.atomic
def link_report(
    *,
    ticket: Ticket,
    actor,
    person: Person | None = None,
    name: str = "",
    phone: str = "",
    note: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> TicketCoReporter:
    """Add the caller as a co-reporter of the open `ticket`: they are called back with the
    ticket's reporter, and the timeline says who else reported it.

    With an `idempotency_key`, the same user sending the same link again gets the first row back
    (`is_replay` set) and nothing else happens; the key with other details raises
    `IdempotencyConflict`."""
    now = _now(now)
    key = (idempotency_key or "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise DomainError(
            _("The idempotency key is too long: at most %(count)s characters.")
            % {"count": MAX_IDEMPOTENCY_KEY_LENGTH},
            code="idempotency_key_too_long",
        )
    name = (name or "").strip()
    note = (note or "").strip()[:500]
    typed_phone, phone = phone, "" if person else normalize_phone(phone)
    if person is None and not name:
        raise ValidationError(
            {"reporter_name": _("Who reported it? Pick a resident or enter a name.")}, code="required"
        )
    if not person and (typed_phone or "").strip() and not phone:
        raise ValidationError({"reporter_phone": _("Enter the phone number in digits.")}, code="invalid")
    if len(phone) > TicketCoReporter._meta.get_field("phone").max_length:
        raise ValidationError({"reporter_phone": _("This phone number is too long.")}, code="max_length")
    fingerprint = _fingerprint(
        ticket=ticket.pk, person=person.pk if person else None, name="" if person else name, phone=phone
    )
    if key:
        earlier = _replay(key=key, fingerprint=fingerprint, actor=actor)
        if earlier is not None:
            return earlier

    ticket = _lock(ticket)
    access = access_for(actor)
    if not access.is_staff_member or (not access.all_estates and ticket.estate_id not in access.estate_ids):
        raise DomainError(_("You do not work in this estate."), code="estate_scope")
    if not ticket.is_open:
        raise TicketNotOpen(
            _("Ticket %(number)s is no longer open: register a new ticket instead.")
            % {"number": ticket.number},
            code="ticket_not_open",
        )
    if person is not None:
        if person.estate_id != ticket.estate_id:
            raise ValidationError(
                {"reporter": _("This person is not in the estate's archive.")}, code="estate_mismatch"
            )
        if person.pk == ticket.reporter_id:
            raise ValidationError(
                {"reporter": _("This person already reported the ticket.")}, code="already_reporter"
            )
        already = TicketCoReporter.objects.filter(ticket=ticket, person=person).exists()
    else:
        already = bool(phone) and (
            ticket.reporter_phone == phone
            or TicketCoReporter.objects.filter(ticket=ticket, phone=phone).exists()
        )
    if already:
        raise ValidationError(
            {"reporter": _("This person already reported the ticket.")}, code="already_reporter"
        )
    try:
        with transaction.atomic():
            co_reporter = TicketCoReporter.objects.create(
                ticket=ticket,
                person=person,
                name="" if person else name,
                phone=phone,
                note=note,
                created_by=actor,
                created_at=now,
                request_key=key,
                fingerprint=fingerprint,
            )
    except IntegrityError:
        # A concurrent twin with the same key committed first: hand back its row.
        earlier = _replay(key=key, fingerprint=fingerprint, actor=actor) if key else None
        if earlier is None:
            raise
        return earlier
    shown = person.name if person else name
    shown_phone = person.mobile_masked if person else mask_mobile(phone)
    _event(
        ticket,
        kind=TicketEvent.Kind.LINKED,
        actor=actor,
        now=now,
        note=" ".join(part for part in (shown, shown_phone, note) if part),
    )
    return co_reporter
