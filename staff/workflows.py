"""The staff workflows, declared once (see `servicecenter.workflow`).

Shift swaps: requested → approved | rejected | cancelled. Staff ask; the supervisor approves
(the two roster entries change hands) or rejects; the one who asked may cancel while it waits.

Rectification orders (整改单) of quality inspections:

    issued → rectified (the team reports it done) → verified (the inspector checks it)
    rectified → issued (sent back: not good enough)
    issued → escalated (system: past the deadline; the estate's managers are told)
    escalated → rectified
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.workflow import Action, Guard, Workflow, timeline_writer
from staff.models import RectificationOrder, RectificationOrderEvent, SwapEvent, SwapRequest

SwapStatus = SwapRequest.Status
SERVICES = "staff.services_rosters"

ASKED_BY_THE_USER = Guard(
    "asked_by_the_user",
    lambda swap, user, now: user is not None and swap.requested_by_id == user.pk,
    _("Only the one who asked for the swap can cancel it."),
    about_user=True,
)

SWAP = Workflow(
    model_label="staff.SwapRequest",
    state_field="status",
    actions=(
        Action(
            "approve",
            {SwapStatus.REQUESTED},
            SwapStatus.APPROVED,
            "staff.approve_swaprequest",
            pgettext_lazy("shift swap action", "Approve"),
            f"{SERVICES}.approve_swap",
            permission_message=_("Only the duty supervisor approves shift swaps."),
        ),
        Action(
            "reject",
            {SwapStatus.REQUESTED},
            SwapStatus.REJECTED,
            "staff.approve_swaprequest",
            pgettext_lazy("shift swap action", "Reject"),
            f"{SERVICES}.reject_swap",
            permission_message=_("Only the duty supervisor approves shift swaps."),
        ),
        Action(
            "cancel",
            {SwapStatus.REQUESTED},
            SwapStatus.CANCELLED,
            "staff.add_swaprequest",
            pgettext_lazy("shift swap action", "Cancel"),
            f"{SERVICES}.cancel_swap",
            guards=(ASKED_BY_THE_USER,),
        ),
    ),
    event_writer=timeline_writer(SwapEvent, "swap"),
    state_labels=dict(SwapStatus.choices),
    events_of=lambda swap: swap.events.all(),
)


OrderStatus = RectificationOrder.Status
QUALITY_SERVICES = "staff.services_quality"

RECTIFICATION_ACTIONS = (
    Action(
        "rectify",
        {OrderStatus.ISSUED, OrderStatus.ESCALATED},
        OrderStatus.RECTIFIED,
        "staff.rectify_rectificationorder",
        _("Report rectified"),
        f"{QUALITY_SERVICES}.report_rectified",
        permission_message=_("You may not report rectification orders done."),
    ),
    Action(
        "verify",
        {OrderStatus.RECTIFIED},
        OrderStatus.VERIFIED,
        "staff.verify_rectificationorder",
        _("Verify rectification"),
        f"{QUALITY_SERVICES}.verify_rectification",
        permission_message=_("Only the quality inspector verifies rectifications."),
    ),
    Action(
        "send_back",
        {OrderStatus.RECTIFIED},
        OrderStatus.ISSUED,
        "staff.verify_rectificationorder",
        _("Send back"),
        f"{QUALITY_SERVICES}.send_back_rectification",
        permission_message=_("Only the quality inspector verifies rectifications."),
    ),
    Action(
        "escalate",
        {OrderStatus.ISSUED},
        OrderStatus.ESCALATED,
        None,
        _("Escalate"),
        f"{QUALITY_SERVICES}.escalate_overdue_orders",
    ),
)

RECTIFICATION = Workflow(
    model_label="staff.RectificationOrder",
    state_field="status",
    actions=RECTIFICATION_ACTIONS,
    event_writer=timeline_writer(RectificationOrderEvent, "order"),
    state_labels=dict(OrderStatus.choices),
    events_of=lambda order: order.events.all(),
)
