"""Writes for tickets: registration, dispatch, the lifecycle, SLA escalations, callbacks and the
monthly callback sampling. Views, the API, admin and Celery tasks only call these functions.

The lifecycle is declared once, in `tickets.workflows` (TICKET, CALLBACK): every change locks the
row, checks the declaration (state, permission, guards), saves with `update_fields` and writes
its `TicketEvent` (who, when, from, to, note) through the workflow, one code path for all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Min, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import Person, SensitiveAccessLog, Unit, resident_unit_ids
from residents.services import TaskCall, TaskNotFound, reveal_phone_for_task
from servicecenter.exceptions import DomainError, TransitionError
from servicecenter.money import MoneyError, parse_money
from servicecenter.periods import month_bounds, previous_month
from servicecenter.scoping import access_for
from servicecenter.sequences import bump_counter
from servicecenter.tasking import enqueue_after_commit
from servicecenter.uploads import ALLOWED_DOCUMENT_TYPES, prepare_upload
from servicecenter.validators import normalize_phone
from servicecenter.workflow import SYSTEM
from staff.models import StaffProfile, Team
from staff.selectors import housekeeper_for_unit, team_of_kind
from staff.services import notify
from tickets import sla
from tickets.models import (
    Callback,
    CallbackAttempt,
    CallbackReminder,
    CallbackReview,
    CallbackSample,
    Escalation,
    PublicLocation,
    ReplyChannel,
    RootCause,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketCounter,
    TicketEvent,
    TicketPolicy,
    TicketRequestKey,
)
from tickets.selectors import (
    estate_users_with_role,
    is_staff_of_estate,
    policies_by_estate,
    policy_for,
    sla_minutes,
    team_member_users,
)
from tickets.workflows import CALLBACK, TICKET

logger = logging.getLogger(__name__)

S = Ticket.Status

CB = Callback.Status
# Compatibility: the state tables, read from the declarations (state → the states that may follow).
ALLOWED: dict[str, set[str]] = TICKET.allowed()
CALLBACK_ALLOWED: dict[str, set[str]] = CALLBACK.allowed()

MAX_ATTACHMENTS_PER_TICKET = 20
MAX_IDEMPOTENCY_KEY_LENGTH = 100  # TicketRequestKey.key
E = Escalation.Kind


class IdempotencyConflict(DomainError):
    """An idempotency key sent again by another user, or with other details than the first time."""

    status_code = 409


# --- helpers -----------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _label(status: str) -> str:
    return str(S(status).label)


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("estate", "category").get(pk=ticket.pk)


def _check(ticket: Ticket, action: str, user, *, skip: Iterable[str] = ()) -> None:
    """Refuse unless the declaration allows `action` on the locked ticket for `user` (the actor;
    None, or SYSTEM, for a step the system takes: a sweep, a callback's outcome)."""
    TICKET.check(ticket, action, user, skip=skip)


def _require_text(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message}, code="required")
    return value


def ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def _event(
    ticket: Ticket,
    *,
    kind: str,
    actor,
    now: datetime,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    is_public: bool = False,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        created_at=now,
        from_status=from_status,
        to_status=to_status,
        note=note,
        is_public=is_public,
    )


def _move(
    ticket: Ticket,
    action: str,
    *,
    actor,
    now: datetime,
    note: str = "",
    fields: dict | None = None,
) -> Ticket:
    """Apply a checked action to a locked ticket: the hold clock, the fields, one event (written
    by the workflow, the same way for every transition)."""
    source = ticket.status
    target = TICKET.action(action).target
    changes: dict = dict(fields or {})
    if source == S.ON_HOLD and target not in (None, S.ON_HOLD):
        # The clock stopped while on hold: push back each deadline that had not yet passed.
        held_from = ticket.on_hold_since
        for due, warn in (
            ("response_due_at", "response_warn_at"),
            ("resolution_due_at", "resolution_warn_at"),
        ):
            old_due = getattr(ticket, due)
            new_due = sla.extend_for_pause(old_due, held_from, now)
            changes[due] = new_due
            changes[warn] = getattr(ticket, warn) + (new_due - old_due)
        changes["on_hold_minutes"] = ticket.on_hold_minutes + sla.paused_minutes(held_from, now)
        changes["on_hold_since"] = None
    if target == S.ON_HOLD:
        changes["on_hold_since"] = now
    TICKET.transition(
        ticket, action, actor=actor, note=note, now=now, fields=changes, update_fields=["updated_at"]
    )
    return ticket


def _responded(ticket: Ticket, now: datetime) -> dict:
    return {} if ticket.first_responded_at else {"first_responded_at": now}


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
    team: Team | None = None,
    assignee=None,
    attachments: Iterable = (),
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Register a request from any channel, number it, set its SLA and dispatch it.

    A resident may report only for a unit they occupy; their ticket is always a portal ticket
    reported by themselves. Without a unit, one of the estate's public locations is required
    (`location` then says where exactly); with a unit, `location` says where in the unit.

    With an `idempotency_key`, the same user sending the same request again (a retry after a
    timeout, a double click, a resent form) gets the first ticket back, with `is_replay` set, and
    nothing else happens; the key sent by another user or with other details raises
    `IdempotencyConflict`. Concurrent duplicates make one ticket (see `_claim_request_key`).
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
        team = assignee = priority = service_price = None
        is_major = is_paid_service = False
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
    if channel not in Ticket.Channel.values:
        raise ValidationError({"channel": _("Choose a valid channel.")}, code="invalid")
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
    resolution_minutes = max(resolution_minutes, response_minutes)
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
        status=S.NEW,
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
    _event(ticket, kind=TicketEvent.Kind.CREATED, actor=actor, now=now, to_status=S.NEW, is_public=True)
    for uploaded in attachments:
        add_attachment(ticket=ticket, actor=actor, uploaded=uploaded, now=now)
    if assignee is not None:
        ticket = assign_ticket(ticket=ticket, actor=actor, assignee=assignee, team=team, now=now)
    if is_major:
        escalate_ticket(ticket=ticket, kind=E.MAJOR_COMPLAINT, now=now)
    if priority == Ticket.Priority.EMERGENCY and assignee is None and ticket.team_id:
        notify(
            recipients=team_member_users(ticket.team_id),
            kind="ticket_emergency",
            title=_("Emergency %(number)s: %(category)s") % {"number": ticket.number, "category": category},
            body=f"{ticket.place}: {description[:200]}",
            url=ticket_url(ticket),
            estate=estate,
            channels=("sms",),
            dedupe_key=f"ticket:{ticket.pk}:emergency",
            now=now,
        )
    enqueue_after_commit("tickets.tasks.check_ticket_deadlines", ticket_id=ticket.pk)
    return ticket


