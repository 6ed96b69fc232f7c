"""What the front-desk services share: the clock and the estate check."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from servicecenter.scoping import access_for


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


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
