"""Who may do what to a ticket they can see. Visibility itself is `Ticket.objects.visible_to`;
the rest (each action's permission, its source states, and the rules such as "technicians work
only their own tickets") is the ticket workflow's declaration, `tickets.workflows.TICKET`. These
names stay for the views and the API that read it."""

from __future__ import annotations

from tickets.models import Ticket
from tickets.workflows import TICKET

ACTION_PERMISSIONS: dict[str, str] = {a.name: a.permission for a in TICKET.user_actions()}
ACTION_SOURCES: dict[str, frozenset[str]] = {a.name: a.sources for a in TICKET.user_actions()}


def may(user, action: str, ticket: Ticket) -> bool:
    """May the user (who can already see the ticket) try the action on it? The permission and the
    guards, not the state: a wrong state is the service's refusal, shown as a message."""
    return action in TICKET.by_name and TICKET.may(ticket, action, user)


def available_actions(user, ticket: Ticket) -> list[str]:
    """The actions to offer on the ticket page, in the declaration's order."""
    return [action.name for action in TICKET.available(ticket, user)]


def label_actions(user, tickets: list[Ticket]) -> None:
    """Set `ticket.actions` (as `available_actions`) on each of a list of tickets, with the
    guards that query settled once for the whole list."""
    TICKET.prefetch_guards(tickets)
    user = remembering_permissions(user)
    for ticket in tickets:
        ticket.actions = available_actions(user, ticket)


class _RememberingPermissions:
    """The user, answering each `has_perm` once: a page of work cards asks the same few
    permissions hundreds of times, and Django walks (and instantiates) every authentication
    backend for each answer. Everything else is the user's own attribute."""

    def __init__(self, user):
        self._user = user
        self._answers: dict[str, bool] = {}

    def has_perm(self, perm: str, obj=None) -> bool:
        if obj is not None:
            return self._user.has_perm(perm, obj)
        if perm not in self._answers:
            self._answers[perm] = self._user.has_perm(perm)
        return self._answers[perm]

    def __getattr__(self, name: str):
        return getattr(self._user, name)


def remembering_permissions(user):
    """`user` for a loop over many tickets within one request (see `_RememberingPermissions`)."""
    return user if isinstance(user, _RememberingPermissions) else _RememberingPermissions(user)