# --- the lifecycle -----------------------------------------------------------------------------


@transaction.atomic
def assign_ticket(
    *,
    ticket: Ticket,
    actor,
    assignee=None,
    team: Team | None = None,
    note: str = "",
    now: datetime | None = None,
    _action: str = "assign",
) -> Ticket:
    """Dispatch to a team, a person, or both. Giving only a team puts the ticket in that team's
    queue with nobody assigned; giving a person also moves it to their team in this estate."""
    now = _now(now)
    ticket = _lock(ticket)
    if assignee is None and team is None:
        raise ValidationError({"assignee": _("Choose a person or a team.")}, code="required")
    _check(ticket, _action, actor)
    if team is not None and team.estate_id != ticket.estate_id:
        raise ValidationError(
            {"team": _("This team does not work in the ticket's estate.")}, code="estate_mismatch"
        )
    if assignee is not None:
        if not is_staff_of_estate(assignee, ticket.estate_id):
            raise ValidationError(
                {"assignee": _("This person does not work in the ticket's estate.")}, code="estate"
            )
        if team is None:
            profile_team = (
                StaffProfile.objects.filter(user=assignee, team__estate_id=ticket.estate_id)
                .values_list("team_id", flat=True)
                .first()
            )
            team_id = profile_team or ticket.team_id
        else:
            team_id = team.pk
    else:
        team_id = team.pk
    assignee_id = assignee.pk if assignee is not None else None
    if ticket.status == S.ASSIGNED and ticket.assignee_id == assignee_id and ticket.team_id == team_id:
        return ticket  # the same dispatch twice (a double click) changes nothing
    who = (assignee.get_full_name() or assignee.get_username()) if assignee is not None else ""
    team_name = Team.objects.filter(pk=team_id).values_list("name", flat=True).first() or ""
    summary = " · ".join(part for part in (team_name, who) if part)
    ticket = _move(
        ticket,
        _action,
        actor=actor,
        now=now,
        note=f"{summary}\n{note}".strip() if note else summary,
        fields={"assignee_id": assignee_id, "team_id": team_id},
    )
    if assignee is not None and assignee != actor:
        urgent = ticket.priority in (Ticket.Priority.EMERGENCY, Ticket.Priority.URGENT)
        notify(
            recipients=[assignee],
            kind="ticket_assigned",
            title=_("New work for you: %(number)s") % {"number": ticket.number},
            body=f"{ticket.get_priority_display()} · {ticket.category} · {ticket.place}",
            url=ticket_url(ticket),
            estate=ticket.estate,
            channels=("sms",) if urgent else (),
            dedupe_key=f"ticket:{ticket.pk}:assigned:{assignee.pk}:{now.isoformat()}",
            now=now,
        )
    return ticket


@transaction.atomic
def take_ticket(*, ticket: Ticket, actor, now: datetime | None = None) -> Ticket:
    """Self-dispatch: a technician takes an unassigned ticket of their own team."""
    return assign_ticket(ticket=ticket, actor=actor, assignee=actor, now=now, _action="take")


@transaction.atomic
def start_ticket(*, ticket: Ticket, actor, note: str = "", now: datetime | None = None) -> Ticket:
    """Work begins (the first response). Whoever starts an unassigned team ticket takes it.
    Leaving a hold is `resume`, which accounts for the pause."""
    now = _now(now)
    ticket = _lock(ticket)
    _check(ticket, "start", actor)
    fields = _responded(ticket, now)
    if ticket.assignee_id is None:
        fields["assignee"] = actor
    return _move(ticket, "start", actor=actor, now=now, note=note.strip(), fields=fields)


@transaction.atomic
def hold_ticket(*, ticket: Ticket, actor, reason: str, now: datetime | None = None) -> Ticket:
    """Pause the SLA clock: waiting for the resident, for parts, for access."""
    now = _now(now)
    reason = _require_text(reason, field="reason", message=_("Say what the ticket is waiting for."))
    ticket = _lock(ticket)
    _check(ticket, "hold", actor)
    return _move(ticket, "hold", actor=actor, now=now, note=reason, fields=_responded(ticket, now))


@transaction.atomic
def resume_ticket(*, ticket: Ticket, actor, note: str = "", now: datetime | None = None) -> Ticket:
    now = _now(now)
    ticket = _lock(ticket)
    _check(ticket, "resume", actor)
    return _move(ticket, "resume", actor=actor, now=now, note=note.strip())


def root_cause_required(ticket: Ticket) -> bool:
    """Must a root cause be given when this ticket is next resolved or closed by hand?"""
    return ticket.kind == Ticket.Kind.COMPLAINT and ticket.root_cause_id is None


