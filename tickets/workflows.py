"""The ticket and callback workflows, declared once (see `servicecenter.workflow`).

The services enforce these declarations, the ticket page and the API offer what `available` /
`may` allow, and tests walk the whole matrix (tests/servicecenter/test_workflows.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.scoping import access_for
from servicecenter.workflow import Action, Guard, Workflow
from tickets.models import Callback, Ticket, TicketEvent

TicketStatus = Ticket.Status
CallbackStatus = Callback.Status
SERVICES = "tickets.services"

# --- guards: the business rules besides state and permission -------------------------------------


def _is_team_member(user, ticket: Ticket) -> bool:
    profile = getattr(user, "staff_profile", None)
    return profile is not None and ticket.team_id is not None and profile.team_id == ticket.team_id


STAFF_ONLY = Guard(
    "staff_only",
    lambda ticket, user, now: access_for(user).is_staff_member,
    _("Only the service centre's staff work on tickets."),
    about_user=True,
)
OWN_WORK = Guard(
    "own_work",
    # A technician (who cannot dispatch) works what is theirs, or an unassigned ticket of their
    # team (which they take by starting it).
    lambda ticket, user, now: (
        user.has_perm("tickets.assign_ticket")
        or ticket.assignee_id == user.pk
        or (ticket.assignee_id is None and _is_team_member(user, ticket))
    ),
    _("Technicians work only their own tickets or unassigned ones of their team."),
    about_user=True,
)
UNASSIGNED_OF_OWN_TEAM = Guard(
    "unassigned_of_own_team",
    # Taking is self-dispatch: for team members, of tickets nobody else holds yet.
    lambda ticket, user, now: ticket.assignee_id is None and _is_team_member(user, ticket),
    _("Only an unassigned ticket of your own team can be taken."),
    about_user=True,
)
ONLY_COMPLAINTS = Guard(
    "only_complaints",
    lambda ticket, user, now: ticket.kind == Ticket.Kind.COMPLAINT,
    _("Only a complaint can be major."),
    code="not_a_complaint",
    before_state=True,
)
NO_MANDATORY_CALLBACK_PENDING = Guard(
    "no_mandatory_callback_pending",
    # Closing by hand may not skip a mandatory callback; the callback's own outcome closes the
    # ticket without this guard.
    lambda ticket, user, now: (
        not Callback.objects.filter(ticket=ticket, status=CallbackStatus.PENDING, is_mandatory=True).exists()
    ),
    _("The callback to the resident is mandatory for this ticket: record it before closing."),
    code="callback_pending",
)


def _ticket(name, sources, target, permission, label, service, *guards, done=None, **extra) -> Action:
    return Action(
        name=name,
        sources=frozenset(sources),
        target=target,
        permission=permission,
        label=label,
        service=f"{SERVICES}.{service}",
        guards=(STAFF_ONLY, *guards),
        done=done,
        **extra,
    )


WORK = "tickets.work_ticket"
# In the order the ticket page shows the buttons.
TICKET_ACTIONS = (
    _ticket(
        "take",
        {TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.REOPENED},
        TicketStatus.ASSIGNED,
        WORK,
        _("Take"),
        "take_ticket",
        OWN_WORK,
        UNASSIGNED_OF_OWN_TEAM,
    ),
    _ticket(
        "start",
        {TicketStatus.ASSIGNED},
        TicketStatus.IN_PROGRESS,
        WORK,
        _("Start work"),
        "start_ticket",
        OWN_WORK,
    ),
    _ticket(
        "resume",
        {TicketStatus.ON_HOLD},
        TicketStatus.IN_PROGRESS,
        WORK,
        _("Resume"),
        "resume_ticket",
        OWN_WORK,
    ),
    _ticket(
        "hold",
        {TicketStatus.IN_PROGRESS},
        TicketStatus.ON_HOLD,
        WORK,
        _("Put on hold"),
        "hold_ticket",
        OWN_WORK,
    ),
    _ticket(
        "resolve",
        {TicketStatus.IN_PROGRESS},
        TicketStatus.RESOLVED,
        WORK,
        _("Resolve"),
        "resolve_ticket",
        OWN_WORK,
    ),
    # assigned → assigned: dispatched elsewhere; in progress → assigned: handed over.
    _ticket(
        "assign",
        {TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.REOPENED},
        TicketStatus.ASSIGNED,
        "tickets.assign_ticket",
        _("Dispatch"),
        "assign_ticket",
    ),
    _ticket(
        "close",
        {TicketStatus.RESOLVED},
        TicketStatus.CLOSED,
        "tickets.close_ticket",
        _("Close"),
        "close_ticket",
        NO_MANDATORY_CALLBACK_PENDING,
    ),
    _ticket(
        "reopen",
        {TicketStatus.RESOLVED},
        TicketStatus.REOPENED,
        "tickets.reopen_ticket",
        _("Reopen"),
        "reopen_ticket",
    ),
    _ticket(
        "reply",
        set(TicketStatus.values) - {TicketStatus.CANCELLED},
        None,
        "tickets.reply_ticket",
        _("Reply to the reporter"),
        "reply_to_reporter",
        state_message=_("This ticket was cancelled."),
        state_code="finished",
    ),
    # Only before work has begun: withdrawn, or registered by mistake (a duplicate).
    _ticket(
        "cancel",
        {TicketStatus.NEW, TicketStatus.ASSIGNED},
        TicketStatus.CANCELLED,
        "tickets.cancel_ticket",
        _("Cancel"),
        "cancel_ticket",
    ),
    _ticket(
        "flag_major",
        {*Ticket.OPEN, TicketStatus.RESOLVED},
        None,
        "tickets.flag_major",
        _("Mark as major"),
        "flag_major_complaint",
        ONLY_COMPLAINTS,
        done=lambda ticket: ticket.is_major,
        state_message=_("This ticket is finished."),
    ),
)

# The timeline row of each action (the rest are plain status changes shown to the resident).
EVENT_KINDS = {
    "take": (TicketEvent.Kind.ASSIGNED, False),
    "assign": (TicketEvent.Kind.ASSIGNED, False),
    "flag_major": (TicketEvent.Kind.FLAGGED, False),
}


def write_ticket_event(
    ticket: Ticket, *, action: Action, source: str, target: str, actor, note: str, now, **extra
) -> TicketEvent:
    kind, is_public = EVENT_KINDS.get(action.name, (TicketEvent.Kind.STATUS, True))
    if "channel" in extra:  # a reply: public when it went through the portal
        kind, is_public = TicketEvent.Kind.REPLIED, extra["is_public"]
    changes_state = action.target is not None
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        actor=actor,
        created_at=now,
        from_status=source if changes_state else "",
        to_status=target if changes_state else "",
        note=note,
        channel=extra.get("channel", ""),
        is_public=is_public,
    )


TICKET = Workflow(
    model_label="tickets.ticket",
    state_field="status",
    actions=TICKET_ACTIONS,
    event_writer=write_ticket_event,
    state_labels=dict(TicketStatus.choices),
    # The ticket's own transitions: escalations are the SLA's rows, callbacks the callback workflow's.
    events_of=lambda ticket: TicketEvent.objects.filter(ticket=ticket).exclude(
        kind__in=[TicketEvent.Kind.ESCALATION, TicketEvent.Kind.CALLBACK]
    ),
)

# --- callbacks (回访) ------------------------------------------------------------------------------
# A callback stays pending through failed attempts until it is completed, found unreachable, or
# cancelled because the ticket was reopened or closed by hand. Its events are rows of the ticket's
# timeline.

_ALREADY = _("This callback is already %(status)s.")
RECORD = "tickets.record_callback"
RECORD_SERVICE = f"{SERVICES}.record_callback"
CALLBACK_ACTIONS = (
    Action(
        "retry",
        {CallbackStatus.PENDING},
        CallbackStatus.PENDING,
        RECORD,
        _("Not reached: try again"),
        RECORD_SERVICE,
        state_message=_ALREADY,
    ),
    Action(
        "complete",
        {CallbackStatus.PENDING},
        CallbackStatus.COMPLETED,
        RECORD,
        pgettext_lazy("callback", "Reached"),
        RECORD_SERVICE,
        state_message=_ALREADY,
    ),
    Action(
        "give_up",
        {CallbackStatus.PENDING},
        CallbackStatus.UNREACHABLE,
        RECORD,
        _("Not reached after the last attempt"),
        RECORD_SERVICE,
        state_message=_ALREADY,
    ),
    # A system step of reopening or closing the ticket by hand.
    Action(
        "cancel",
        {CallbackStatus.PENDING},
        CallbackStatus.CANCELLED,
        None,
        pgettext_lazy("callback", "Cancel"),
        f"{SERVICES}.cancel_pending_callbacks",
        state_message=_ALREADY,
    ),
)


def write_callback_event(
    callback: Callback, *, action: Action, source: str, target: str, actor, note: str, now, **extra
) -> TicketEvent:
    return TicketEvent(
        ticket_id=callback.ticket_id,
        kind=TicketEvent.Kind.CALLBACK,
        actor=actor,
        created_at=now,
        note=note,
        is_public=False,
    )


CALLBACK = Workflow(
    model_label="tickets.callback",
    state_field="status",
    actions=CALLBACK_ACTIONS,
    event_writer=write_callback_event,
    state_labels=dict(CallbackStatus.choices),
    events_of=lambda callback: TicketEvent.objects.filter(
        ticket_id=callback.ticket_id, kind=TicketEvent.Kind.CALLBACK
    ),
)
