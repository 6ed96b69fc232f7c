"""Repeat repairs (返修), declared once (see `servicecenter.workflow`):

    open → acknowledged → action_assigned → closed
    open / acknowledged → dismissed (not the same fault after all)

The services in `dashboards.services_repeats` enforce it; the pages and the API offer what
`available` allows; tests walk the whole matrix (tests/servicecenter/test_workflows.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dashboards.models import RepeatRepair, RepeatRepairEvent
from servicecenter.workflow import Action, Workflow, timeline_writer

Status = RepeatRepair.Status
SERVICES = "dashboards.services_repeats"
WORK = "dashboards.work_repeatrepair"
_NOT_NOW = _("This repeat repair is %(status)s: that cannot be done now.")

ACTIONS = (
    Action(
        "acknowledge",
        {Status.OPEN},
        Status.ACKNOWLEDGED,
        WORK,
        pgettext_lazy("repeat repair action", "Acknowledge"),
        f"{SERVICES}.acknowledge_repeat_repair",
        state_message=_NOT_NOW,
    ),
    Action(
        "assign_action",
        {Status.ACKNOWLEDGED},
        Status.ACTION_ASSIGNED,
        WORK,
        _("Assign a root-cause action"),
        f"{SERVICES}.assign_repeat_repair_action",
        state_message=_NOT_NOW,
    ),
    Action(
        "close",
        {Status.ACTION_ASSIGNED},
        Status.CLOSED,
        WORK,
        pgettext_lazy("repeat repair action", "Close"),
        f"{SERVICES}.close_repeat_repair",
        state_message=_NOT_NOW,
    ),
    Action(
        "dismiss",
        {Status.OPEN, Status.ACKNOWLEDGED},
        Status.DISMISSED,
        WORK,
        pgettext_lazy("repeat repair action", "Dismiss"),
        f"{SERVICES}.dismiss_repeat_repair",
        state_message=_NOT_NOW,
    ),
)

REPEAT_REPAIR = Workflow(
    model_label="dashboards.RepeatRepair",
    state_field="status",
    actions=ACTIONS,
    event_writer=timeline_writer(RepeatRepairEvent, "repeat"),
    state_labels=dict(Status.choices),
    events_of=lambda repeat: repeat.events.all(),
)
