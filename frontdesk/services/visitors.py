"""The visitor log: a visitor let in at the desk (the unit's occupants told, if asked) and their
departure. A visitor cannot leave before arriving: refused with a clear error."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from frontdesk.models import Visitor, VisitorEvent
from frontdesk.services._common import (
    clean_phone,
    not_in_future,
    now_or,
    occupant_users,
    require_estate,
    require_perm,
    required_text,
)
from frontdesk.workflows import VISITOR
from residents.models import Unit
from servicecenter.exceptions import DomainError

LOG_VISITOR = "frontdesk.log_visitor"


@transaction.atomic
def register_visitor(
    *,
    actor,
    unit: Unit,
    name: str,
    phone: str = "",
    purpose: str = "",
    arrived_at: datetime | None = None,
    notify_occupant: bool = False,
    now: datetime | None = None,
) -> Visitor:
    now = now_or(now)
    require_perm(actor, LOG_VISITOR, _("You are not allowed to register visitors."))
    require_estate(actor, unit.estate_id)
    name = required_text(name, message=_("Enter the visitor's name."), code="name_required", max_length=100)
    arrived_at = not_in_future(
        arrived_at or now,
        now=now,
        message=_("The time in cannot be in the future."),
        code="arrival_in_future",
    )
    visitor = Visitor.objects.create(
        estate_id=unit.estate_id,
        unit=unit,
        name=name,
        phone=clean_phone(phone),
        purpose=(purpose or "").strip()[:200],
        arrived_at=arrived_at,
        let_in_by=actor,
    )
    VisitorEvent.objects.create(
        visitor=visitor, action="register", to_status=visitor.status, actor=actor, created_at=now
    )
    if notify_occupant:
        _notify_occupants(visitor, now=now)
    return visitor


def _notify_occupants(visitor: Visitor, *, now: datetime) -> None:
    from staff.services import notify

    users = occupant_users(visitor.unit, today=now.date())
    if not users:
        return
    sent = notify(
        recipients=users,
        kind="frontdesk_visitor",
        title=_("A visitor for %(unit)s is at the desk: %(name)s")
        % {"unit": visitor.unit, "name": visitor.name},
        body=visitor.purpose,
        estate=visitor.estate,
        channels=("sms",),
        dedupe_key=f"frontdesk:visitor:{visitor.pk}",
        now=now,
    )
    if sent:
        visitor.occupant_notified_at = now
        visitor.save(update_fields=["occupant_notified_at"])


@transaction.atomic
def record_visitor_departure(
    *, visitor: Visitor, actor, left_at: datetime | None = None, now: datetime | None = None
) -> Visitor:
    """The visitor left (now, or at `left_at` when the desk records it afterwards)."""
    now = now_or(now)
    visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    VISITOR.check(visitor, "leave", actor, now=now)
    require_estate(actor, visitor.estate_id)
    left_at = not_in_future(
        left_at or now,
        now=now,
        message=_("The time out cannot be in the future."),
        code="departure_in_future",
    )
    if left_at < visitor.arrived_at:
        raise DomainError(
            _("A visitor cannot leave before arriving: the time out is earlier than the time in."),
            code="left_before_arrival",
        )
    VISITOR.transition(visitor, "leave", actor=actor, now=now, fields={"left_at": left_at})
    return visitor
