"""The staff app's workflows, declared once (see `servicecenter.workflow`).

Rectification orders (整改单) of quality inspections:

    issued → rectified (the team reports it done) → verified (the inspector checks it)
    rectified → issued (sent back: not good enough)
    issued → escalated (system: past the deadline; the estate's managers are told)
    escalated → rectified
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicecenter.workflow import Action, Workflow, timeline_writer
from staff.models import RectificationOrder, RectificationOrderEvent

OrderStatus = RectificationOrder.Status
SERVICES = "staff.services_quality"

RECTIFICATION_ACTIONS = (
    Action(
        "rectify",
        {OrderStatus.ISSUED, OrderStatus.ESCALATED},
        OrderStatus.RECTIFIED,
        "staff.rectify_rectificationorder",
        _("Report rectified"),
        f"{SERVICES}.report_rectified",
        permission_message=_("You may not report rectification orders done."),
    ),
    Action(
        "verify",
        {OrderStatus.RECTIFIED},
        OrderStatus.VERIFIED,
        "staff.verify_rectificationorder",
        _("Verify rectification"),
        f"{SERVICES}.verify_rectification",
        permission_message=_("Only the quality inspector verifies rectifications."),
    ),
    Action(
        "send_back",
        {OrderStatus.RECTIFIED},
        OrderStatus.ISSUED,
        "staff.verify_rectificationorder",
        _("Send back"),
        f"{SERVICES}.send_back_rectification",
        permission_message=_("Only the quality inspector verifies rectifications."),
    ),
    Action(
        "escalate",
        {OrderStatus.ISSUED},
        OrderStatus.ESCALATED,
        None,
        _("Escalate"),
        f"{SERVICES}.escalate_overdue_orders",
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
