"""Comments, replies and attachments: internal comments, replies to the reporter (first response)
and attachments on a ticket."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from servicecenter.uploads import ALLOWED_DOCUMENT_TYPES, prepare_upload
from staff.services import notify
from tickets.models import (
    ReplyChannel,
    Ticket,
    TicketAttachment,
    TicketEvent,
)
from tickets.services._common import (
    MAX_ATTACHMENTS_PER_TICKET,
    TicketStatus,
    _check,
    _event,
    _lock,
    _now,
    _require_text,
    _responded,
)
from tickets.workflows import TICKET

# --- comments, replies and attachments ---------------------------------------------------------


@transaction.atomic
def add_comment(
    *, ticket: Ticket, actor, body: str, is_public: bool = False, now: datetime | None = None
) -> TicketEvent:
    """A note on the timeline. Staff choose whether the resident sees it; a reply the resident
    sees counts as the first response. A resident's own comment is always public."""
    now = _now(now)
    body = _require_text(body, field="body", message=_("Write a comment."))
    ticket = _lock(ticket)
    if (
        ticket.status in (TicketStatus.CLOSED, TicketStatus.CANCELLED)
        and not access_for(actor).is_staff_member
    ):
        raise DomainError(_("This ticket is finished; please register a new request."), code="finished")
    staff = access_for(actor).is_staff_member
    if not staff:
        is_public = True
    elif is_public and not ticket.first_responded_at:
        ticket.first_responded_at = now
        ticket.save(update_fields=["first_responded_at", "updated_at"])
    return _event(ticket, kind=TicketEvent.Kind.COMMENT, actor=actor, now=now, note=body, is_public=is_public)


@transaction.atomic
def reply_to_reporter(
    *, ticket: Ticket, actor, channel: str, note: str, now: datetime | None = None
) -> TicketEvent:
    """Record a reply that reached the reporter: a call, an SMS, a letter, a word in person, or a
    message in the portal (shown on their timeline and announced to them). This, and nothing
    internal, is what answers a complaint within the 72 hours (`first_replied_at`); it is also a
    response for the response SLA."""
    now = _now(now)
    if channel not in ReplyChannel.values:
        raise ValidationError({"channel": _("Choose how the reply reached the reporter.")}, code="invalid")
    note = _require_text(note, field="note", message=_("Write what was said."))
    ticket = _lock(ticket)
    _check(ticket, "reply", actor)
    resident_user = ticket.reporter.user if ticket.reporter_id and ticket.reporter.user_id else None
    if channel == ReplyChannel.PORTAL and resident_user is None:
        raise ValidationError(
            {"channel": _("The reporter has no portal account: reply by phone, SMS, letter or in person.")},
            code="no_portal_account",
        )
    changes = {"first_replied_at": now} if ticket.first_replied_at is None else {}
    changes |= _responded(ticket, now)
    event = TICKET.transition(
        ticket,
        "reply",
        actor=actor,
        note=note,
        now=now,
        fields=changes,
        update_fields=["updated_at"] if changes else [],
        channel=channel,
        is_public=channel == ReplyChannel.PORTAL,
    )
    if channel == ReplyChannel.PORTAL:
        notify(
            recipients=[resident_user],
            kind="ticket_reply",
            title=_("A reply about your request %(number)s") % {"number": ticket.number},
            body=note,
            url=reverse("portal:ticket_detail", args=[ticket.pk]),
            estate=ticket.estate,
            dedupe_key=f"ticket-reply:{event.pk}",
            now=now,
        )
    return event


def add_attachment(
    *, ticket: Ticket, actor, uploaded, is_internal: bool = False, now: datetime | None = None
) -> TicketAttachment:
    """A photo or PDF. The type is judged by the file's bytes, and files are never public URLs."""
    now = _now(now)
    stored, content_type = prepare_upload(uploaded, allowed=ALLOWED_DOCUMENT_TYPES)
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.attachments.count() >= MAX_ATTACHMENTS_PER_TICKET:
            raise DomainError(
                _("A ticket can hold at most %(n)s files.") % {"n": MAX_ATTACHMENTS_PER_TICKET},
                code="too_many",
            )
        if not access_for(actor).is_staff_member:
            is_internal = False
        attachment = TicketAttachment(
            ticket=ticket,
            original_name=(getattr(uploaded, "name", "") or "upload")[-255:],
            content_type=content_type,
            size=stored.size,
            is_internal=is_internal,
            uploaded_by=actor,
            uploaded_at=now,
        )
        attachment.file.save(attachment.original_name, stored, save=False)
        attachment.save()
        _event(
            ticket,
            kind=TicketEvent.Kind.ATTACHMENT,
            actor=actor,
            now=now,
            note=attachment.original_name,
            is_public=not is_internal,
        )
    return attachment
