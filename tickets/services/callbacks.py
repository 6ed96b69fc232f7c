"""Callbacks (回访): recording a callback or the reporter's rating (closing or reopening the
ticket), reminding staff of due callbacks, and closing resolved tickets with no callback to wait for."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from servicecenter.exceptions import DomainError, TransitionError
from servicecenter.workflow import SYSTEM
from staff.services import notify
from tickets.models import (
    Callback,
    CallbackAttempt,
    CallbackReminder,
    Ticket,
)
from tickets.selectors import (
    policies_by_estate,
    policy_for,
    team_member_users,
)
from tickets.services._common import CallbackStatus, TicketStatus, _label, _lock, _now
from tickets.services.lifecycle import close_ticket, reopen_ticket
from tickets.workflows import CALLBACK


@transaction.atomic
def record_callback(
    *,
    callback: Callback,
    actor,
    reached: bool,
    satisfaction: int | None = None,
    solved: bool | None = None,
    comment: str = "",
    method: str = Callback.Method.PHONE,
    now: datetime | None = None,
    _by_reporter: bool = False,
) -> Callback:
    """Record one callback attempt.

    Reached: the satisfaction (1–5) and whether the problem is solved are required; solved closes
    the ticket, not solved reopens it. Not reached: another attempt is scheduled after the
    policy's spacing; after the last allowed attempt the ticket is closed flagged unreachable.
    """
    now = _now(now)
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    comment = (comment or "").strip()
    if reached:
        errors = {}
        if satisfaction is None or not (1 <= int(satisfaction) <= 5):
            errors["satisfaction"] = _("Give a satisfaction score from 1 to 5.")
        if solved is None:
            errors["solved"] = _("Say whether the problem is solved.")
        if errors:
            raise ValidationError(errors, code="required")
    # The reporter's own answer in the portal stands for a callback: no staff permission needed.
    user = SYSTEM if _by_reporter else actor
    CALLBACK.check(callback, "retry", user)
    ticket = _lock(callback.ticket)
    # A co-reporter's call records what they say; the ticket may already be closed by its
    # reporter's callback, and their answer neither closes nor reopens it.
    is_co_reporter = callback.co_reporter_id is not None
    allowed_statuses = (
        (TicketStatus.RESOLVED, TicketStatus.CLOSED) if is_co_reporter else (TicketStatus.RESOLVED,)
    )
    if ticket.status not in allowed_statuses:
        raise TransitionError(
            _label(ticket.status),
            _label(TicketStatus.CLOSED),
            message=_("The ticket is no longer waiting for its callback (it is %(status)s).")
            % {"status": _label(ticket.status)},
        )
    policy = policy_for(ticket.estate_id)
    number = callback.attempt_count + 1
    CallbackAttempt.objects.create(
        callback=callback, number=number, attempted_at=now, actor=actor, reached=reached, note=comment
    )
    fields: dict = {"attempt_count": number, "method": method}
    if reached:
        outcome = "complete"
        fields |= {
            "reached": True,
            "satisfaction": int(satisfaction),
            "is_solved": bool(solved),
            "comment": comment,
            "completed_at": now,
            "completed_by": actor,
        }
        summary = _("Callback: reached, satisfaction %(score)s/5, %(solved)s.") % {
            "score": fields["satisfaction"],
            "solved": _("solved") if fields["is_solved"] else _("not solved"),
        }
    elif number >= policy.callback_max_attempts:
        outcome = "give_up"
        fields |= {"reached": False, "completed_at": now, "completed_by": actor}
        summary = _("Callback: not reached after %(n)s attempts.") % {"n": number}
    else:
        outcome = "retry"
        fields["next_attempt_at"] = now + timedelta(hours=policy.callback_retry_hours)
        summary = _("Callback attempt %(n)s: not reached; next try after %(when)s.") % {
            "n": number,
            "when": timezone.localtime(fields["next_attempt_at"]).strftime("%m-%d %H:%M"),
        }
    CALLBACK.check(callback, outcome, user)
    CALLBACK.transition(
        callback,
        outcome,
        actor=actor,
        note=f"{summary} {comment}".strip(),
        now=now,
        fields=fields,
        update_fields=["next_attempt_at"],
    )
    if is_co_reporter:
        return callback
    if callback.status == CallbackStatus.COMPLETED and callback.is_solved:
        close_ticket(
            ticket=ticket,
            actor=actor,
            now=now,
            note=_("Confirmed solved at the callback."),
            _from_callback=True,
        )
    elif callback.status == CallbackStatus.COMPLETED:
        reopen_ticket(
            ticket=ticket,
            actor=actor,
            now=now,
            reason=comment or _("Not solved, said the resident at the callback."),
            _from_callback=True,
        )
    elif callback.status == CallbackStatus.UNREACHABLE:
        close_ticket(
            ticket=ticket,
            actor=actor,
            now=now,
            note=_("Closed: the resident could not be reached for the callback."),
            unreachable=True,
            _from_callback=True,
        )
    return callback


@transaction.atomic
def rate_ticket(
    *, ticket: Ticket, actor, satisfaction: int, solved: bool, comment: str = "", now: datetime | None = None
) -> Callback:
    """The resident's own answer in the portal: it completes the pending callback (or stands for
    one when none was drawn), with the same effect on the ticket."""
    now = _now(now)
    ticket = _lock(ticket)
    if ticket.status != TicketStatus.RESOLVED:
        raise TransitionError(
            _label(ticket.status),
            _label(TicketStatus.CLOSED),
            message=_("Only a resolved request can be rated."),
        )
    callback = Callback.objects.filter(
        ticket=ticket, round=ticket.reopen_count, co_reporter__isnull=True
    ).first()
    if callback is None:
        callback = Callback.objects.create(
            ticket=ticket,
            estate_id=ticket.estate_id,
            round=ticket.reopen_count,
            is_mandatory=False,
            due_at=now,
            next_attempt_at=now,
            created_at=now,
        )
    return record_callback(
        callback=callback,
        actor=actor,
        reached=True,
        satisfaction=satisfaction,
        solved=solved,
        comment=comment,
        method=Callback.Method.PORTAL,
        now=now,
        _by_reporter=True,
    )


def remind_due_callbacks(*, now: datetime | None = None, batch: int = 500) -> int:
    """Tell whoever owns each callback that it is due (once per attempt): the housekeeper, else
    the customer-service team. Found from database state, so safe to run twice."""
    now = _now(now)
    due = (
        Callback.objects.due(now)
        .filter(
            ~Exists(
                CallbackReminder.objects.filter(callback=OuterRef("pk"), attempt=OuterRef("attempt_count"))
            )
        )
        .select_related("ticket__estate", "ticket__unit", "ticket__category", "assigned_to")
        .order_by("next_attempt_at")[:batch]
    )
    sent = 0
    for callback in due:
        try:
            with transaction.atomic():
                CallbackReminder.objects.create(callback=callback, attempt=callback.attempt_count)
                ticket = callback.ticket
                notify(
                    recipients=[callback.assigned_to]
                    if callback.assigned_to_id
                    else team_member_users(callback.team_id),
                    kind="callback_due",
                    title=_("Callback due: %(number)s") % {"number": ticket.number},
                    body=f"{ticket.place} · {ticket.category}",
                    url=reverse("tickets:callbacks") + f"?ticket={ticket.pk}",
                    estate=ticket.estate,
                    dedupe_key=f"callback:{callback.pk}:due:{callback.attempt_count}",
                    now=now,
                )
        except IntegrityError:
            continue
        sent += 1
    return sent


def close_resolved_without_callback(*, now: datetime | None = None, batch: int = 500) -> int:
    """Resolved tickets with no callback to wait for are closed after the policy's days."""
    now = _now(now)
    policies = policies_by_estate(
        Ticket.objects.filter(status=TicketStatus.RESOLVED)
        .order_by()
        .values_list("estate_id", flat=True)
        .distinct()
    )
    closed = 0
    for estate_id, policy in policies.items():
        stale = (
            Ticket.objects.filter(
                estate_id=estate_id,
                status=TicketStatus.RESOLVED,
                resolved_at__lte=now - timedelta(days=policy.auto_close_days),
            )
            .filter(
                ~Exists(
                    Callback.objects.filter(
                        ticket=OuterRef("pk"), co_reporter__isnull=True, status=CallbackStatus.PENDING
                    )
                )
            )
            .order_by("resolved_at")[:batch]
        )
        for ticket in stale:
            try:
                close_ticket(
                    ticket=ticket, actor=None, now=now, note=_("Closed automatically: no callback was due.")
                )
            except DomainError:
                continue  # changed under us (a callback recorded, a reopen): fine
            closed += 1
    return closed