def _root_cause(ticket: Ticket, root_cause: RootCause | int | None) -> dict:
    """A complaint needs its root cause (投诉原因) by the time it is resolved or closed: the monthly
    complaint analysis counts them. Other kinds may carry one but need not."""
    if root_cause is None or root_cause == "":
        if root_cause_required(ticket):
            raise ValidationError(
                {"root_cause": _("Choose the root cause of the complaint.")}, code="required"
            )
        return {}
    cause_id = root_cause.pk if isinstance(root_cause, RootCause) else root_cause
    if not RootCause.objects.filter(pk=cause_id, is_active=True).exists():
        raise ValidationError({"root_cause": _("Choose a root cause from the list.")}, code="invalid")
    return {"root_cause_id": cause_id}


@transaction.atomic
def resolve_ticket(
    *,
    ticket: Ticket,
    actor,
    note: str,
    root_cause: RootCause | int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """The work is done. Schedules the callback (回访) and tells the resident. The first
    resolution is kept apart (`first_resolved_at` against the deadline then in force): that is
    what timeliness is judged on, whatever happens after a reopen."""
    now = _now(now)
    note = _require_text(note, field="note", message=_("Describe what was done."))
    ticket = _lock(ticket)
    _check(ticket, "resolve", actor)
    first = {}
    if ticket.first_resolved_at is None:
        first = {"first_resolved_at": now, "first_resolution_due_at": ticket.resolution_due_at}
    ticket = _move(
        ticket,
        "resolve",
        actor=actor,
        now=now,
        note=note,
        fields={
            **_responded(ticket, now),
            **first,
            **_root_cause(ticket, root_cause),
            "resolved_at": now,
            "resolution_note": note,
        },
    )
    schedule_callback(ticket=ticket, now=now)
    resident_user = ticket.reporter.user if ticket.reporter_id and ticket.reporter.user_id else None
    if resident_user is not None:
        notify(
            recipients=[resident_user],
            kind="ticket_resolved",
            title=_("Your request %(number)s has been resolved") % {"number": ticket.number},
            body=_("Please tell us whether the problem is solved and rate our service in the portal."),
            url=reverse("portal:ticket_detail", args=[ticket.pk]),
            estate=ticket.estate,
            channels=("sms",),
            dedupe_key=f"ticket:{ticket.pk}:resolved:{ticket.reopen_count}",
            now=now,
        )
    if ticket.is_paid_service and ticket.unit_id:
        from billing.services import bill_paid_service  # lazy: apps meet only through services

        bill_paid_service(
            ticket_id=ticket.pk,
            unit=ticket.unit,
            price=ticket.service_price,
            actor=actor,
            description=f"{ticket.number} {ticket.category}"[:200],
            now=now,
        )
    return ticket


@transaction.atomic
def reopen_ticket(
    *, ticket: Ticket, actor, reason: str, now: datetime | None = None, _from_callback: bool = False
) -> Ticket:
    """Not solved after all. The ticket waits for dispatch again with a fresh resolution deadline;
    a callback still pending for the old resolution is cancelled."""
    now = _now(now)
    reason = _require_text(reason, field="reason", message=_("Say why the ticket is reopened."))
    ticket = _lock(ticket)
    # Reopened by the callback's answer: the callback's recorder need not be allowed to reopen.
    _check(ticket, "reopen", SYSTEM if _from_callback else actor)
    policy = policy_for(ticket.estate_id)
    resolution_due = sla.sla_deadline(opened_at=now, allowed_minutes=ticket.resolution_minutes)
    lead = sla.warning_lead(
        allowed_minutes=ticket.resolution_minutes, lead_minutes=policy.warning_lead_minutes
    )
    ticket = _move(
        ticket,
        "reopen",
        actor=actor,
        now=now,
        note=reason,
        fields={
            "reopen_count": ticket.reopen_count + 1,
            "resolved_at": None,
            "closed_at": None,
            "resolution_due_at": resolution_due,
            "resolution_warn_at": resolution_due - lead,
        },
    )
    cancel_pending_callbacks(
        ticket=ticket, actor=actor, now=now, note=_("Callback cancelled: the ticket was reopened.")
    )
    notify(
        recipients=[u for u in [ticket.assignee] if u is not None and u != actor]
        + estate_users_with_role(estate_id=ticket.estate_id, role="supervisor"),
        kind="ticket_reopened",
        title=_("Reopened: %(number)s") % {"number": ticket.number},
        body=reason,
        url=ticket_url(ticket),
        estate=ticket.estate,
        dedupe_key=f"ticket:{ticket.pk}:reopened:{ticket.reopen_count}",
        now=now,
    )
    if ticket.is_paid_service:
        from billing.services import void_paid_service_bill  # lazy: apps meet only through services

        void_paid_service_bill(
            ticket_id=ticket.pk, estate_id=ticket.estate_id, actor=actor, reason=reason, now=now
        )
    return ticket


@transaction.atomic
def close_ticket(
    *,
    ticket: Ticket,
    actor,
    note: str = "",
    root_cause: RootCause | int | None = None,
    now: datetime | None = None,
    unreachable: bool = False,
    _from_callback: bool = False,
) -> Ticket:
    """Close a resolved ticket. By hand only when no mandatory callback is still to be made; a
    pending optional callback is cancelled. A complaint closed by hand must have its root cause
    (given now, or at resolution); closing by the callback or the sweep keeps the one it has."""
    now = _now(now)
    ticket = _lock(ticket)
    if _from_callback:
        # The callback's outcome closes the ticket: its recorder need not be allowed to close by
        # hand, and the callback is no longer pending.
        _check(ticket, "close", SYSTEM, skip=("no_mandatory_callback_pending",))
    else:
        _check(ticket, "close", actor)
    cause = _root_cause(ticket, root_cause) if actor is not None and not _from_callback else {}
    if not _from_callback:
        cancel_pending_callbacks(
            ticket=ticket, actor=actor, now=now, note=_("Callback cancelled: the ticket was closed.")
        )
    return _move(
        ticket,
        "close",
        actor=actor,
        now=now,
        note=note.strip(),
        fields={"closed_at": now, "is_unreachable": unreachable, **cause},
    )


@transaction.atomic
def cancel_ticket(*, ticket: Ticket, actor, reason: str, now: datetime | None = None) -> Ticket:
    """Withdrawn or registered by mistake (a duplicate): only before work has begun."""
    now = _now(now)
    reason = _require_text(reason, field="reason", message=_("Say why the ticket is cancelled."))
    ticket = _lock(ticket)
    _check(ticket, "cancel", actor)
    return _move(ticket, "cancel", actor=actor, now=now, note=reason, fields={"cancel_reason": reason[:300]})


@transaction.atomic
def flag_major_complaint(*, ticket: Ticket, actor, note: str = "", now: datetime | None = None) -> Ticket:
    """Mark a complaint as major (重大投诉): the manager is told at once."""
    now = _now(now)
    ticket = _lock(ticket)
    _check(ticket, "flag_major", actor)
    if ticket.is_major:
        return ticket  # flagged already (a double click) changes nothing
    _move(ticket, "flag_major", actor=actor, now=now, note=note.strip(), fields={"is_major": True})
    escalate_ticket(ticket=ticket, kind=E.MAJOR_COMPLAINT, now=now)
    return ticket


@transaction.atomic
def add_comment(
    *, ticket: Ticket, actor, body: str, is_public: bool = False, now: datetime | None = None
) -> TicketEvent:
    """A note on the timeline. Staff choose whether the resident sees it; a reply the resident
    sees counts as the first response. A resident's own comment is always public."""
    now = _now(now)
    body = _require_text(body, field="body", message=_("Write a comment."))
    ticket = _lock(ticket)
    if ticket.status in (S.CLOSED, S.CANCELLED) and not access_for(actor).is_staff_member:
        raise DomainError(_("This ticket is finished; please register a new request."), code="finished")
    staff = access_for(actor).is_staff_member
    if not staff:
        is_public = True
    elif is_public and not ticket.first_responded_at:
        ticket.first_responded_at = now
        ticket.save(update_fields=["first_responded_at", "updated_at"])
    return _event(ticket, kind=TicketEvent.Kind.COMMENT, actor=actor, now=now, note=body, is_public=is_public)


@transaction.atomic
def reply_to_reporter(
    *, ticket: Ticket, actor, channel: str, note: str, now: datetime | None = None
) -> TicketEvent:
    """Record a reply that reached the reporter: a call, an SMS, a letter, a word in person, or a
    message in the portal (shown on their timeline and announced to them). This, and nothing
    internal, is what answers a complaint within the 72 hours (`first_replied_at`); it is also a
    response for the response SLA."""
    now = _now(now)
    if channel not in ReplyChannel.values:
        raise ValidationError({"channel": _("Choose how the reply reached the reporter.")}, code="invalid")
    note = _require_text(note, field="note", message=_("Write what was said."))
    ticket = _lock(ticket)
    _check(ticket, "reply", actor)
    resident_user = ticket.reporter.user if ticket.reporter_id and ticket.reporter.user_id else None
    if channel == ReplyChannel.PORTAL and resident_user is None:
        raise ValidationError(
            {"channel": _("The reporter has no portal account: reply by phone, SMS, letter or in person.")},
            code="no_portal_account",
        )
    changes = {"first_replied_at": now} if ticket.first_replied_at is None else {}
    changes |= _responded(ticket, now)
    event = TICKET.transition(
        ticket,
        "reply",
        actor=actor,
        note=note,
        now=now,
        fields=changes,
        update_fields=["updated_at"] if changes else [],
        channel=channel,
        is_public=channel == ReplyChannel.PORTAL,
    )
    if channel == ReplyChannel.PORTAL:
        notify(
            recipients=[resident_user],
            kind="ticket_reply",
            title=_("A reply about your request %(number)s") % {"number": ticket.number},
            body=note,
            url=reverse("portal:ticket_detail", args=[ticket.pk]),
            estate=ticket.estate,
            dedupe_key=f"ticket-reply:{event.pk}",
            now=now,
        )
    return event


def add_attachment(
    *, ticket: Ticket, actor, uploaded, is_internal: bool = False, now: datetime | None = None
) -> TicketAttachment:
    """A photo or PDF. The type is judged by the file's bytes, and files are never public URLs."""
    now = _now(now)
    stored, content_type = prepare_upload(uploaded, allowed=ALLOWED_DOCUMENT_TYPES)
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.attachments.count() >= MAX_ATTACHMENTS_PER_TICKET:
            raise DomainError(
                _("A ticket can hold at most %(n)s files.") % {"n": MAX_ATTACHMENTS_PER_TICKET},
                code="too_many",
            )
        if not access_for(actor).is_staff_member:
            is_internal = False
        attachment = TicketAttachment(
            ticket=ticket,
            original_name=(getattr(uploaded, "name", "") or "upload")[-255:],
            content_type=content_type,
            size=stored.size,
            is_internal=is_internal,
            uploaded_by=actor,
            uploaded_at=now,
        )
        attachment.file.save(attachment.original_name, stored, save=False)
        attachment.save()
        _event(
            ticket,
            kind=TicketEvent.Kind.ATTACHMENT,
            actor=actor,
            now=now,
            note=attachment.original_name,
            is_public=not is_internal,
        )
    return attachment


# --- SLA warnings and escalations --------------------------------------------------------------


def _escalation_round(ticket: Ticket, kind: str) -> int:
    return ticket.reopen_count if kind in (E.RESOLUTION_WARNING, E.RESOLUTION_BREACH) else 0


def _escalation_recipients(ticket: Ticket, kind: str) -> list:
    if kind in Escalation.TO_MANAGER:
        return estate_users_with_role(estate_id=ticket.estate_id, role="manager")
    if kind in Escalation.TO_SUPERVISOR:
        return estate_users_with_role(estate_id=ticket.estate_id, role="supervisor")
    return [ticket.assignee] if ticket.assignee_id else team_member_users(ticket.team_id)


def _escalation_text(ticket: Ticket, kind: str) -> tuple[str, str]:
    labels = {
        E.RESPONSE_WARNING: _("Respond soon: %(number)s is due at %(due)s"),
        E.RESOLUTION_WARNING: _("Resolve soon: %(number)s is due at %(due)s"),
        E.RESPONSE_BREACH: _("Response overdue: %(number)s was due at %(due)s"),
        E.RESOLUTION_BREACH: _("Resolution overdue: %(number)s was due at %(due)s"),
        E.COMPLAINT_OVERDUE: _("Complaint %(number)s has had no answer within the time promised"),
        E.MAJOR_COMPLAINT: _("Major complaint: %(number)s"),
    }
    due = (
        ticket.resolution_due_at
        if kind in (E.RESOLUTION_WARNING, E.RESOLUTION_BREACH)
        else ticket.response_due_at
    )
    title = labels[kind] % {"number": ticket.number, "due": timezone.localtime(due).strftime("%m-%d %H:%M")}
    body = f"{ticket.get_kind_display()} · {ticket.category} · {ticket.place}: {ticket.description[:200]}"
    return title, body


@transaction.atomic
def escalate_ticket(*, ticket: Ticket, kind: str, now: datetime | None = None) -> Escalation | None:
    """Send one warning or escalation, once. The insert under a unique constraint decides who
    sends it; a second caller (a repeated task, a parallel sweep) gets None and sends nothing."""
    now = _now(now)
    round_ = _escalation_round(ticket, kind)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(ticket=ticket, kind=kind, round=round_, created_at=now)
    except IntegrityError:
        return None
    recipients = _escalation_recipients(ticket, kind)
    escalation.notified.set(recipients)
    title, body = _escalation_text(ticket, kind)
    loud = kind in Escalation.TO_MANAGER or (
        kind in Escalation.TO_SUPERVISOR
        and ticket.priority in (Ticket.Priority.EMERGENCY, Ticket.Priority.URGENT)
    )
    notify(
        recipients=recipients,
        kind=f"ticket_{kind}",
        title=title,
        body=body,
        url=ticket_url(ticket),
        estate=ticket.estate,
        channels=("sms", "email") if loud else (),
        dedupe_key=f"ticket:{ticket.pk}:{kind}:{round_}",
        now=now,
    )
    _event(ticket, kind=TicketEvent.Kind.ESCALATION, actor=None, now=now, note=str(E(kind).label))
    return escalation


def due_escalations(ticket: Ticket, *, now: datetime, complaint_reply_hours: int) -> list[str]:
    """Which warnings and escalations the ticket has earned by `now` (sent or not). A warning is
    skipped once its deadline has passed: the breach says more."""
    due: list[str] = []
    running = ticket.status in Ticket.CLOCK_RUNNING
    unanswered = ticket.first_responded_at is None
    if running and unanswered:
        if ticket.response_due_at <= now:
            due.append(E.RESPONSE_BREACH)
        elif ticket.response_warn_at <= now:
            due.append(E.RESPONSE_WARNING)
    if running:
        if ticket.resolution_due_at <= now:
            due.append(E.RESOLUTION_BREACH)
        elif ticket.resolution_warn_at <= now:
            due.append(E.RESOLUTION_WARNING)
    if (
        ticket.kind == Ticket.Kind.COMPLAINT
        and ticket.status in Ticket.OPEN
        # Only a reply that reached the complainant answers a complaint; the 72 hours run from
        # registration whatever the ticket's state (the promise is to the resident, not an SLA).
        and ticket.first_replied_at is None
        and ticket.created_at + timedelta(hours=complaint_reply_hours) <= now
    ):
        due.append(E.COMPLAINT_OVERDUE)
    if ticket.is_major and ticket.kind == Ticket.Kind.COMPLAINT:
        due.append(E.MAJOR_COMPLAINT)
    return due


def process_ticket_deadlines(*, ticket_id: int, now: datetime | None = None) -> list[str]:
    """Send whatever the ticket is due (idempotent). Returns the kinds sent now."""
    now = _now(now)
    ticket = (
        Ticket.objects.select_related("estate", "category", "unit", "assignee").filter(pk=ticket_id).first()
    )
    if ticket is None:
        return []
    policy = policy_for(ticket.estate_id)
    sent = []
    for kind in due_escalations(ticket, now=now, complaint_reply_hours=policy.complaint_reply_hours):
        if escalate_ticket(ticket=ticket, kind=kind, now=now) is not None:
            sent.append(kind)
    return sent


def _not_escalated(kind: str, *, by_round: bool):
    match = Escalation.objects.filter(ticket=OuterRef("pk"), kind=kind)
    match = match.filter(round=OuterRef("reopen_count")) if by_round else match
    return ~Exists(match)


def run_deadline_sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Find, from database state alone, every ticket owed a warning or escalation, and send it.
    Runs every few minutes; a lost task message is only a delay. Returns how many were sent."""
    now = _now(now)
    running = Ticket.objects.filter(status__in=Ticket.CLOCK_RUNNING)
    # The shortest reply limit of any estate narrows the query; each ticket is then judged by its own.
    min_reply_hours = TicketPolicy.objects.aggregate(hours=Min("complaint_reply_hours"))["hours"] or 72
    candidates = [
        running.filter(first_responded_at__isnull=True, response_warn_at__lte=now).filter(
            _not_escalated(E.RESPONSE_WARNING, by_round=False),
            _not_escalated(E.RESPONSE_BREACH, by_round=False),
        ),
        running.filter(first_responded_at__isnull=True, response_due_at__lte=now).filter(
            _not_escalated(E.RESPONSE_BREACH, by_round=False)
        ),
        running.filter(resolution_warn_at__lte=now).filter(
            _not_escalated(E.RESOLUTION_WARNING, by_round=True),
            _not_escalated(E.RESOLUTION_BREACH, by_round=True),
        ),
        running.filter(resolution_due_at__lte=now).filter(_not_escalated(E.RESOLUTION_BREACH, by_round=True)),
        Ticket.objects.filter(
            status__in=Ticket.OPEN,
            kind=Ticket.Kind.COMPLAINT,
            first_replied_at__isnull=True,
            created_at__lte=now - timedelta(hours=min_reply_hours),
        ).filter(_not_escalated(E.COMPLAINT_OVERDUE, by_round=False)),
        Ticket.objects.filter(is_major=True, kind=Ticket.Kind.COMPLAINT).filter(
            _not_escalated(E.MAJOR_COMPLAINT, by_round=False)
        ),
    ]
    ticket_ids: set[int] = set()
    for queryset in candidates:
        ticket_ids.update(queryset.order_by().values_list("pk", flat=True)[:batch])
    sent = 0
    for ticket_id in sorted(ticket_ids):
        sent += len(process_ticket_deadlines(ticket_id=ticket_id, now=now))
    return sent


# --- callbacks (回访) ------------------------------------------------------------------------------


def callback_is_mandatory(ticket: Ticket) -> bool:
    """Complaints, major complaints and categories flagged so (water leaks, safety facilities)."""
    return ticket.kind == Ticket.Kind.COMPLAINT or ticket.is_major or ticket.category.is_callback_mandatory


def in_callback_share(*, ticket_id: int, round_: int, share_percent: int) -> bool:
    """Whether an optional callback is drawn. Seeded by ticket and round, so asking again gives
    the same answer."""
    if share_percent >= 100:
        return True
    return random.Random(f"{ticket_id}:{round_}").random() * 100 < share_percent


def schedule_callback(*, ticket: Ticket, now: datetime | None = None) -> Callback | None:
    """Create the callback of this resolution, due after the policy's delay. It goes to the
    housekeeper of the unit's zone, else to the estate's customer-service team."""
    now = _now(now)
    policy = policy_for(ticket.estate_id)
    mandatory = callback_is_mandatory(ticket)
    if not mandatory and not in_callback_share(
        ticket_id=ticket.pk, round_=ticket.reopen_count, share_percent=policy.callback_share_percent
    ):
        return None
    housekeeper = housekeeper_for_unit(ticket.unit) if ticket.unit_id else None
    team = None if housekeeper else team_of_kind(estate=ticket.estate, kind=Team.Kind.CUSTOMER_SERVICE)
    due_at = now + timedelta(hours=policy.callback_delay_hours)
    try:
        with transaction.atomic():
            return Callback.objects.create(
                ticket=ticket,
                estate_id=ticket.estate_id,
                round=ticket.reopen_count,
                is_mandatory=mandatory,
                assigned_to=housekeeper,
                team=team,
                due_at=due_at,
                next_attempt_at=due_at,
                created_at=now,
            )
    except IntegrityError:
        return Callback.objects.get(ticket=ticket, round=ticket.reopen_count)


def cancel_pending_callbacks(*, ticket: Ticket, actor, now: datetime, note: str) -> int:
    """Cancel the ticket's pending callbacks (it was reopened, or closed by hand): each through the
    callback workflow, so each leaves its row on the timeline."""
    cancelled = 0
    for callback in (
        Callback.objects.select_for_update().filter(ticket=ticket, status=CB.PENDING).order_by("pk")
    ):
        CALLBACK.check(callback, "cancel", SYSTEM)
        CALLBACK.transition(callback, "cancel", actor=actor, note=note, now=now)
        cancelled += 1
    return cancelled


@transaction.atomic
def record_callback(
    *,
    callback: Callback,
    actor,
    reached: bool,
    satisfaction: int | None = None,
    solved: bool | None = None,
    comment: str = "",
    method: str = Callback.Method.PHONE,
    now: datetime | None = None,
    _by_reporter: bool = False,
) -> Callback:
    """Record one callback attempt.

    Reached: the satisfaction (1–5) and whether the problem is solved are required; solved closes
    the ticket, not solved reopens it. Not reached: another attempt is scheduled after the
    policy's spacing; after the last allowed attempt the ticket is closed flagged unreachable.
    """
    now = _now(now)
    callback = Callback.objects.select_for_update().get(pk=callback.pk)
    comment = (comment or "").strip()
    if reached:
        errors = {}
        if satisfaction is None or not (1 <= int(satisfaction) <= 5):
            errors["satisfaction"] = _("Give a satisfaction score from 1 to 5.")
        if solved is None:
            errors["solved"] = _("Say whether the problem is solved.")
        if errors:
            raise ValidationError(errors, code="required")
    # The reporter's own answer in the portal stands for a callback: no staff permission needed.
    user = SYSTEM if _by_reporter else actor
    CALLBACK.check(callback, "retry", user)
    ticket = _lock(callback.ticket)
    if ticket.status != S.RESOLVED:
        raise TransitionError(
            _label(ticket.status),
            _label(S.CLOSED),
            message=_("The ticket is no longer waiting for its callback (it is %(status)s).")
            % {"status": _label(ticket.status)},
        )
    policy = policy_for(ticket.estate_id)
    number = callback.attempt_count + 1
    CallbackAttempt.objects.create(
        callback=callback, number=number, attempted_at=now, actor=actor, reached=reached, note=comment
    )
    fields: dict = {"attempt_count": number, "method": method}
    if reached:
        outcome = "complete"
        fields |= {
            "reached": True,
            "satisfaction": int(satisfaction),
            "is_solved": bool(solved),
            "comment": comment,
            "completed_at": now,
            "completed_by": actor,
        }
        summary = _("Callback: reached, satisfaction %(score)s/5, %(solved)s.") % {
            "score": fields["satisfaction"],
            "solved": _("solved") if fields["is_solved"] else _("not solved"),
        }
    elif number >= policy.callback_max_attempts:
        outcome = "give_up"
        fields |= {"reached": False, "completed_at": now, "completed_by": actor}
        summary = _("Callback: not reached after %(n)s attempts.") % {"n": number}
    else:
        outcome = "retry"
        fields["next_attempt_at"] = now + timedelta(hours=policy.callback_retry_hours)
        summary = _("Callback attempt %(n)s: not reached; next try after %(when)s.") % {
            "n": number,
            "when": timezone.localtime(fields["next_attempt_at"]).strftime("%m-%d %H:%M"),
        }
    CALLBACK.check(callback, outcome, user)
    CALLBACK.transition(
        callback,
        outcome,
        actor=actor,
        note=f"{summary} {comment}".strip(),
        now=now,
        fields=fields,
        update_fields=["next_attempt_at"],
    )
    if callback.status == CB.COMPLETED and callback.is_solved:
        close_ticket(
            ticket=ticket,
            actor=actor,
            now=now,
            note=_("Confirmed solved at the callback."),
            _from_callback=True,
        )
    elif callback.status == CB.COMPLETED:
        reopen_ticket(
            ticket=ticket,
            actor=actor,
            now=now,
            reason=comment or _("Not solved, said the resident at the callback."),
            _from_callback=True,
        )
    elif callback.status == CB.UNREACHABLE:
        close_ticket(
            ticket=ticket,
            actor=actor,
            now=now,
            note=_("Closed: the resident could not be reached for the callback."),
            unreachable=True,
            _from_callback=True,
        )
    return callback


@transaction.atomic
def rate_ticket(
    *, ticket: Ticket, actor, satisfaction: int, solved: bool, comment: str = "", now: datetime | None = None
) -> Callback:
    """The resident's own answer in the portal: it completes the pending callback (or stands for
    one when none was drawn), with the same effect on the ticket."""
    now = _now(now)
    ticket = _lock(ticket)
    if ticket.status != S.RESOLVED:
        raise TransitionError(
            _label(ticket.status), _label(S.CLOSED), message=_("Only a resolved request can be rated.")
        )
    callback = Callback.objects.filter(ticket=ticket, round=ticket.reopen_count).first()
    if callback is None:
        callback = Callback.objects.create(
            ticket=ticket,
            estate_id=ticket.estate_id,
            round=ticket.reopen_count,
            is_mandatory=False,
            due_at=now,
            next_attempt_at=now,
            created_at=now,
        )
    return record_callback(
        callback=callback,
        actor=actor,
        reached=True,
        satisfaction=satisfaction,
        solved=solved,
        comment=comment,
        method=Callback.Method.PORTAL,
        now=now,
        _by_reporter=True,
    )


def remind_due_callbacks(*, now: datetime | None = None, batch: int = 500) -> int:
    """Tell whoever owns each callback that it is due (once per attempt): the housekeeper, else
    the customer-service team. Found from database state, so safe to run twice."""
    now = _now(now)
    due = (
        Callback.objects.due(now)
        .filter(
            ~Exists(
                CallbackReminder.objects.filter(callback=OuterRef("pk"), attempt=OuterRef("attempt_count"))
            )
        )
        .select_related("ticket__estate", "ticket__unit", "ticket__category", "assigned_to")
        .order_by("next_attempt_at")[:batch]
    )
    sent = 0
    for callback in due:
        try:
            with transaction.atomic():
                CallbackReminder.objects.create(callback=callback, attempt=callback.attempt_count)
                ticket = callback.ticket
                notify(
                    recipients=[callback.assigned_to]
                    if callback.assigned_to_id
                    else team_member_users(callback.team_id),
                    kind="callback_due",
                    title=_("Callback due: %(number)s") % {"number": ticket.number},
                    body=f"{ticket.place} · {ticket.category}",
                    url=reverse("tickets:callbacks") + f"?ticket={ticket.pk}",
                    estate=ticket.estate,
                    dedupe_key=f"callback:{callback.pk}:due:{callback.attempt_count}",
                    now=now,
                )
        except IntegrityError:
            continue
        sent += 1
    return sent


def close_resolved_without_callback(*, now: datetime | None = None, batch: int = 500) -> int:
    """Resolved tickets with no callback to wait for are closed after the policy's days."""
    now = _now(now)
    policies = policies_by_estate(
        Ticket.objects.filter(status=S.RESOLVED).order_by().values_list("estate_id", flat=True).distinct()
    )
    closed = 0
    for estate_id, policy in policies.items():
        stale = (
            Ticket.objects.filter(
                estate_id=estate_id,
                status=S.RESOLVED,
                resolved_at__lte=now - timedelta(days=policy.auto_close_days),
            )
            .filter(~Exists(Callback.objects.filter(ticket=OuterRef("pk"), status=CB.PENDING)))
            .order_by("resolved_at")[:batch]
        )
        for ticket in stale:
            try:
                close_ticket(
                    ticket=ticket, actor=None, now=now, note=_("Closed automatically: no callback was due.")
                )
            except DomainError:
                continue  # changed under us (a callback recorded, a reopen): fine
            closed += 1
    return closed


