"""Violations (违章) during works: recorded (from a patrol, a resident's complaint or other staff),
stopped on the spot, followed up to rectified or escalated to the city's enforcement office, or
dismissed when the check finds nothing. A stop order stops the works (worker passes revoked);
when no stop order is left in force they resume (passes issued again).

A noise or renovation complaint ticket links to the permit and opens a violation check. The two
close together: while the check is open the ticket cannot be resolved or cancelled on its own (a
guard renovations adds to the tickets' declaration, `renovations.workflows`), and the check's
outcome resolves the ticket through tickets' services, which schedule its callback as usual.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renovations.models import Patrol, Renovation, RenovationDocument, Violation, ViolationEvent
from renovations.services.passes import issue_worker_passes, revoke_worker_passes
from renovations.workflows import RENOVATION, VIOLATION
from residents.models import Unit
from servicecenter.exceptions import DomainError
from servicecenter.money import ZERO, MoneyError, parse_money
from servicecenter.uploads import prepare_upload
from servicecenter.workflow import SYSTEM
from staff.models import Team
from staff.selectors import team_of_kind
from tickets import services as tickets
from tickets.models import RootCause, Ticket
from tickets.selectors import is_staff_of_estate

MANAGE = "renovations.manage_renovation_violation"
# The ticket categories whose complaints a violation check answers.
COMPLAINT_CATEGORIES = ("noise", "renovation")
# The root cause a complaint answered by a violation check is filed under, unless it has one.
COMPLAINT_ROOT_CAUSES = ("third_party", "other")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _require(actor, permission: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(_("You are not allowed to follow up renovation violations."))


def _text(value: str, *, message: str, code: str = "required") -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code=code)
    return value


def _lock(violation: Violation) -> Violation:
    return Violation.objects.select_for_update().get(pk=violation.pk)


def _lock_renovation(renovation: Renovation) -> Renovation:
    return (
        Renovation.objects.select_for_update(of=("self",))
        .select_related("estate", "unit")
        .get(pk=renovation.pk)
    )


def _amount(value) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        return parse_money(value, allow_negative=False)
    except MoneyError as error:
        raise DomainError(error.message, code=error.code) from None


def attach_file(
    *,
    renovation: Renovation,
    actor,
    kind: str,
    uploaded,
    patrol: Patrol | None = None,
    violation: Violation | None = None,
    now: datetime,
) -> RenovationDocument:
    """A patrol or violation photo, an enforcement letter: checked and re-encoded like every
    upload (`prepare_upload`), never stored as it came."""
    stored, content_type = prepare_upload(uploaded)
    document = RenovationDocument(
        renovation=renovation,
        patrol=patrol,
        violation=violation,
        kind=kind,
        original_name=(getattr(uploaded, "name", "") or "upload")[-255:],
        content_type=content_type,
        size=stored.size,
        uploaded_by=actor,
        uploaded_at=now,
    )
    document.file.save(document.original_name, stored, save=False)
    document.save()
    return document


# --- stopping and resuming the works (system steps of the renovation) ---------------------------


@transaction.atomic
def stop_works(
    *, renovation: Renovation, actor, violation: Violation | None = None, now: datetime | None = None
) -> Renovation:
    """A stop order (停工): the renovation is stopped and every worker pass revoked, so the gate
    turns the workers away. Already stopped (a second stop order): nothing more changes."""
    now = _now(now)
    renovation = _lock_renovation(renovation)
    if renovation.status == Renovation.Status.STOPPED:
        return renovation
    RENOVATION.check(renovation, "stop", SYSTEM, now=now)
    note = _("Stop order: %(violation)s") % {"violation": violation} if violation is not None else ""
    RENOVATION.transition(renovation, "stop", actor=actor, note=note, now=now)
    revoke_worker_passes(
        renovation=renovation, actor=actor, reason=note or _("The works were stopped."), now=now
    )
    return renovation


@transaction.atomic
def resume_works(*, renovation: Renovation, actor=None, now: datetime | None = None) -> Renovation:
    """The works go on (back to in progress) once no violation with a stop order is still open or
    being rectified; the workers get their passes again (new ones: revoked passes stay revoked)."""
    now = _now(now)
    renovation = _lock_renovation(renovation)
    RENOVATION.check(renovation, "resume", SYSTEM, now=now)
    RENOVATION.transition(
        renovation, "resume", actor=actor, note=_("No stop order is in force any more."), now=now
    )
    issue_worker_passes(renovation=renovation, actor=actor, now=now)
    return renovation


def _resume_if_no_stop_order(violation: Violation, *, actor, now: datetime) -> None:
    renovation = violation.renovation
    if renovation is None or not violation.stop_order:
        return
    still_stopped = renovation.violations.filter(stop_order=True, status__in=Violation.UNRESOLVED).exists()
    if renovation.status == Renovation.Status.STOPPED and not still_stopped:
        resume_works(renovation=renovation, actor=actor, now=now)


# --- the linked complaint ticket ----------------------------------------------------------------


def _complaint_root_cause(ticket: Ticket) -> int | None:
    if ticket.root_cause_id:
        return ticket.root_cause_id
    causes = dict(
        RootCause.objects.filter(code__in=COMPLAINT_ROOT_CAUSES, is_active=True).values_list("code", "pk")
    )
    return next((causes[code] for code in COMPLAINT_ROOT_CAUSES if code in causes), None)


def _ticket_to_work(ticket: Ticket, *, actor, note: str, now: datetime) -> Ticket:
    """Bring an open ticket to "in progress", as the system: the violation check is the work on
    it. A new or reopened ticket goes to whoever follows the check (else its team)."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    if ticket.status in (Ticket.Status.NEW, Ticket.Status.REOPENED):
        assignee = actor if actor is not None and is_staff_of_estate(actor, ticket.estate_id) else None
        team = None
        if assignee is None:
            team = ticket.team or team_of_kind(estate=ticket.estate, kind=Team.Kind.CUSTOMER_SERVICE)
        if assignee is None and team is None:
            raise DomainError(_("Dispatch the ticket first."), code="ticket_not_dispatched")
        ticket = tickets.assign_ticket(
            ticket=ticket, actor=SYSTEM, assignee=assignee, team=team, note=note, now=now
        )
    if ticket.status == Ticket.Status.ASSIGNED:
        ticket = tickets.start_ticket(ticket=ticket, actor=SYSTEM, note=note, now=now)
    elif ticket.status == Ticket.Status.ON_HOLD:
        ticket = tickets.resume_ticket(ticket=ticket, actor=SYSTEM, note=note, now=now)
    return ticket


