"""The renovation and violation workflows, declared once (see `servicecenter.workflow`).

    submitted → engineering_review (non-regular only) → manager_review
              → approved / rejected / changes_requested (→ submitted)
    approved → permitted (agreement signed; charges paid or waived) → in_progress
             ⇄ stopped (a violation's stop order; back when rectified)
    in_progress → completion_requested → accepted (or back to in_progress with defects)
    accepted → second_inspection → refunded → closed

The services in `renovations.services` enforce this; the pages and the API offer what
`available` allows; tests walk the whole matrix (tests/servicecenter/test_workflows.py).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renovations.models import Renovation, RenovationEvent, Violation, ViolationEvent
from servicecenter.workflow import Action, Guard, Workflow, timeline_writer

RenovationStatus = Renovation.Status
ViolationStatus = Violation.Status
SERVICES = "renovations.services"
PERM = "renovations."

# --- guards -------------------------------------------------------------------------------------

IS_NON_REGULAR = Guard(
    "non_regular",
    lambda renovation, user, now: not renovation.is_regular,
    _("A regular renovation goes straight to the manager."),
    code="regular_renovation",
)
IS_REGULAR = Guard(
    "regular",
    lambda renovation, user, now: renovation.is_regular,
    _("A non-regular renovation needs an engineering review first."),
    code="non_regular_renovation",
)
AGREEMENT_SIGNED = Guard(
    "agreement_signed",
    lambda renovation, user, now: renovation.agreement_signed_at is not None,
    _("Record the signed renovation agreement first."),
    code="agreement_not_signed",
)


def _charges_settled(renovation, user, now) -> bool:
    from renovations.selectors import charges_outstanding

    return renovation.fees_waived_at is not None or not charges_outstanding(renovation)


CHARGES_SETTLED = Guard(
    "charges_settled",
    _charges_settled,
    _("The deposit and fees must be paid (or waived by a manager) before the permit is issued."),
    code="charges_unpaid",
)
SECOND_INSPECTION_DUE = Guard(
    "second_inspection_due",
    lambda renovation, user, now: (
        renovation.second_inspection_due is None
        or timezone.localdate(now) >= renovation.second_inspection_due
    ),
    _("The second inspection is not due yet."),
    code="second_inspection_not_due",
)

NO_STOP_ORDER_IN_FORCE = Guard(
    "no_stop_order_in_force",
    lambda renovation, user, now: (
        not renovation.violations.filter(stop_order=True, status__in=Violation.UNRESOLVED).exists()
    ),
    _("The works stay stopped until every violation with a stop order is dealt with."),
    code="stop_order_in_force",
)

# --- the renovation -----------------------------------------------------------------------------

REVIEW = (RenovationStatus.SUBMITTED,)
RENOVATION_ACTIONS = (
    Action(
        "send_to_engineering",
        REVIEW,
        RenovationStatus.ENGINEERING_REVIEW,
        f"{PERM}register_renovation",
        _("Send for review"),
        f"{SERVICES}.send_for_review",
        guards=(IS_NON_REGULAR,),
    ),
    Action(
        "send_to_manager",
        REVIEW,
        RenovationStatus.MANAGER_REVIEW,
        f"{PERM}register_renovation",
        _("Send for review"),
        f"{SERVICES}.send_for_review",
        guards=(IS_REGULAR,),
    ),
    Action(
        "engineering_approve",
        {RenovationStatus.ENGINEERING_REVIEW},
        RenovationStatus.MANAGER_REVIEW,
        f"{PERM}review_renovation_engineering",
        _("Pass engineering review"),
        f"{SERVICES}.engineering_approve",
        permission_message=_("Only the engineering supervisor reviews renovations."),
    ),
    Action(
        "engineering_request_changes",
        {RenovationStatus.ENGINEERING_REVIEW},
        RenovationStatus.CHANGES_REQUESTED,
        f"{PERM}review_renovation_engineering",
        _("Request changes"),
        f"{SERVICES}.engineering_request_changes",
        permission_message=_("Only the engineering supervisor reviews renovations."),
    ),
    Action(
        "engineering_reject",
        {RenovationStatus.ENGINEERING_REVIEW},
        RenovationStatus.REJECTED,
        f"{PERM}review_renovation_engineering",
        pgettext_lazy("renovation action", "Reject"),
        f"{SERVICES}.engineering_reject",
        permission_message=_("Only the engineering supervisor reviews renovations."),
    ),
    Action(
        "approve",
        {RenovationStatus.MANAGER_REVIEW},
        RenovationStatus.APPROVED,
        f"{PERM}approve_renovation",
        pgettext_lazy("renovation action", "Approve"),
        f"{SERVICES}.approve_renovation",
        permission_message=_("Only a manager approves renovations."),
    ),
    Action(
        "request_changes",
        {RenovationStatus.MANAGER_REVIEW},
        RenovationStatus.CHANGES_REQUESTED,
        f"{PERM}approve_renovation",
        _("Request changes"),
        f"{SERVICES}.request_renovation_changes",
        permission_message=_("Only a manager approves renovations."),
    ),
    Action(
        "reject",
        {RenovationStatus.MANAGER_REVIEW},
        RenovationStatus.REJECTED,
        f"{PERM}approve_renovation",
        pgettext_lazy("renovation action", "Reject"),
        f"{SERVICES}.reject_renovation",
        permission_message=_("Only a manager approves renovations."),
    ),
    Action(
        "resubmit",
        {RenovationStatus.CHANGES_REQUESTED},
        RenovationStatus.SUBMITTED,
        f"{PERM}register_renovation",
        _("Resubmit"),
        f"{SERVICES}.resubmit_renovation",
    ),
    Action(
        "withdraw",
        {*Renovation.UNDER_REVIEW, RenovationStatus.APPROVED},
        RenovationStatus.WITHDRAWN,
        f"{PERM}register_renovation",
        _("Withdraw the application"),
        f"{SERVICES}.withdraw_renovation",
    ),
    Action(
        "record_agreement",
        {RenovationStatus.APPROVED},
        None,
        f"{PERM}issue_renovation_permit",
        _("Record the signed agreement"),
        f"{SERVICES}.record_agreement",
        done=lambda renovation: renovation.agreement_signed_at is not None,
    ),
    Action(
        "waive_charges",
        {RenovationStatus.APPROVED},
        None,
        f"{PERM}waive_renovation_fees",
        _("Waive the charges"),
        f"{SERVICES}.waive_renovation_charges",
        done=lambda renovation: renovation.fees_waived_at is not None,
        permission_message=_("Only a manager can waive renovation charges."),
    ),
    Action(
        "issue_permit",
        {RenovationStatus.APPROVED},
        RenovationStatus.PERMITTED,
        f"{PERM}issue_renovation_permit",
        _("Issue the permit"),
        f"{SERVICES}.issue_permit",
        guards=(AGREEMENT_SIGNED, CHARGES_SETTLED),
    ),
    Action(
        "start_works",
        {RenovationStatus.PERMITTED},
        RenovationStatus.IN_PROGRESS,
        f"{PERM}issue_renovation_permit",
        _("Works started"),
        f"{SERVICES}.start_works",
    ),
    # System steps: the daily sweep starts the works of a permit whose start date has come; a
    # violation's stop order stops them and its rectification lets them go on.
    Action(
        "start_on_schedule",
        {RenovationStatus.PERMITTED},
        RenovationStatus.IN_PROGRESS,
        None,
        _("Works started"),
        f"{SERVICES}.start_due_works",
    ),
    Action(
        "stop",
        {RenovationStatus.IN_PROGRESS, RenovationStatus.PERMITTED},
        RenovationStatus.STOPPED,
        None,
        _("Stop the works"),
        f"{SERVICES}.stop_works",
    ),
    Action(
        "resume",
        {RenovationStatus.STOPPED},
        RenovationStatus.IN_PROGRESS,
        None,
        _("Resume the works"),
        f"{SERVICES}.resume_works",
        guards=(NO_STOP_ORDER_IN_FORCE,),
    ),
    Action(
        "request_completion",
        {RenovationStatus.IN_PROGRESS},
        RenovationStatus.COMPLETION_REQUESTED,
        f"{PERM}register_renovation",
        _("Request completion"),
        f"{SERVICES}.request_completion",
    ),
    Action(
        "accept",
        {RenovationStatus.COMPLETION_REQUESTED},
        RenovationStatus.ACCEPTED,
        f"{PERM}inspect_renovation",
        _("Pass the acceptance inspection"),
        f"{SERVICES}.pass_acceptance",
        permission_message=_("Only the engineering supervisor or a manager inspects renovations."),
    ),
    Action(
        "fail_acceptance",
        {RenovationStatus.COMPLETION_REQUESTED},
        RenovationStatus.IN_PROGRESS,
        f"{PERM}inspect_renovation",
        _("Defects to fix"),
        f"{SERVICES}.fail_acceptance",
        permission_message=_("Only the engineering supervisor or a manager inspects renovations."),
    ),
    Action(
        "pass_second_inspection",
        {RenovationStatus.ACCEPTED},
        RenovationStatus.SECOND_INSPECTION,
        f"{PERM}inspect_renovation",
        _("Pass the second inspection"),
        f"{SERVICES}.pass_second_inspection",
        guards=(SECOND_INSPECTION_DUE,),
        permission_message=_("Only the engineering supervisor or a manager inspects renovations."),
    ),
    Action(
        "fail_second_inspection",
        {RenovationStatus.ACCEPTED},
        None,
        f"{PERM}inspect_renovation",
        _("Record defects at the second inspection"),
        f"{SERVICES}.fail_second_inspection",
        guards=(SECOND_INSPECTION_DUE,),
        permission_message=_("Only the engineering supervisor or a manager inspects renovations."),
    ),
    Action(
        "approve_refund",
        {RenovationStatus.SECOND_INSPECTION},
        RenovationStatus.REFUNDED,
        f"{PERM}approve_renovation_refund",
        _("Approve and post the deposit refund"),
        f"{SERVICES}.approve_refund",
        permission_message=_("Only a manager approves deposit refunds."),
    ),
    Action(
        "close",
        {RenovationStatus.REFUNDED},
        RenovationStatus.CLOSED,
        f"{PERM}register_renovation",
        pgettext_lazy("renovation action", "Close"),
        f"{SERVICES}.close_renovation",
    ),
)


RENOVATION = Workflow(
    model_label="renovations.Renovation",
    state_field="status",
    actions=RENOVATION_ACTIONS,
    event_writer=timeline_writer(RenovationEvent, "renovation"),
    state_labels=dict(RenovationStatus.choices),
    events_of=lambda renovation: renovation.events.all(),
)

# --- the violation ------------------------------------------------------------------------------

VIOLATION_ACTIONS = (
    Action(
        "order_rectification",
        {ViolationStatus.OPEN},
        ViolationStatus.RECTIFYING,
        f"{PERM}manage_renovation_violation",
        _("Order rectification"),
        f"{SERVICES}.order_rectification",
    ),
    Action(
        "confirm_rectified",
        {ViolationStatus.OPEN, ViolationStatus.RECTIFYING},
        ViolationStatus.RECTIFIED,
        f"{PERM}manage_renovation_violation",
        _("Confirm rectified"),
        f"{SERVICES}.confirm_rectified",
    ),
    Action(
        "escalate",
        {ViolationStatus.OPEN, ViolationStatus.RECTIFYING},
        ViolationStatus.ESCALATED,
        f"{PERM}escalate_renovation_violation",
        _("Escalate to the enforcement office"),
        f"{SERVICES}.escalate_violation",
        permission_message=_("Only a supervisor or a manager escalates violations."),
    ),
    Action(
        "dismiss",
        {ViolationStatus.OPEN},
        ViolationStatus.DISMISSED,
        f"{PERM}manage_renovation_violation",
        _("No violation found"),
        f"{SERVICES}.dismiss_violation",
    ),
)


VIOLATION = Workflow(
    model_label="renovations.Violation",
    state_field="status",
    actions=VIOLATION_ACTIONS,
    event_writer=timeline_writer(ViolationEvent, "violation"),
    state_labels=dict(ViolationStatus.choices),
    events_of=lambda violation: violation.events.all(),
)


# --- a complaint ticket under a violation check (tickets may not import renovations) -------------


_OPEN_CHECK_ATTR = "_has_open_violation_check"


def _no_violation_check_open(ticket, user, now) -> bool:
    prefetched = getattr(ticket, _OPEN_CHECK_ATTR, None)
    if prefetched is not None:
        return not prefetched
    return not Violation.objects.filter(ticket_id=ticket.pk, status__in=Violation.UNRESOLVED).exists()


def _prefetch_open_violation_checks(tickets: list) -> None:
    checked = set(
        Violation.objects.filter(
            ticket_id__in=[t.pk for t in tickets], status__in=Violation.UNRESOLVED
        ).values_list("ticket_id", flat=True)
    )
    for ticket in tickets:
        setattr(ticket, _OPEN_CHECK_ATTR, ticket.pk in checked)


COMPLAINT_UNDER_VIOLATION_CHECK = Guard(
    "no_renovation_violation_check_open",
    _no_violation_check_open,
    _(
        "This complaint is linked to a renovation violation check: it is resolved with the "
        "violation (rectified, escalated or no violation found)."
    ),
    code="violation_check_open",
    prefetch=_prefetch_open_violation_checks,
)


def guard_linked_complaints() -> None:
    """While a complaint ticket's violation check is open the ticket is neither resolved nor
    cancelled on its own: the violation's outcome resolves it (`renovations.services.violations`),
    so the resident's callback and the violation close together. Registered on the tickets'
    declaration from `RenovationsConfig.ready()`, since tickets sit below renovations."""
    from servicecenter.workflow import declared_workflows

    ticket_workflow = declared_workflows()["tickets.ticket"]
    for action in ("resolve", "cancel"):
        ticket_workflow.add_guard(action, COMPLAINT_UNDER_VIOLATION_CHECK)
