"""Linking tickets to incidents (突发事件): the link lives on the ticket because staff, where
incidents are, sits below tickets."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from staff.models import Incident
from tickets.models import Ticket

LINK_PERMISSION = "staff.change_incident"


def _check(*, actor, ticket: Ticket, incident: Incident) -> None:
    if actor is None or not actor.has_perm(LINK_PERMISSION):
        raise PermissionDenied(_("You may not follow up incidents."))
    access = access_for(actor)
    if not (access.all_estates or incident.estate_id in access.estate_ids):
        raise PermissionDenied(_("This estate is not one of yours."))
    if ticket.estate_id != incident.estate_id:
        raise DomainError(_("The ticket is of another estate than the incident."), code="other_estate")


def link_ticket_to_incident(*, actor, ticket: Ticket, incident: Incident) -> None:
    """Idempotent: a ticket already linked stays linked once."""
    _check(actor=actor, ticket=ticket, incident=incident)
    ticket.incidents.add(incident)


def unlink_ticket_from_incident(*, actor, ticket: Ticket, incident: Incident) -> None:
    _check(actor=actor, ticket=ticket, incident=incident)
    ticket.incidents.remove(incident)


def link_ticket_number_to_incident(*, actor, incident: Incident, number: str) -> Ticket:
    """Link the ticket the actor may see with this number (the incident page's form)."""
    ticket = Ticket.objects.visible_to(actor).filter(number=(number or "").strip()).first()
    if ticket is None:
        raise DomainError(_("No ticket with this number."), code="no_ticket")
    link_ticket_to_incident(actor=actor, ticket=ticket, incident=incident)
    return ticket