# --- the manager's monthly callback sampling ----------------------------------------------------


def sample_size(population: int, *, share_percent: int, minimum: int) -> int:
    """share% of the callbacks, rounded up, but at least `minimum` (or all when fewer)."""
    return min(population, max(minimum, math.ceil(population * share_percent / 100)))


def draw_callback_samples(
    *, now: datetime | None = None, month: date | None = None, rng: random.Random | None = None
) -> list[CallbackSample]:
    """On the 1st: for each estate, draw a random sample of last month's closed callbacks, those
    that reached the resident and those closed unreachable alike, for the manager to re-check.
    Unreachable ones are the easiest to fake, so they are never left out. One sample per estate
    and month (a unique constraint), so running it again draws nothing new."""
    now = _now(now)
    month = month or previous_month(now)
    start, end = month_bounds(month)
    rng = rng or random.SystemRandom()
    completed = Callback.objects.filter(
        status__in=[CB.COMPLETED, CB.UNREACHABLE], completed_at__gte=start, completed_at__lt=end
    )
    estate_ids = sorted(set(completed.order_by().values_list("estate_id", flat=True)))
    policies = policies_by_estate(estate_ids)
    drawn = []
    for estate_id in estate_ids:
        ids = list(completed.filter(estate_id=estate_id).order_by("pk").values_list("pk", flat=True))
        policy = policies[estate_id]
        chosen = rng.sample(
            ids,
            sample_size(len(ids), share_percent=policy.sample_share_percent, minimum=policy.sample_minimum),
        )
        try:
            with transaction.atomic():
                sample = CallbackSample.objects.create(
                    estate_id=estate_id, month=month, population=len(ids), created_at=now
                )
                CallbackReview.objects.bulk_create(
                    CallbackReview(sample=sample, callback_id=pk) for pk in sorted(chosen)
                )
                notify(
                    recipients=estate_users_with_role(estate_id=estate_id, role="manager"),
                    kind="callback_sample",
                    title=_("Callbacks to re-check for %(month)s: %(n)s")
                    % {"month": f"{month:%Y-%m}", "n": len(chosen)},
                    url=reverse("tickets:callback_reviews"),
                    estate=sample.estate,
                    dedupe_key=f"callback-sample:{estate_id}:{month:%Y-%m}",
                    now=now,
                )
        except IntegrityError:
            continue  # already drawn for this estate and month
        drawn.append(sample)
    return drawn


