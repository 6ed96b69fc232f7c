"""Special services (特约服务): the estate's default catalogue and booking one, which registers a
paid-service ticket at the catalogue's price (`tickets.services.register_ticket`, same
idempotency key: a resent booking gives the first one back)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from relations.models import SpecialService, SpecialServiceBooking
from residents.models import Estate, Unit
from servicecenter.exceptions import DomainError
from tickets import services as tickets
from tickets.models import Ticket, TicketCategory

# How far ahead a booking may be made; further out is a typing mistake.
MAX_DAYS_AHEAD = 90

# name (an English msgid, translated on display), price, per, ticket category code
DEFAULT_SPECIAL_SERVICES: list[tuple[str, str, str, str]] = [
    (gettext_noop("Deep cleaning"), "300.00", gettext_noop("per visit"), "public_cleaning"),
    (gettext_noop("Window cleaning"), "150.00", gettext_noop("per visit"), "public_cleaning"),
    (gettext_noop("Moving help"), "200.00", gettext_noop("per hour"), "other"),
    (gettext_noop("Appliance repair"), "80.00", gettext_noop("per appliance"), "electrical"),
    (gettext_noop("Pipe unblocking"), "100.00", gettext_noop("per visit"), "plumbing"),
]


def ensure_default_special_services(estate: Estate) -> int:
    """Give the estate the default catalogue (only the services it does not have by name); safe
    to run again. Returns how many were added."""
    categories = {
        c.code: c
        for c in TicketCategory.objects.filter(code__in={row[3] for row in DEFAULT_SPECIAL_SERVICES})
    }
    have = set(SpecialService.objects.filter(estate=estate).values_list("name", flat=True))
    added = 0
    for order, (name, price, per, code) in enumerate(DEFAULT_SPECIAL_SERVICES):
        category = categories.get(code) or categories.get("other")
        if name in have or category is None:
            continue
        SpecialService.objects.create(
            estate=estate,
            name=name,
            price=Decimal(price),
            price_unit=per,
            category=category,
            sort_order=(order + 1) * 10,
        )
        added += 1
    return added


@transaction.atomic
def book_special_service(
    *,
    actor,
    service: SpecialService,
    unit: Unit,
    preferred_at: datetime,
    notes: str = "",
    idempotency_key: str,
    now: datetime | None = None,
) -> SpecialServiceBooking:
    """Book the service for the unit at the preferred time. A resident books for a unit they
    occupy (the ticket service checks it); staff for a unit of their estates. The booking is a
    paid-service ticket at the catalogue's price, dispatched to the category's team."""
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise DomainError(
            _("This request has no idempotency key. Reload the form and submit it again."),
            code="idempotency_key_required",
        )
    earlier = SpecialServiceBooking.objects.filter(
        estate_id=unit.estate_id, idempotency_key=key, created_by=actor
    ).first()
    if earlier is not None:
        return earlier
    if not service.is_active:
        raise DomainError(_("This service is no longer offered."), code="service_inactive")
    if service.estate_id != unit.estate_id:
        raise DomainError(_("This service is not offered in the unit's estate."), code="service_other_estate")
    if preferred_at is None or timezone.is_naive(preferred_at):
        raise DomainError(_("Enter the preferred date and time."), code="preferred_at_required")
    if preferred_at <= now:
        raise DomainError(_("The preferred time must be in the future."), code="preferred_at_past")
    if preferred_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(
            _("Book at most %(days)s days ahead.") % {"days": MAX_DAYS_AHEAD}, code="preferred_at_too_far"
        )
    notes = (notes or "").strip()[:2000]
    when = f"{timezone.localtime(preferred_at):%Y-%m-%d %H:%M}"
    description = _("Special service: %(service)s. Preferred time: %(when)s.") % {
        "service": _(service.name),
        "when": when,
    }
    if notes:
        description = f"{description}\n{notes}"
    ticket = tickets.register_ticket(
        actor=actor,
        kind=Ticket.Kind.REPAIR,
        # A resident's ticket is always a portal ticket (the ticket service sees to it); staff
        # book at the desk for the unit's resident.
        channel=Ticket.Channel.WALK_IN,
        category=service.category,
        description=description,
        unit=unit,
        reporter=_reporter(actor, unit),
        catalogue_price=service.price,
        idempotency_key=key,
        now=now,
    )
    if ticket.is_replay:
        existing = SpecialServiceBooking.objects.filter(ticket=ticket).first()
        if existing is not None:
            return existing
    return SpecialServiceBooking.objects.create(
        estate_id=unit.estate_id,
        service=service,
        unit=unit,
        ticket=ticket,
        preferred_at=preferred_at,
        notes=notes,
        price=service.price,
        created_by=actor,
        created_at=now,
        idempotency_key=key,
    )


def _reporter(actor, unit: Unit):
    """The actor's own archive entry in the unit's estate (a resident booking for themselves),
    else the unit's current occupant, owners first (staff booking for the unit at the desk)."""
    from residents.models import Occupancy, Person

    own = Person.objects.filter(user=actor, estate_id=unit.estate_id).first() if actor else None
    if own is not None:
        return own
    occupancy = (
        Occupancy.objects.current().filter(unit=unit).select_related("person").order_by("role", "pk").first()
    )
    if occupancy is None:
        raise DomainError(_("The unit has no current resident to book for."), code="no_resident")
    return occupancy.person