def _resolve_linked_ticket(violation: Violation, *, outcome: str, actor, note: str, now: datetime) -> None:
    """The check is over: resolve its complaint ticket with the outcome as the note, through
    tickets' services (the callback is scheduled and the resident told, as for any ticket)."""
    if violation.ticket_id is None:
        return
    ticket = Ticket.objects.get(pk=violation.ticket_id)
    if ticket.status not in Ticket.OPEN:
        return  # resolved or cancelled before it was linked: nothing to close with it
    who = (actor.get_full_name() or actor.get_username()) if actor is not None else ""
    text = _("Renovation violation check %(number)s: %(outcome)s.") % {
        "number": violation.renovation or violation.unit,
        "outcome": outcome,
    }
    text = "\n".join(part for part in (text, note.strip(), who) if part)
    ticket = _ticket_to_work(ticket, actor=actor, note=text, now=now)
    tickets.resolve_ticket(
        ticket=ticket, actor=SYSTEM, note=text, root_cause=_complaint_root_cause(ticket), now=now
    )


# --- recording ----------------------------------------------------------------------------------


@transaction.atomic
def record_violation(
    *,
    unit: Unit,
    actor,
    kind: str,
    source: str,
    description: str,
    renovation: Renovation | None = None,
    patrol: Patrol | None = None,
    ticket: Ticket | None = None,
    stop_order: bool = False,
    rectify_by: date | None = None,
    proposed_deduction: Decimal | str | int = 0,
    photos: Iterable = (),
    now: datetime | None = None,
) -> Violation:
    """Record a violation found at a unit: with its renovation, or without one for works with no
    permit (kind `no_permit`). A stop order stops the works at once. Photos are kept as
    violation photos of the renovation (works without a permit have no file to keep them in)."""
    now = _now(now)
    _require(actor, MANAGE)
    if kind not in Violation.Kind.values:
        raise DomainError(_("Choose the type of violation."), code="invalid_kind")
    if source not in Violation.Source.values:
        raise DomainError(_("Choose who found the violation."), code="invalid_source")
    description = _text(description, message=_("Describe what was found."))
    photos = list(photos or ())
    if renovation is not None:
        if renovation.unit_id != unit.pk:
            raise DomainError(_("The violation's unit is not the renovation's unit."), code="unit_mismatch")
    else:
        if kind != Violation.Kind.NO_PERMIT:
            raise DomainError(
                _("A violation without a renovation permit is works without a permit."), code="no_permit_only"
            )
        if photos:
            raise DomainError(
                _("Photos are kept with a renovation: record works without a permit without photos."),
                code="photos_need_renovation",
            )
    if patrol is not None and (renovation is None or patrol.renovation_id != renovation.pk):
        raise DomainError(_("The patrol is not of this renovation."), code="patrol_mismatch")
    if patrol is not None and source != Violation.Source.PATROL:
        raise DomainError(_("A violation found on a patrol is found by the patrol."), code="invalid_source")
    if rectify_by is not None and rectify_by < timezone.localdate(now):
        raise DomainError(_("The rectification deadline cannot be in the past."), code="deadline_past")
    violation = Violation.objects.create(
        estate_id=unit.estate_id,
        unit=unit,
        renovation=renovation,
        kind=kind,
        source=source,
        patrol=patrol,
        ticket=ticket,
        description=description,
        stop_order=bool(stop_order),
        rectify_by=rectify_by,
        proposed_deduction=_amount(proposed_deduction),
        found_at=now,
        found_by=actor,
    )
    ViolationEvent.objects.create(
        violation=violation,
        action="record",
        to_status=violation.status,
        actor=actor,
        note=description,
        created_at=now,
    )
    for photo in photos:
        attach_file(
            renovation=renovation,
            actor=actor,
            kind=RenovationDocument.Kind.VIOLATION_PHOTO,
            uploaded=photo,
            violation=violation,
            patrol=patrol,
            now=now,
        )
    if violation.stop_order and renovation is not None:
        stop_works(renovation=renovation, actor=actor, violation=violation, now=now)
    return violation