@transaction.atomic
def record_callback_review(
    *, review: CallbackReview, actor, result: str, note: str = "", now: datetime | None = None
) -> CallbackReview:
    """The manager's re-check of one sampled callback; recorded once."""
    now = _now(now)
    review = CallbackReview.objects.select_for_update().get(pk=review.pk)
    if review.reviewed_at is not None:
        raise DomainError(_("This re-check has already been recorded."), code="already_reviewed")
    if result not in CallbackReview.Result.values:
        raise ValidationError({"result": _("Choose the result of the re-check.")}, code="invalid")
    review.result = result
    review.note = (note or "").strip()
    review.reviewed_by = actor
    review.reviewed_at = now
    review.save(update_fields=["result", "note", "reviewed_by", "reviewed_at"])
    return review


# --- calls from tasks --------------------------------------------------------------------------


def may_call_for_callback(user, callback: Callback) -> bool:
    """May the user (who can already see the callback) dial its resident now? Decides the button;
    `call_for_callback` checks the same, plus the estate."""
    return (
        callback.status == Callback.Status.PENDING
        and access_for(user).is_staff_member
        and user.has_perm("tickets.record_callback")
    )


def may_call_reporter(user, ticket: Ticket) -> bool:
    """May the user (who can already see the ticket) dial its reporter now? While the ticket is
    open: dispatchers, and whoever works it (a technician only their own assigned tickets)."""
    if not ticket.is_open or not access_for(user).is_staff_member:
        return False
    if user.has_perm("tickets.assign_ticket"):
        return True
    return user.has_perm("tickets.work_ticket") and ticket.assignee_id == user.pk


