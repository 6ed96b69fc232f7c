"""The ticket lifecycle: assign, take, start, hold, resume, resolve, reopen, close, cancel and
flag a major complaint, each through the declaration in `tickets.workflows`."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from servicecenter.workflow import SYSTEM
from staff.models import StaffProfile, Team
from staff.services import notify
from tickets import sla
from tickets.models import (
    RootCause,
    Ticket,
)
from tickets.selectors import (
    estate_users_with_role,
    is_staff_of_estate,
    policy_for,
)
from tickets.services._common import (
    EscalationKind,
    TicketStatus,
    _check,
    _lock,
    _move,
    _now,
    _require_text,
    _responded,
    ticket_url,
)
from tickets.services.escalations import escalate_ticket
from tickets.services.scheduling import cancel_pending_callbacks, schedule_callback

# --- the lifecycle -----------------------------------------------------------------------------


@transaction.atomic
def assign_ticket(
    *,
    ticket: Ticket,
    actor,
    assignee=None,
    team: Team | None = None,
    note: str = "",
    now: datetime | None = None,
    _action: str = "assign",
) -> Ticket:
    """Dispatch to a team, a person, or both. Giving only a team puts the ticket in that team's
    queue with nobody assigned; giving a person also moves it to their team in this estate."""
    now = _now(now)
    ticket = _lock(ticket)
    if assignee is None and team is None:
        raise ValidationError({"assignee": _("Choose a person or a team.")}, code="required")
    _check(ticket, _action, actor)
    if team is not None and team.estate_id != ticket.estate_id:
        raise ValidationError(
            {"team": _("This team does not work in the ticket's estate.")}, code="estate_mismatch"
        )
    if assignee is not None:
        if not is_staff_of_estate(assignee, ticket.estate_id):
            raise ValidationError(
                {"assignee": _("This person does not work in the ticket's estate.")}, code="estate"
            )
        if team is None:
            profile_team = (
                StaffProfile.objects.filter(user=assignee, team__estate_id=ticket.estate_id)
                .values_list("team_id", flat=True)
                .first()
            )
            team_id = profile_team or ticket.team_id
        else:
            team_id = team.pk
    else:
        team_id = team.pk
    assignee_id = assignee.pk if assignee is not None else None
    if (
        ticket.status == TicketStatus.ASSIGNED
        and ticket.assignee_id == assignee_id
        and ticket.team_id == team_id
    ):
        return ticket  # the same dispatch twice (a double click) changes nothing
    who = (assignee.get_full_name() or assignee.get_username()) if assignee is not None else ""
    team_name = Team.objects.filter(pk=team_id).values_list("name", flat=True).first() or ""
    summary = " · ".join(part for part in (team_name, who) if part)
    ticket = _move(
        ticket,
        _action,
        actor=actor,
        now=now,
        note=f"{summary}\n{note}".strip() if note else summary,
        fields={"assignee_id": assignee_id, "team_id": team_id},
    )
    if assignee is not None and assignee != actor:
        urgent = ticket.priority in (Ticket.Priority.EMERGENCY, Ticket.Priority.URGENT)
        notify(
            recipients=[assignee],
            kind="ticket_assigned",
            title=_("New work for you: %(number)s") % {"number": ticket.number},
            body=f"{ticket.get_priority_display()} · {ticket.category} · {ticket.place}",
            url=ticket_url(ticket),
            estate=ticket.estate,
            channels=("sms",) if urgent else (),
            dedupe_key=f"ticket:{ticket.pk}:assigned:{assignee.pk}:{now.isoformat()}",
            now=now,
        )
    return ticket


@transaction.atomic
def take_ticket(*, ticket: Ticket, actor, now: datetime | None = None) -> Ticket:
    """Self-dispatch: a technician takes an unassigned ticket of their own team."""
    return assign_ticket(ticket=ticket, actor=actor, assignee=actor, now=now, _action="take")


@transaction.atomic
def start_ticket(*, ticket: Ticket, actor, note: str = "", now: datetime | None = None) -> Ticket:
    """Work begins (the first response). Whoever starts an unassigned team ticket takes it.
    Leaving a hold is `resume`, which accounts for the pause."""
    now = _now(now)
    ticket = _lock(ticket)
    _check(ticket, "start", actor)
    fields = _responded(ticket, now)
    if ticket.assignee_id is None:
        fields["assignee"] = actor
    return _move(ticket, "start", actor=actor, now=now, note=note.strip(), fields=fields)


@transaction.atomic
def hold_ticket(*, ticket: Ticket, actor, reason: str, now: datetime | None = None) -> Ticket:
    """Pause the SLA clock: waiting for the resident, for parts, for access."""
    now = _now(now)
    reason = _require_text(reason, field="reason", message=_("Say what the ticket is waiting for."))
    ticket = _lock(ticket)
    _check(ticket, "hold", actor)
    return _move(ticket, "hold", actor=actor, now=now, note=reason, fields=_responded(ticket, now))


@transaction.atomic
def resume_ticket(*, ticket: Ticket, actor, note: str = "", now: datetime | None = None) -> Ticket:
    now = _now(now)
    ticket = _lock(ticket)
    _check(ticket, "resume", actor)
    return _move(ticket, "resume", actor=actor, now=now, note=note.strip())


def root_cause_required(ticket: Ticket) -> bool:
    """Must a root cause be given when this ticket is next resolved or closed by hand?"""
    return ticket.kind == Ticket.Kind.COMPLAINT and ticket.root_cause_id is None


def _root_cause(ticket: Ticket, root_cause: RootCause | int | None) -> dict:
    """A complaint needs its root cause (投诉原因) by the time it is resolved or closed: the monthly
    complaint analysis counts them. Other kinds may carry one but need not."""
    if root_cause is None or root_cause == "":
        if root_cause_required(ticket):
            raise ValidationError(
                {"root_cause": _("Choose the root cause of the complaint.")}, code="required"
            )
        return {}
    cause_id = root_cause.pk if isinstance(root_cause, RootCause) else root_cause
    if not RootCause.objects.filter(pk=cause_id, is_active=True).exists():
        raise ValidationError({"root_cause": _("Choose a root cause from the list.")}, code="invalid")
    return {"root_cause_id": cause_id}


@transaction.atomic
def resolve_ticket(
    *,
    ticket: Ticket,
    actor,
    note: str,
    root_cause: RootCause | int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """The work is done. Schedules the callback (回访) and tells the resident. The first
    resolution is kept apart (`first_resolved_at` against the deadline then in force): that is
    what timeliness is judged on, whatever happens after a reopen."""
    now = _now(now)
    note = _require_text(note, field="note", message=_("Describe what was done."))
    ticket = _lock(ticket)
    _check(ticket, "resolve", actor)
    first = {}
    if ticket.first_resolved_at is None:
        first = {"first_resolved_at": now, "first_resolution_due_at": ticket.resolution_due_at}
    ticket = _move(
        ticket,
        "resolve",
        actor=actor,
        now=now,
        note=note,
        fields={
            **_responded(ticket, now),
            **first,
            **_root_cause(ticket, root_cause),
            "resolved_at": now,
            "resolution_note": note,
        },
    )
    schedule_callback(ticket=ticket, now=now)
    resident_user = ticket.reporter.user if ticket.reporter_id and ticket.reporter.user_id else None
    if resident_user is not None:
        notify(
            recipients=[resident_user],
            kind="ticket_resolved",
            title=_("Your request %(number)s has been resolved") % {"number": ticket.number},
            body=_("Please tell us whether the problem is solved and rate our service in the portal."),
            url=reverse("portal:ticket_detail", args=[ticket.pk]),
            estate=ticket.estate,
            channels=("sms",),
            dedupe_key=f"ticket:{ticket.pk}:resolved:{ticket.reopen_count}",
            now=now,
        )
    if ticket.is_paid_service and ticket.unit_id:
        from billing.services import bill_paid_service  # lazy: apps meet only through services

        bill_paid_service(
            ticket_id=ticket.pk,
            unit=ticket.unit,
            price=ticket.service_price,
            actor=actor,
            description=f"{ticket.number} {ticket.category}"[:200],
            now=now,
        )
    return ticket


@transaction.atomic
def reopen_ticket(
    *, ticket: Ticket, actor, reason: str, now: datetime | None = None, _from_callback: bool = False
) -> Ticket:
    """Not solved after all. The ticket waits for dispatch again with a fresh resolution deadline;
    a callback still pending for the old resolution is cancelled."""
    now = _now(now)
    reason = _require_text(reason, field="reason", message=_("Say why the ticket is reopened."))
    ticket = _lock(ticket)
    # Reopened by the callback's answer: the callback's recorder need not be allowed to reopen.
    _check(ticket, "reopen", SYSTEM if _from_callback else actor)
    policy = policy_for(ticket.estate_id)
    resolution_due = sla.within_reply_deadline(
        due=sla.sla_deadline(opened_at=now, allowed_minutes=ticket.resolution_minutes),
        reply_deadline_at=ticket.reply_deadline_at,
        now=now,
    )
    lead = sla.warning_lead(
        allowed_minutes=ticket.resolution_minutes, lead_minutes=policy.warning_lead_minutes
    )
    ticket = _move(
        ticket,
        "reopen",
        actor=actor,
        now=now,
        note=reason,
        fields={
            "reopen_count": ticket.reopen_count + 1,
            "resolved_at": None,
            "closed_at": None,
            "resolution_due_at": resolution_due,
            "resolution_warn_at": resolution_due - lead,
        },
    )
    cancel_pending_callbacks(
        ticket=ticket, actor=actor, now=now, note=_("Callback cancelled: the ticket was reopened.")
    )
    notify(
        recipients=[u for u in [ticket.assignee] if u is not None and u != actor]
        + estate_users_with_role(estate_id=ticket.estate_id, role="supervisor"),
        kind="ticket_reopened",
        title=_("Reopened: %(number)s") % {"number": ticket.number},
        body=reason,
        url=ticket_url(ticket),
        estate=ticket.estate,
        dedupe_key=f"ticket:{ticket.pk}:reopened:{ticket.reopen_count}",
        now=now,
    )
    if ticket.is_paid_service:
        from billing.services import void_paid_service_bill  # lazy: apps meet only through services

        void_paid_service_bill(
            ticket_id=ticket.pk, estate_id=ticket.estate_id, actor=actor, reason=reason, now=now
        )
    return ticket


@transaction.atomic
def close_ticket(
    *,
    ticket: Ticket,
    actor,
    note: str = "",
    root_cause: RootCause | int | None = None,
    now: datetime | None = None,
    unreachable: bool = False,
    _from_callback: bool = False,
) -> Ticket:
    """Close a resolved ticket. By hand only when no mandatory callback is still to be made; a
    pending optional callback is cancelled. A complaint closed by hand must have its root cause
    (given now, or at resolution); closing by the callback or the sweep keeps the one it has."""
    now = _now(now)
    ticket = _lock(ticket)
    if _from_callback:
        # The callback's outcome closes the ticket: its recorder need not be allowed to close by
        # hand, and the callback is no longer pending.
        _check(ticket, "close", SYSTEM, skip=("no_mandatory_callback_pending",))
    else:
        _check(ticket, "close", actor)
    cause = _root_cause(ticket, root_cause) if actor is not None and not _from_callback else {}
    if not _from_callback:
        cancel_pending_callbacks(
            ticket=ticket, actor=actor, now=now, note=_("Callback cancelled: the ticket was closed.")
        )
    return _move(
        ticket,
        "close",
        actor=actor,
        now=now,
        note=note.strip(),
        fields={"closed_at": now, "is_unreachable": unreachable, **cause},
    )


@transaction.atomic
def cancel_ticket(*, ticket: Ticket, actor, reason: str, now: datetime | None = None) -> Ticket:
    """Withdrawn or registered by mistake (a duplicate): only before work has begun."""
    now = _now(now)
    reason = _require_text(reason, field="reason", message=_("Say why the ticket is cancelled."))
    ticket = _lock(ticket)
    _check(ticket, "cancel", actor)
    return _move(ticket, "cancel", actor=actor, now=now, note=reason, fields={"cancel_reason": reason[:300]})


@transaction.atomic
def flag_major_complaint(*, ticket: Ticket, actor, note: str = "", now: datetime | None = None) -> Ticket:
    """Mark a complaint as major (重大投诉): the manager is told at once."""
    now = _now(now)
    ticket = _lock(ticket)
    _check(ticket, "flag_major", actor)
    if ticket.is_major:
        return ticket  # flagged already (a double click) changes nothing
    _move(ticket, "flag_major", actor=actor, now=now, note=note.strip(), fields={"is_major": True})
    escalate_ticket(ticket=ticket, kind=EscalationKind.MAJOR_COMPLAINT, now=now)
    return ticket
