"""Registration and numbering: ticket numbers, the team a new ticket is dispatched to, and
registering a ticket (desk, portal or API) once per idempotency key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import Person, Unit, resident_unit_ids
from servicecenter.exceptions import DomainError
from servicecenter.money import MoneyError, parse_money
from servicecenter.scoping import access_for
from servicecenter.sequences import bump_counter
from servicecenter.tasking import enqueue_after_commit
from servicecenter.validators import normalize_phone
from staff.models import EstateStaffSettings, Team
from staff.selectors import team_of_kind
from staff.selectors_attendance import dispatch_mode_of
from staff.selectors_rosters import on_call, on_duty
from staff.services import notify
from tickets import sla
from tickets.models import (
    DeskPreference,
    PublicLocation,
    Ticket,
    TicketCategory,
    TicketCounter,
    TicketEvent,
    TicketRequestKey,
)
from tickets.selectors import (
    is_staff_of_estate,
    policy_for,
    sla_minutes,
    team_member_users,
)
from tickets.services._common import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    EscalationKind,
    IdempotencyConflict,
    TicketStatus,
    _event,
    _now,
    _require_text,
    ticket_url,
)
from tickets.services.escalations import escalate_ticket
from tickets.services.lifecycle import assign_ticket
from tickets.services.replies import add_attachment

# --- numbering ---------------------------------------------------------------------------------


def next_ticket_number(*, estate, day: date) -> str:
    """`{estate code}-{yyyymmdd}-{seq}`, from the (estate, day) counter row, which stays locked
    until the caller's transaction ends, so concurrent registrations never share a number."""
    sequence = bump_counter(TicketCounter, estate_id=estate.pk, day=day)
    return f"{estate.code}-{day:%Y%m%d}-{sequence:04d}"


# --- registration and dispatch -----------------------------------------------------------------


def dispatch_team(*, estate, category: TicketCategory) -> Team | None:
    """Where a new ticket goes: the estate's team of the kind the category names, else the
    customer-service team. The single place that chooses; roster-aware assignment extends it."""
    return team_of_kind(estate=estate, kind=category.team_kind) or team_of_kind(
        estate=estate, kind=Team.Kind.CUSTOMER_SERVICE
    )


@dataclass(frozen=True)
class MemberChoice:
    """Who a new ticket goes to inside its team, and whether that person is on call (an emergency
    outside the team's shifts), in which case they are told at once."""

    user: object
    is_on_call: bool


def dispatch_member(*, estate, team: Team | None, priority: str, now: datetime) -> MemberChoice | None:
    """The person in `team` a new ticket goes to, when the estate dispatches to members.

    The on-duty member of the team with the fewest open tickets (ties: the lowest id, so the
    choice is repeatable); an emergency or urgent request while nobody of the team is on duty
    goes to the team's on-call person, else the estate's; anything else waits in the team queue.
    """
    if team is None or dispatch_mode_of(estate) != EstateStaffSettings.DispatchMode.TEAM_AND_MEMBER:
        return None
    on_duty_users = {entry.user_id: entry.user for entry in on_duty(estate=estate, at=now, team=team)}
    if on_duty_users:
        load = dict(
            Ticket.objects.open()
            .filter(estate=estate, assignee_id__in=on_duty_users)
            .values("assignee_id")
            .annotate(count=Count("pk"))
            .values_list("assignee_id", "count")
        )
        chosen = min(on_duty_users, key=lambda user_id: (load.get(user_id, 0), user_id))
        return MemberChoice(user=on_duty_users[chosen], is_on_call=False)
    if priority not in (Ticket.Priority.EMERGENCY, Ticket.Priority.URGENT):
        return None
    on_call_entries = on_call(estate=estate, at=now, team=team) or on_call(estate=estate, at=now)
    if not on_call_entries:
        return None
    first = min(on_call_entries, key=lambda entry: (entry.starts_at, entry.user_id))
    return MemberChoice(user=first.user, is_on_call=True)


def _validate_price(is_paid_service: bool, service_price) -> Decimal | None:
    if not is_paid_service:
        return None
    if service_price in (None, ""):
        raise ValidationError({"service_price": _("Enter the price of the paid service.")}, code="required")
    try:
        return parse_money(service_price if isinstance(service_price, Decimal) else str(service_price))
    except MoneyError:
        raise ValidationError(
            {"service_price": _("Enter a price of zero or more, with at most two decimals.")}, code="invalid"
        ) from None


