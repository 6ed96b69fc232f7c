"""Who may do what to a ticket they can see. Visibility itself is `Ticket.objects.visible_to`;
this adds the action's permission and, for technicians, the rule that they work only their own
tickets or take unassigned ones of their team."""

from __future__ import annotations

from servicecenter.scoping import access_for
from tickets.models import Ticket
from tickets.services import ALLOWED

S = Ticket.Status

ACTION_PERMISSIONS: dict[str, str] = {
    "assign": "tickets.assign_ticket",
    "take": "tickets.work_ticket",
    "start": "tickets.work_ticket",
    "hold": "tickets.work_ticket",
    "resume": "tickets.work_ticket",
    "resolve": "tickets.work_ticket",
    "reopen": "tickets.reopen_ticket",
    "cancel": "tickets.cancel_ticket",
    "close": "tickets.close_ticket",
    "flag_major": "tickets.flag_major",
    "reply": "tickets.reply_ticket",
}

# The state each action needs (the services enforce the same through ALLOWED; this only decides
# which buttons a page shows).
ACTION_SOURCES: dict[str, set[str]] = {
    "assign": {s for s, targets in ALLOWED.items() if S.ASSIGNED in targets},
    "take": {S.NEW, S.ASSIGNED, S.REOPENED},
    "start": {S.ASSIGNED},
    "hold": {S.IN_PROGRESS},
    "resume": {S.ON_HOLD},
    "resolve": {S.IN_PROGRESS},
    "reopen": {S.RESOLVED},
    "cancel": {S.NEW, S.ASSIGNED},
    "close": {S.RESOLVED},
    "flag_major": {*Ticket.OPEN, S.RESOLVED},
    "reply": {s for s in S.values if s != S.CANCELLED},
}
WORK_ACTIONS = {"take", "start", "hold", "resume", "resolve"}


def _is_team_member(user, ticket: Ticket) -> bool:
    profile = getattr(user, "staff_profile", None)
    return profile is not None and ticket.team_id is not None and profile.team_id == ticket.team_id


def may(user, action: str, ticket: Ticket) -> bool:
    """May the user (who can already see the ticket) perform the action on it now?"""
    permission = ACTION_PERMISSIONS.get(action)
    if permission is None or not access_for(user).is_staff_member or not user.has_perm(permission):
        return False
    if action == "take":
        # Taking is self-dispatch: for team members, of tickets nobody else holds yet.
        return ticket.assignee_id is None and _is_team_member(user, ticket)
    if action == "flag_major" and ticket.kind != Ticket.Kind.COMPLAINT:
        return False
    if action in WORK_ACTIONS and not user.has_perm("tickets.assign_ticket"):
        # A technician works what is theirs, or an unassigned ticket of their team (which they take).
        return ticket.assignee_id == user.pk or (ticket.assignee_id is None and _is_team_member(user, ticket))
    return True


def available_actions(user, ticket: Ticket) -> list[str]:
    """The actions to offer on the ticket page, in a sensible order."""
    order = [
        "take",
        "start",
        "resume",
        "hold",
        "resolve",
        "assign",
        "close",
        "reopen",
        "reply",
        "cancel",
        "flag_major",
    ]
    return [
        a
        for a in order
        if ticket.status in ACTION_SOURCES[a]
        and may(user, a, ticket)
        and not (a == "flag_major" and ticket.is_major)
    ]