@transaction.atomic
def link_complaint(
    *,
    renovation: Renovation,
    ticket: Ticket,
    actor,
    kind: str | None = None,
    description: str = "",
    now: datetime | None = None,
) -> Violation:
    """Link a noise or renovation complaint ticket to the permit and open a violation check on it
    (found by a resident report). The ticket goes to work (the check is the answer to it) and is
    resolved by the check's outcome. `kind` defaults to noise."""
    now = _now(now)
    _require(actor, MANAGE)
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("category").get(pk=ticket.pk)
    if ticket.estate_id != renovation.estate_id:
        raise DomainError(_("The ticket is not of the renovation's estate."), code="estate_mismatch")
    if ticket.category.code not in COMPLAINT_CATEGORIES:
        raise DomainError(
            _("Only a noise or renovation complaint can be linked to a renovation."),
            code="not_a_renovation_complaint",
        )
    if ticket.status not in Ticket.OPEN:
        raise DomainError(_("This ticket is finished: it can no longer be linked."), code="ticket_finished")
    if Violation.objects.filter(ticket=ticket, status__in=Violation.UNRESOLVED).exists():
        raise DomainError(
            _("This ticket is already linked to a violation check that is still open."), code="already_linked"
        )
    violation = record_violation(
        unit=renovation.unit,
        actor=actor,
        kind=kind or Violation.Kind.NOISE,
        source=Violation.Source.RESIDENT_REPORT,
        description=(description or "").strip() or f"{ticket.number}: {ticket.description}"[:2000],
        renovation=renovation,
        ticket=ticket,
        now=now,
    )
    _ticket_to_work(
        ticket,
        actor=actor,
        note=_("Violation check opened at renovation %(number)s.") % {"number": renovation.number},
        now=now,
    )
    return violation


