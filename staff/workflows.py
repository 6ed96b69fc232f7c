"""The staff workflows, declared once (see `servicecenter.workflow`).

Shift swaps: requested → approved | rejected | cancelled. Staff ask; the supervisor approves
(the two roster entries change hands) or rejects; the one who asked may cancel while it waits.

Rectification orders (整改单) of quality inspections:

    issued → rectified (the team reports it done) → verified (the inspector checks it)
    rectified → issued (sent back: not good enough)
    issued → escalated (system: past the deadline; the estate's managers are told)
    escalated → rectified

Shift handovers (交接班): open → acknowledged. Someone of the incoming shift (a member of the
team) or a supervisor acknowledges, once; never the one who wrote it, unless a supervisor (who
runs both shifts when no one else is on).

Attendance (考勤): a record is born clocked in (the clock-in writes its first event) and is
clocked out by the one who clocked in. Late, early and unrostered are flags, not states; an
absence has no record (see `AttendanceRecord`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.scoping import access_for
from servicecenter.workflow import Action, Guard, Workflow, timeline_writer
from staff.models import (
    AttendanceEvent,
    AttendanceRecord,
    HandoverEvent,
    RectificationOrder,
    RectificationOrderEvent,
    ShiftHandover,
    SwapEvent,
    SwapRequest,
)

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


HandoverStatus = ShiftHandover.Status
ATTENDANCE_SERVICES = "staff.services_attendance"
# Who runs the shifts of an estate (the duty supervisor, the manager): the one who approves swaps.
RUNS_SHIFTS = "staff.approve_swaprequest"


def runs_shifts(user) -> bool:
    return user is not None and user.has_perm(RUNS_SHIFTS)


def _works_in_estate(handover, user, now) -> bool:
    access = access_for(user)
    return access.is_staff_member and (access.all_estates or handover.estate_id in access.estate_ids)


HANDOVER_IN_ESTATE = Guard(
    "works_in_the_estate",
    lambda handover, user, now: user is None or _works_in_estate(handover, user, now),
    _("You do not work in this team's estate."),
    code="estate_scope",
    before_state=True,
)
HANDOVER_NOT_OWN = Guard(
    "not_ones_own_handover",
    lambda handover, user, now: user is None or handover.written_by_id != user.pk or runs_shifts(user),
    _("The incoming shift acknowledges a handover, not the one who wrote it."),
    code="own_handover",
)
HANDOVER_INCOMING = Guard(
    "of_the_incoming_shift",
    lambda handover, user, now: (
        user is None or handover.team_id in access_for(user).team_ids or runs_shifts(user)
    ),
    _("Only a member of the incoming shift's team or a supervisor acknowledges a handover."),
    code="not_incoming_shift",
)

HANDOVER = Workflow(
    model_label="staff.ShiftHandover",
    state_field="status",
    actions=(
        Action(
            "acknowledge",
            {HandoverStatus.OPEN},
            HandoverStatus.ACKNOWLEDGED,
            "staff.change_shifthandover",
            pgettext_lazy("shift handover action", "Acknowledge"),
            f"{ATTENDANCE_SERVICES}.acknowledge_handover",
            guards=(HANDOVER_IN_ESTATE, HANDOVER_NOT_OWN, HANDOVER_INCOMING),
            state_message=_("This handover has already been acknowledged."),
            state_code="already_acknowledged",
            permission_message=_("You may not acknowledge shift handovers."),
        ),
    ),
    event_writer=timeline_writer(HandoverEvent, "handover"),
    state_labels=dict(HandoverStatus.choices),
    events_of=lambda handover: handover.events.all(),
)


AttendanceStatus = AttendanceRecord.Status

OWN_RECORD = Guard(
    "own_record",
    lambda record, user, now: user is not None and record.user_id == user.pk,
    _("Only the one who clocked in clocks out."),
    about_user=True,
)

ATTENDANCE = Workflow(
    model_label="staff.AttendanceRecord",
    state_field="status",
    actions=(
        # The record's birth: written by `clock_in` as the record is created, never a move
        # from another state (so it has no source state and is no button).
        Action(
            "clock_in",
            (),
            AttendanceStatus.CLOCKED_IN,
            None,
            pgettext_lazy("attendance action", "Clock in"),
            f"{ATTENDANCE_SERVICES}.clock_in",
        ),
        Action(
            "clock_out",
            {AttendanceStatus.CLOCKED_IN},
            AttendanceStatus.CLOCKED_OUT,
            "staff.add_attendancerecord",
            pgettext_lazy("attendance action", "Clock out"),
            f"{ATTENDANCE_SERVICES}.clock_out",
            guards=(OWN_RECORD,),
            state_message=_("You have not clocked in."),
            state_code="not_clocked_in",
            permission_message=_("You may not clock in or out."),
        ),
    ),
    event_writer=timeline_writer(AttendanceEvent, "record"),
    state_labels=dict(AttendanceStatus.choices),
    events_of=lambda record: record.events.all(),
)
