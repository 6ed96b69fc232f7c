"""What the move-in services share: the clock, locking a move-in, the declared transition, the
reason and estate checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from moveins.models import MoveIn, MoveInEvent
from moveins.workflows import MOVE_IN
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for

MoveInStatus = MoveIn.Status


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def lock(move_in: MoveIn) -> MoveIn:
    """The move-in row, locked for the rest of the transaction (re-read: the caller's copy may be
    stale)."""
    return (
        MoveIn.objects.select_for_update(of=("self",))
        .select_related("estate", "unit", "owner")
        .get(pk=move_in.pk)
    )


def check(move_in: MoveIn, action: str, actor, *, now: datetime, skip: Iterable[str] = ()) -> None:
    """Refuse unless the declaration allows `action` on the locked move-in for `actor` (None: the
    system), and the actor works in its estate. Always the first check of a service."""
    MOVE_IN.check(move_in, action, actor, now=now, skip=skip)
    require_estate(actor, move_in.estate_id)


def transition(
    move_in: MoveIn, action: str, *, actor, now: datetime, note: str = "", fields: dict | None = None
) -> MoveInEvent:
    return MOVE_IN.transition(move_in, action, actor=actor, note=(note or "").strip(), now=now, fields=fields)


def write_event(move_in: MoveIn, *, action: str, actor, now: datetime, note: str = "") -> MoveInEvent:
    """A line of the timeline that is not a change of state (scheduled, a checklist line done, a
    deposit taken, readings recorded, a rating)."""
    return MoveInEvent.objects.create(
        move_in=move_in,
        action=action,
        from_status=move_in.status if action != "schedule" else "",
        to_status=move_in.status,
        actor=actor,
        note=(note or "")[:1000],
        created_at=now,
    )


def require_reason(reason: str, *, message: str | None = None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message or _("Give a reason; it is kept with the move-in."), code="reason_required")
    return reason


def require_perm(actor, perm: str, message: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(message)


def require_estate(actor, estate_id: int) -> None:
    """Staff act only on the estates they work for (None: the system)."""
    if actor is None:
        return
    access = access_for(actor)
    if access.all_estates:
        return
    if not access.is_staff_member or estate_id not in access.estate_ids:
        raise PermissionDenied(_("You do not work in this estate."))