def _clean_idempotency_key(value: str | None) -> str:
    key = (value or "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        # Refused rather than cut: two long keys that share a prefix must not meet as one.
        raise DomainError(
            _("The idempotency key is too long: at most %(count)s characters.")
            % {"count": MAX_IDEMPOTENCY_KEY_LENGTH},
            code="idempotency_key_too_long",
        )
    return key


def _clean_authority_fields(*, channel: str, reference: str, reply_deadline_at, now: datetime) -> str:
    """The authority's reference, checked: required from the 12345 hotline and the authorities
    (their case number is how the answer finds its way back), refused from other channels."""
    reference = (reference or "").strip()
    if len(reference) > Ticket._meta.get_field("authority_reference").max_length:
        raise ValidationError({"authority_reference": _("This reference is too long.")}, code="max_length")
    if channel in Ticket.AUTHORITY_CHANNELS:
        if not reference:
            raise ValidationError(
                {"authority_reference": _("Enter the reference number the authority gave the case.")},
                code="required",
            )
        if reply_deadline_at is not None and reply_deadline_at <= now:
            raise ValidationError(
                {"reply_deadline_at": _("The reply deadline must be in the future.")}, code="invalid"
            )
    elif reference or reply_deadline_at is not None:
        field = "authority_reference" if reference else "reply_deadline_at"
        raise ValidationError(
            {
                field: _(
                    "Only a request from the 12345 hotline or an authority has a reference and a reply deadline."
                )
            },
            code="invalid",
        )
    return reference


def _fingerprint(**values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _claim_request_key(
    *, estate, key: str, fingerprint: str, actor
) -> tuple[TicketRequestKey | None, Ticket | None]:
    """Take the key for this request (→ the new row, None), or find the ticket that an earlier
    request with the same key, user and details registered (→ None, that ticket)."""
    try:
        with transaction.atomic():
            claimed = TicketRequestKey.objects.create(
                estate=estate, key=key, fingerprint=fingerprint, actor=actor
            )
            return claimed, None
    except IntegrityError:
        # A concurrent twin's insert made ours wait on the unique index until it committed (on
        # SQLite the IMMEDIATE transactions run one after the other), so its row and ticket are
        # visible now: hand back the winner's ticket instead of making a second one.
        existing = TicketRequestKey.objects.select_related("ticket").get(key=key)
    if (
        existing.actor_id != getattr(actor, "pk", None)
        or existing.fingerprint != fingerprint
        or existing.ticket is None
    ):
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request."),
            code="idempotency_key_reused",
        )
    existing.ticket.is_replay = True
    return None, existing.ticket


@transaction.atomic
def register_ticket(
    *,
    actor,
    kind: str,
    channel: str,
    category: TicketCategory,
    description: str,
    estate=None,
    unit: Unit | None = None,
    public_location: PublicLocation | None = None,
    location: str = "",
    priority: str | None = None,
    reporter: Person | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    is_paid_service: bool = False,
    service_price: Decimal | str | None = None,
    is_major: bool = False,
    authority_reference: str = "",
    reply_deadline_at: datetime | None = None,
    team: Team | None = None,
    assignee=None,
    attachments: Iterable = (),
    idempotency_key: str | None = None,
    resolution_due_at: datetime | None = None,
    catalogue_price: Decimal | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Register a request from any channel, number it, set its SLA and dispatch it.

    A resident may report only for a unit they occupy; their ticket is always a portal ticket
    reported by themselves. A ticket passed on by the 12345 hotline or an authority carries the
    authority's reference; its reply deadline, when earlier, replaces the SLA's resolution deadline.
    Without a unit, one of the estate's public locations is required
    (`location` then says where exactly); with a unit, `location` says where in the unit.

    With an `idempotency_key`, the same user sending the same request again (a retry after a
    timeout, a double click, a resent form) gets the first ticket back, with `is_replay` set, and
    nothing else happens; the key sent by another user or with other details raises
    `IdempotencyConflict`. Concurrent duplicates make one ticket (see `_claim_request_key`).

    `resolution_due_at`: a deadline set by someone else than the SLA (a move-in defect's
    rectification deadline, 限期整改); the ticket must be resolved by then, however long that is.

    `catalogue_price`: the price of a special service the estate offers (relations' catalogue,
    特约服务): the ticket is a paid service at that price, also when a resident books it (the
    resident chose a priced service from the list; they set no price). Not an API field.
    """
    now = _now(now)
    key = _clean_idempotency_key(idempotency_key)
    attachments = list(attachments)
    access = access_for(actor)
    description = _require_text(description, field="description", message=_("Describe the request."))
    location = (location or "").strip()
    if access.is_resident and not access.is_staff_member:
        if unit is None or not Unit.objects.filter(pk=unit.pk, pk__in=resident_unit_ids(actor)).exists():
            raise ValidationError({"unit": _("Choose one of your own units.")}, code="not_your_unit")
        channel = Ticket.Channel.PORTAL
        reporter = Person.objects.filter(user=actor, estate=unit.estate_id).first()
        # The centre, not the resident, decides these (servicecenter.authz.WRITABLE_FIELDS).
        team = assignee = priority = service_price = reply_deadline_at = None
        is_major = is_paid_service = False
        authority_reference = ""
    if catalogue_price is not None:
        is_paid_service, service_price = True, catalogue_price
    if unit is None and public_location is None:
        raise ValidationError({"public_location": _("Choose a unit, or the public place.")}, code="required")
    if unit is not None and public_location is not None:
        raise ValidationError(
            {"public_location": _("Choose either a unit or a public place, not both.")}, code="invalid"
        )
    if public_location is not None:
        if not public_location.is_active:
            raise ValidationError({"public_location": _("This place is no longer in use.")}, code="inactive")
        if estate is not None and estate.pk != public_location.estate_id:
            raise ValidationError(
                {"public_location": _("This place is not in the chosen estate.")}, code="estate_mismatch"
            )
        estate = public_location.estate
    if unit is not None:
        if estate is not None and estate.pk != unit.estate_id:
            raise ValidationError(
                {"unit": _("This unit is not in the chosen estate.")}, code="estate_mismatch"
            )
        estate = unit.estate
    if estate is None:
        raise ValidationError({"estate": _("Choose the estate.")}, code="required")
    if access.is_staff_member and not access.all_estates and estate.pk not in access.estate_ids:
        raise ValidationError({"estate": _("You do not work in this estate.")}, code="estate_scope")
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")}, code="inactive")
    if kind not in Ticket.Kind.values:
        raise ValidationError({"kind": _("Choose a valid type.")}, code="invalid")
    if not category.is_for_kind(kind):
        raise ValidationError(
            {"category": _("This category is not offered for this type of request.")}, code="kind_mismatch"
        )
    if channel not in Ticket.Channel.values:
        raise ValidationError({"channel": _("Choose a valid channel.")}, code="invalid")
    authority_reference = _clean_authority_fields(
        channel=channel, reference=authority_reference, reply_deadline_at=reply_deadline_at, now=now
    )
    priority = priority or category.default_priority
    if priority not in Ticket.Priority.values:
        raise ValidationError({"priority": _("Choose a valid priority.")}, code="invalid")
    if reporter is not None and reporter.estate_id != estate.pk:
        raise ValidationError(
            {"reporter": _("This person is not in the estate's archive.")}, code="estate_mismatch"
        )
    if (
        reporter is None
        and not reporter_name.strip()
        and channel
        not in (
            Ticket.Channel.SUGGESTION_BOX,
            Ticket.Channel.PATROL,
            Ticket.Channel.LETTER,
        )
    ):
        raise ValidationError(
            {"reporter_name": _("Who reported it? Pick a resident or enter a name.")}, code="required"
        )
    if is_major and kind != Ticket.Kind.COMPLAINT:
        raise ValidationError({"is_major": _("Only a complaint can be major.")}, code="invalid")
    price = _validate_price(is_paid_service, service_price)
    if team is not None and team.estate_id != estate.pk:
        raise ValidationError(
            {"team": _("This team does not work in the ticket's estate.")}, code="estate_mismatch"
        )
    if assignee is not None and not is_staff_of_estate(assignee, estate.pk):
        raise ValidationError(
            {"assignee": _("This person does not work in the ticket's estate.")}, code="estate"
        )

    # Digits only, like every stored phone (servicecenter.phones); "+" becomes "00", so check the length.
    typed_phone, reporter_phone = reporter_phone, "" if reporter else normalize_phone(reporter_phone)
    if not reporter and typed_phone.strip() and not reporter_phone:
        raise ValidationError({"reporter_phone": _("Enter the phone number in digits.")}, code="invalid")
    if len(reporter_phone) > Ticket._meta.get_field("reporter_phone").max_length:
        raise ValidationError({"reporter_phone": _("This phone number is too long.")}, code="max_length")
    request_key = None
    if key:
        fingerprint = _fingerprint(
            estate=estate.pk,
            unit=unit.pk if unit else None,
            public_location=public_location.pk if public_location else None,
            location=location,
            kind=kind,
            channel=channel,
            category=category.pk,
            priority=priority,
            description=description,
            reporter=reporter.pk if reporter else None,
            reporter_name="" if reporter else reporter_name.strip(),
            reporter_phone=reporter_phone,
            is_paid_service=is_paid_service,
            service_price=str(price) if price is not None else None,
            is_major=is_major,
            authority_reference=authority_reference,
            reply_deadline_at=reply_deadline_at.isoformat() if reply_deadline_at else None,
            team=team.pk if team else None,
            assignee=assignee.pk if assignee else None,
            attachments=[(getattr(f, "name", ""), getattr(f, "size", None)) for f in attachments],
        )
        request_key, earlier = _claim_request_key(
            estate=estate, key=key, fingerprint=fingerprint, actor=actor
        )
        if earlier is not None:
            return earlier

    policy = policy_for(estate)
    response_minutes, resolution_minutes = sla_minutes(category=category, priority=priority)
    if kind == Ticket.Kind.COMPLAINT:
        response_minutes = sla.complaint_response_minutes(
            category_minutes=response_minutes, reply_hours=policy.complaint_reply_hours
        )
    if resolution_due_at is not None:
        if resolution_due_at <= now:
            raise ValidationError(
                {"resolution_due_at": _("The deadline must be in the future.")}, code="invalid"
            )
        # Whole minutes, rounded up, so that a deadline recomputed after a pause is not earlier.
        resolution_minutes = -(-int((resolution_due_at - now).total_seconds()) // 60)
    resolution_minutes = max(resolution_minutes, response_minutes)
    resolution_minutes = sla.authority_resolution_minutes(
        opened_at=now, resolution_minutes=resolution_minutes, reply_deadline_at=reply_deadline_at
    )
    response_minutes = min(response_minutes, resolution_minutes)
    deadlines = sla.initial_deadlines(
        opened_at=now,
        response_minutes=response_minutes,
        resolution_minutes=resolution_minutes,
        lead_minutes=policy.warning_lead_minutes,
    )
    ticket = Ticket.objects.create(
        estate=estate,
        number=next_ticket_number(estate=estate, day=timezone.localdate(now)),
        kind=kind,
        channel=channel,
        status=TicketStatus.NEW,
        priority=priority,
        category=category,
        unit=unit,
        public_location=public_location,
        location=location,
        reporter=reporter,
        reporter_name="" if reporter else reporter_name.strip(),
        reporter_phone=reporter_phone,
        description=description,
        is_paid_service=is_paid_service,
        service_price=price,
        is_major=is_major,
        authority_reference=authority_reference,
        reply_deadline_at=reply_deadline_at,
        team=team or dispatch_team(estate=estate, category=category),
        created_by=actor,
        created_at=now,
        response_minutes=response_minutes,
        resolution_minutes=resolution_minutes,
        response_due_at=deadlines.response_due_at,
        resolution_due_at=deadlines.resolution_due_at,
        response_warn_at=deadlines.response_warn_at,
        resolution_warn_at=deadlines.resolution_warn_at,
    )
    if request_key is not None:
        request_key.ticket = ticket
        request_key.save(update_fields=["ticket"])
    _event(
        ticket,
        kind=TicketEvent.Kind.CREATED,
        actor=actor,
        now=now,
        to_status=TicketStatus.NEW,
        is_public=True,
    )
    for uploaded in attachments:
        add_attachment(ticket=ticket, actor=actor, uploaded=uploaded, now=now)
    member = None
    if assignee is not None:
        ticket = assign_ticket(ticket=ticket, actor=actor, assignee=assignee, team=team, now=now)
    else:
        member = dispatch_member(estate=estate, team=ticket.team, priority=priority, now=now)
        if member is not None:
            # The system dispatches (no actor): the registrar may be a resident on the portal.
            ticket = assign_ticket(ticket=ticket, actor=None, assignee=member.user, team=ticket.team, now=now)
    if is_major:
        escalate_ticket(ticket=ticket, kind=EscalationKind.MAJOR_COMPLAINT, now=now)
    if member is not None and member.is_on_call:
        notify(
            recipients=[member.user],
            kind="ticket_on_call",
            title=_("On call: emergency %(number)s: %(category)s")
            % {"number": ticket.number, "category": category},
            body=f"{ticket.place}: {description[:200]}",
            url=ticket_url(ticket),
            estate=estate,
            channels=("sms",),
            ignores_quiet_hours=True,
            dedupe_key=f"ticket:{ticket.pk}:on_call",
            now=now,
        )
    elif priority == Ticket.Priority.EMERGENCY and assignee is None and ticket.team_id:
        notify(
            recipients=team_member_users(ticket.team_id),
            kind="ticket_emergency",
            title=_("Emergency %(number)s: %(category)s") % {"number": ticket.number, "category": category},
            body=f"{ticket.place}: {description[:200]}",
            url=ticket_url(ticket),
            estate=estate,
            channels=("sms",),
            ignores_quiet_hours=True,
            dedupe_key=f"ticket:{ticket.pk}:emergency",
            now=now,
        )
    enqueue_after_commit("tickets.tasks.check_ticket_deadlines", ticket_id=ticket.pk)
    return ticket


def remember_ticket_kind(*, user, kind: str) -> None:
    """The desk form starts with the type its user registered last."""
    if kind not in Ticket.Kind.values or not getattr(user, "pk", None):
        return
    DeskPreference.objects.update_or_create(user=user, defaults={"last_ticket_kind": kind})
