"""What the desk log services share: the clock, permission and estate checks, text and phone
input, and the notification of a unit's occupants."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import Occupancy
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from servicecenter.validators import normalize_phone

# The longest and shortest phone the desk records (digits, after normalising): a landline without
# its area code has 7; an international number with its 00 prefix up to 20.
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 20


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def require_perm(actor, perm: str, message: str | None = None) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(message or _("You are not allowed to do this."))


def require_estate(actor, estate_id: int) -> None:
    """Staff act only on the estates they work for (None: the system)."""
    if actor is None:
        return
    access = access_for(actor)
    if access.all_estates:
        return
    if not access.is_staff_member or estate_id not in access.estate_ids:
        raise PermissionDenied(_("You do not work in this estate."))


def required_text(value: str, *, message: str, code: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code=code)
    return value[:max_length]


def clean_phone(value: str, *, required: bool = False) -> str:
    """A phone as stored (digits only), or a DomainError for one too short or too long."""
    digits = normalize_phone(value or "")
    if not digits:
        if required:
            raise DomainError(_("Enter a phone number."), code="phone_required")
        return ""
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        raise DomainError(_("Enter a valid phone number."), code="phone_format")
    return digits


def not_in_future(moment: datetime, *, now: datetime, message: str, code: str) -> datetime:
    # A few minutes of slack for a desk clock that runs ahead of the server's.
    if moment > now + timedelta(minutes=5):
        raise DomainError(message, code=code)
    return moment


def occupant_users(unit, *, today=None) -> list:
    """The active portal logins of the people who occupy the unit today."""
    occupancies = (
        Occupancy.objects.current(today)
        .filter(unit=unit, person__user__isnull=False, person__user__is_active=True)
        .select_related("person__user")
    )
    return [o.person.user for o in occupancies]
