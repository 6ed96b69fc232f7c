"""The staff workflows, declared once (see `servicecenter.workflow`).

Shift swaps: requested → approved | rejected | cancelled. Staff ask; the supervisor approves
(the two roster entries change hands) or rejects; the one who asked may cancel while it waits.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicecenter.workflow import Action, Guard, Workflow, timeline_writer
from staff.models import SwapEvent, SwapRequest

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
