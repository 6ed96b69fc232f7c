"""SLA warnings and escalations: who is told at each round, and the deadline sweep that finds the
tickets past their response or resolution time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.services import notify
from tickets.models import (
    Escalation,
    Ticket,
    TicketEvent,
    TicketPolicy,
)
from tickets.selectors import (
    estate_users_with_role,
    policy_for,
    team_member_users,
)
from tickets.services._common import EscalationKind, _event, _now, ticket_url

# --- SLA warnings and escalations --------------------------------------------------------------


def _escalation_round(ticket: Ticket, kind: str) -> int:
    return (
        ticket.reopen_count
        if kind in (EscalationKind.RESOLUTION_WARNING, EscalationKind.RESOLUTION_BREACH)
        else 0
    )


def _escalation_recipients(ticket: Ticket, kind: str) -> list:
    if kind in Escalation.TO_MANAGER:
        return estate_users_with_role(estate_id=ticket.estate_id, role="manager")
    if kind in Escalation.TO_SUPERVISOR:
        return estate_users_with_role(estate_id=ticket.estate_id, role="supervisor")
    return [ticket.assignee] if ticket.assignee_id else team_member_users(ticket.team_id)


def _escalation_text(ticket: Ticket, kind: str) -> tuple[str, str]:
    labels = {
        EscalationKind.RESPONSE_WARNING: _("Respond soon: %(number)s is due at %(due)s"),
        EscalationKind.RESOLUTION_WARNING: _("Resolve soon: %(number)s is due at %(due)s"),
        EscalationKind.RESPONSE_BREACH: _("Response overdue: %(number)s was due at %(due)s"),
        EscalationKind.RESOLUTION_BREACH: _("Resolution overdue: %(number)s was due at %(due)s"),
        EscalationKind.COMPLAINT_OVERDUE: _(
            "Complaint %(number)s has had no answer within the time promised"
        ),
        EscalationKind.MAJOR_COMPLAINT: _("Major complaint: %(number)s"),
    }
    due = (
        ticket.resolution_due_at
        if kind in (EscalationKind.RESOLUTION_WARNING, EscalationKind.RESOLUTION_BREACH)
        else ticket.response_due_at
    )
    title = labels[kind] % {"number": ticket.number, "due": timezone.localtime(due).strftime("%m-%d %H:%M")}
    body = f"{ticket.get_kind_display()} · {ticket.category} · {ticket.place}: {ticket.description[:200]}"
    return title, body


@transaction.atomic
def escalate_ticket(*, ticket: Ticket, kind: str, now: datetime | None = None) -> Escalation | None:
    """Send one warning or escalation, once. The insert under a unique constraint decides who
    sends it; a second caller (a repeated task, a parallel sweep) gets None and sends nothing."""
    now = _now(now)
    round_ = _escalation_round(ticket, kind)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(ticket=ticket, kind=kind, round=round_, created_at=now)
    except IntegrityError:
        return None
    recipients = _escalation_recipients(ticket, kind)
    escalation.notified.set(recipients)
    title, body = _escalation_text(ticket, kind)
    loud = kind in Escalation.TO_MANAGER or (
        kind in Escalation.TO_SUPERVISOR
        and ticket.priority in (Ticket.Priority.EMERGENCY, Ticket.Priority.URGENT)
    )
    notify(
        recipients=recipients,
        kind=f"ticket_{kind}",
        title=title,
        body=body,
        url=ticket_url(ticket),
        estate=ticket.estate,
        channels=("sms", "email") if loud else (),
        dedupe_key=f"ticket:{ticket.pk}:{kind}:{round_}",
        now=now,
    )
    _event(
        ticket, kind=TicketEvent.Kind.ESCALATION, actor=None, now=now, note=str(EscalationKind(kind).label)
    )
    return escalation


def due_escalations(ticket: Ticket, *, now: datetime, complaint_reply_hours: int) -> list[str]:
    """Which warnings and escalations the ticket has earned by `now` (sent or not). A warning is
    skipped once its deadline has passed: the breach says more."""
    due: list[str] = []
    running = ticket.status in Ticket.CLOCK_RUNNING
    unanswered = ticket.first_responded_at is None
    if running and unanswered:
        if ticket.response_due_at <= now:
            due.append(EscalationKind.RESPONSE_BREACH)
        elif ticket.response_warn_at <= now:
            due.append(EscalationKind.RESPONSE_WARNING)
    if running:
        if ticket.resolution_due_at <= now:
            due.append(EscalationKind.RESOLUTION_BREACH)
        elif ticket.resolution_warn_at <= now:
            due.append(EscalationKind.RESOLUTION_WARNING)
    if (
        ticket.kind == Ticket.Kind.COMPLAINT
        and ticket.status in Ticket.OPEN
        # Only a reply that reached the complainant answers a complaint; the 72 hours run from
        # registration whatever the ticket's state (the promise is to the resident, not an SLA).
        and ticket.first_replied_at is None
        and ticket.created_at + timedelta(hours=complaint_reply_hours) <= now
    ):
        due.append(EscalationKind.COMPLAINT_OVERDUE)
    if ticket.is_major and ticket.kind == Ticket.Kind.COMPLAINT:
        due.append(EscalationKind.MAJOR_COMPLAINT)
    return due


def process_ticket_deadlines(*, ticket_id: int, now: datetime | None = None) -> list[str]:
    """Send whatever the ticket is due (idempotent). Returns the kinds sent now."""
    now = _now(now)
    ticket = (
        Ticket.objects.select_related("estate", "category", "unit", "assignee").filter(pk=ticket_id).first()
    )
    if ticket is None:
        return []
    policy = policy_for(ticket.estate_id)
    sent = []
    for kind in due_escalations(ticket, now=now, complaint_reply_hours=policy.complaint_reply_hours):
        if escalate_ticket(ticket=ticket, kind=kind, now=now) is not None:
            sent.append(kind)
    return sent


def _not_escalated(kind: str, *, by_round: bool):
    match = Escalation.objects.filter(ticket=OuterRef("pk"), kind=kind)
    match = match.filter(round=OuterRef("reopen_count")) if by_round else match
    return ~Exists(match)


def run_deadline_sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Find, from database state alone, every ticket owed a warning or escalation, and send it.
    Runs every few minutes; a lost task message is only a delay. Returns how many were sent."""
    now = _now(now)
    running = Ticket.objects.filter(status__in=Ticket.CLOCK_RUNNING)
    # The shortest reply limit of any estate narrows the query; each ticket is then judged by its own.
    min_reply_hours = TicketPolicy.objects.aggregate(hours=Min("complaint_reply_hours"))["hours"] or 72
    candidates = [
        running.filter(first_responded_at__isnull=True, response_warn_at__lte=now).filter(
            _not_escalated(EscalationKind.RESPONSE_WARNING, by_round=False),
            _not_escalated(EscalationKind.RESPONSE_BREACH, by_round=False),
        ),
        running.filter(first_responded_at__isnull=True, response_due_at__lte=now).filter(
            _not_escalated(EscalationKind.RESPONSE_BREACH, by_round=False)
        ),
        running.filter(resolution_warn_at__lte=now).filter(
            _not_escalated(EscalationKind.RESOLUTION_WARNING, by_round=True),
            _not_escalated(EscalationKind.RESOLUTION_BREACH, by_round=True),
        ),
        running.filter(resolution_due_at__lte=now).filter(
            _not_escalated(EscalationKind.RESOLUTION_BREACH, by_round=True)
        ),
        Ticket.objects.filter(
            status__in=Ticket.OPEN,
            kind=Ticket.Kind.COMPLAINT,
            first_replied_at__isnull=True,
            created_at__lte=now - timedelta(hours=min_reply_hours),
        ).filter(_not_escalated(EscalationKind.COMPLAINT_OVERDUE, by_round=False)),
        Ticket.objects.filter(is_major=True, kind=Ticket.Kind.COMPLAINT).filter(
            _not_escalated(EscalationKind.MAJOR_COMPLAINT, by_round=False)
        ),
    ]
    ticket_ids: set[int] = set()
    for queryset in candidates:
        ticket_ids.update(queryset.order_by().values_list("pk", flat=True)[:batch])
    sent = 0
    for ticket_id in sorted(ticket_ids):
        sent += len(process_ticket_deadlines(ticket_id=ticket_id, now=now))
    return sent
