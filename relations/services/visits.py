"""Household visits (拜访): a housekeeper logs a contact with a household; its follow-up can
become a ticket (once); staff flag a household important (重要业户) with a reason, or clear it."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relations.models import ImportantHousehold, Visit
from residents.models import Unit
from residents.selectors import payers_by_unit
from servicecenter.exceptions import DomainError
from servicecenter.validators import validate_reasonable_date
from tickets import services as tickets
from tickets.models import Ticket, TicketCategory

LOG_PERM = "relations.add_visit"
FLAG_PERM = "relations.flag_important_household"
# The kinds of ticket a follow-up may become (not praise or a suggestion: those need no work).
FOLLOW_UP_KINDS = (Ticket.Kind.REPAIR, Ticket.Kind.COMPLAINT, Ticket.Kind.INQUIRY, Ticket.Kind.REPORT)


def _require(actor, perm: str, unit: Unit) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this."))
    if not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("This unit is not in your estates."))


def _text(value: str, limit: int) -> str:
    return (value or "").strip()[:limit]


@transaction.atomic
def log_visit(
    *,
    actor,
    unit: Unit,
    visited_on: date,
    channel: str,
    met: str = "",
    topics: str = "",
    notes: str = "",
    follow_up: str = "",
    now: datetime | None = None,
) -> Visit:
    """Record one contact with the household. Not in the future; at least one of who was met,
    topics or notes says what happened."""
    now = now or timezone.now()
    _require(actor, LOG_PERM, unit)
    errors: dict[str, list[str]] = {}
    if channel not in Visit.Channel.values:
        errors["channel"] = [_("Choose home visit, phone or at the desk.")]
    if visited_on is None:
        errors["visited_on"] = [_("Enter the visit date.")]
    else:
        try:
            validate_reasonable_date(visited_on)
        except ValidationError as exc:
            errors["visited_on"] = exc.messages
        else:
            if visited_on > timezone.localdate(now):
                errors["visited_on"] = [_("The visit date cannot be in the future.")]
    if not any((v or "").strip() for v in (met, topics, notes)):
        errors["notes"] = [_("Say whom you met, what you talked about or what happened.")]
    if errors:
        raise ValidationError(errors)
    return Visit.objects.create(
        estate_id=unit.estate_id,
        unit=unit,
        visited_on=visited_on,
        channel=channel,
        met=_text(met, 200),
        topics=_text(topics, 300),
        notes=(notes or "").strip(),
        follow_up=(follow_up or "").strip(),
        visited_by=actor,
        created_at=now,
    )


@transaction.atomic
def raise_follow_up_ticket(
    *, actor, visit: Visit, kind: str, category: TicketCategory, now: datetime | None = None
) -> Ticket:
    """The visit's follow-up becomes a ticket of the unit, passed on by staff, once: the visit is
    locked and links the ticket, and the ticket is registered with an idempotency key derived from
    the visit, so a retry or a second click returns the same ticket."""
    visit = Visit.objects.select_for_update().select_related("unit", "unit__estate").get(pk=visit.pk)
    if visit.follow_up_ticket_id is not None:
        ticket = visit.follow_up_ticket
        ticket.is_replay = True
        return ticket
    if not actor.has_perm("tickets.add_ticket"):
        raise PermissionDenied(_("You are not allowed to register tickets."))
    _require(actor, LOG_PERM, visit.unit)
    if not visit.follow_up.strip():
        raise DomainError(_("This visit has no follow-up to pass on."), code="no_follow_up")
    if kind not in FOLLOW_UP_KINDS:
        raise DomainError(_("Choose the type of request."), code="kind_invalid")
    # The household is the reporter: its payer (the owner by default), else whom the visit met.
    payer = payers_by_unit([visit.unit_id]).get(visit.unit_id)
    try:
        ticket = tickets.register_ticket(
            actor=actor,
            kind=kind,
            channel=Ticket.Channel.STAFF_RELAY,
            category=category,
            description=_("Follow-up of the visit on %(date)s: %(text)s")
            % {"date": visit.visited_on.isoformat(), "text": visit.follow_up},
            unit=visit.unit,
            reporter=payer.person if payer else None,
            reporter_name="" if payer else (visit.met or visit.unit.code),
            idempotency_key=f"visit-follow-up-{visit.pk}",
            now=now,
        )
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="ticket_refused") from None
    visit.follow_up_ticket = ticket
    visit.save(update_fields=["follow_up_ticket"])
    return ticket


@transaction.atomic
def flag_important(*, actor, unit: Unit, reason: str, now: datetime | None = None) -> ImportantHousehold:
    """Flag the household important (重要业户). Flagging it again keeps the first flag."""
    _require(actor, FLAG_PERM, unit)
    reason = _text(reason, 300)
    if not reason:
        raise DomainError(_("Give the reason for flagging the household."), code="reason_required")
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    current = ImportantHousehold.objects.active().filter(unit=unit).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return ImportantHousehold.objects.create(
                estate_id=unit.estate_id,
                unit=unit,
                reason=reason,
                flagged_by=actor,
                flagged_at=now or timezone.now(),
            )
    except IntegrityError:
        return ImportantHousehold.objects.active().get(unit=unit)


@transaction.atomic
def clear_important(*, actor, unit: Unit, now: datetime | None = None) -> ImportantHousehold:
    _require(actor, FLAG_PERM, unit)
    flag = ImportantHousehold.objects.select_for_update().active().filter(unit=unit).first()
    if flag is None:
        raise DomainError(_("This household is not flagged important."), code="not_flagged")
    flag.cleared_by = actor
    flag.cleared_at = now or timezone.now()
    flag.save(update_fields=["cleared_by", "cleared_at"])
    return flag