# --- following up -------------------------------------------------------------------------------


@transaction.atomic
def order_rectification(
    *,
    violation: Violation,
    actor,
    rectify_by: date,
    stop_order: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> Violation:
    """Order the owner's contractor to put it right by a date (限期整改), stopping the works too
    if `stop_order`."""
    now = _now(now)
    violation = _lock(violation)
    VIOLATION.check(violation, "order_rectification", actor, now=now)
    if rectify_by is None:
        raise DomainError(_("Give the date by which it must be rectified."), code="deadline_required")
    if rectify_by < timezone.localdate(now):
        raise DomainError(_("The rectification deadline cannot be in the past."), code="deadline_past")
    stops = bool(stop_order) and not violation.stop_order
    fields = {"rectify_by": rectify_by, **({"stop_order": True} if stops else {})}
    VIOLATION.transition(
        violation, "order_rectification", actor=actor, note=note.strip(), now=now, fields=fields
    )
    if stops and violation.renovation_id is not None:
        stop_works(renovation=violation.renovation, actor=actor, violation=violation, now=now)
    return violation


@transaction.atomic
def confirm_rectified(
    *, violation: Violation, actor, note: str = "", now: datetime | None = None
) -> Violation:
    """Checked on site and put right. The works resume if no other stop order is in force; the
    linked complaint ticket is resolved."""
    now = _now(now)
    violation = _lock(violation)
    VIOLATION.check(violation, "confirm_rectified", actor, now=now)
    VIOLATION.transition(
        violation, "confirm_rectified", actor=actor, note=note.strip(), now=now, fields={"rectified_at": now}
    )
    _resume_if_no_stop_order(violation, actor=actor, now=now)
    _resolve_linked_ticket(violation, outcome=_("rectified"), actor=actor, note=note, now=now)
    return violation


@transaction.atomic
def escalate_violation(
    *,
    violation: Violation,
    actor,
    enforcement_reference: str,
    letter=None,
    note: str = "",
    now: datetime | None = None,
) -> Violation:
    """A hard case handed to the city's enforcement office (城管/执法), with its reference and the
    letter sent. The city takes the case over: the estate's stop order is lifted (the works resume
    if no other stop order is in force) and the linked complaint ticket is resolved."""
    now = _now(now)
    violation = _lock(violation)
    VIOLATION.check(violation, "escalate", actor, now=now)
    reference = _text(
        enforcement_reference,
        message=_("Give the enforcement office's reference."),
        code="reference_required",
    )[:100]
    if letter is not None and violation.renovation_id is None:
        raise DomainError(
            _("Letters are kept with a renovation: record the reference only."), code="photos_need_renovation"
        )
    VIOLATION.transition(
        violation,
        "escalate",
        actor=actor,
        note="\n".join(part for part in (reference, note.strip()) if part),
        now=now,
        fields={"escalated_at": now, "enforcement_reference": reference},
    )
    if letter is not None:
        attach_file(
            renovation=violation.renovation,
            actor=actor,
            kind=RenovationDocument.Kind.ENFORCEMENT_LETTER,
            uploaded=letter,
            violation=violation,
            now=now,
        )
    _resume_if_no_stop_order(violation, actor=actor, now=now)
    _resolve_linked_ticket(
        violation,
        outcome=_("escalated to the enforcement office (%(reference)s)") % {"reference": reference},
        actor=actor,
        note=note,
        now=now,
    )
    return violation


@transaction.atomic
def dismiss_violation(*, violation: Violation, actor, note: str, now: datetime | None = None) -> Violation:
    """The check found nothing (a complaint about works within the rules): not a violation, and
    not counted as one. A stop order given with it is lifted; the complaint ticket is resolved."""
    now = _now(now)
    note = _text(note, message=_("Say what the check found."))
    violation = _lock(violation)
    VIOLATION.check(violation, "dismiss", actor, now=now)
    VIOLATION.transition(violation, "dismiss", actor=actor, note=note, now=now)
    _resume_if_no_stop_order(violation, actor=actor, now=now)
    _resolve_linked_ticket(violation, outcome=_("no violation found"), actor=actor, note=note, now=now)
    return violation