def _reporter_contact(ticket: Ticket) -> tuple[Person | None, str, str]:
    if ticket.reporter_id:
        return ticket.reporter, ticket.reporter.name, ticket.reporter.mobile
    return None, ticket.reporter_name, ticket.reporter_phone


def call_for_callback(
    *, actor, callback: Callback, ip_address: str | None = None, now: datetime | None = None
) -> TaskCall:
    """The reporter's full number for one callback call, logged with the callback as purpose."""
    callback = (
        Callback.objects.visible_to(actor).select_related("ticket__reporter").filter(pk=callback.pk).first()
    )
    if callback is None or not may_call_for_callback(actor, callback):
        raise TaskNotFound(_("No such callback."), code="not_found")
    ticket = callback.ticket
    person, name, phone = _reporter_contact(ticket)
    phone = reveal_phone_for_task(
        actor=actor,
        purpose=SensitiveAccessLog.Purpose.CALLBACK,
        purpose_id=callback.pk,
        task=ticket.number,
        person=person,
        phone=phone,
        estate_id=callback.estate_id,
        ip_address=ip_address,
        now=now,
    )
    return TaskCall(name=name, phone=phone, task=ticket.number)


def call_for_ticket(
    *, actor, ticket: Ticket, ip_address: str | None = None, now: datetime | None = None
) -> TaskCall:
    """The reporter's full number for one call about an open ticket, logged with the ticket as
    purpose. Technicians call only about tickets assigned to them."""
    ticket = Ticket.objects.visible_to(actor).select_related("reporter").filter(pk=ticket.pk).first()
    if ticket is None or not may_call_reporter(actor, ticket):
        raise TaskNotFound(_("No such ticket."), code="not_found")
    person, name, phone = _reporter_contact(ticket)
    phone = reveal_phone_for_task(
        actor=actor,
        purpose=SensitiveAccessLog.Purpose.TICKET,
        purpose_id=ticket.pk,
        task=ticket.number,
        person=person,
        phone=phone,
        estate_id=ticket.estate_id,
        ip_address=ip_address,
        now=now,
    )
    return TaskCall(name=name, phone=phone, task=ticket.number)
