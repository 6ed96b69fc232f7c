"""The front desk's workflows, declared once (see `servicecenter.workflow`).

Move-out and moving requests (`MOVEOUT`):

    requested → approved (the release pass is issued) → completed
    requested / approved → cancelled (the pass is revoked)

The services in `frontdesk.services.moveouts` enforce this; the pages and the API offer what
`available` allows; tests walk the whole matrix (tests/servicecenter/test_workflows.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontdesk.models import MoveOut, MoveOutEvent
from servicecenter.workflow import Action, Guard, Workflow

# --- move-out and moving requests ---------------------------------------------------------------

MoveOutStatus = MoveOut.Status
MOVEOUT_SERVICES = "frontdesk.services.moveouts"
MOVEOUT_PERM = "frontdesk."


def _nothing_owed(moveout, user, now) -> bool:
    from frontdesk.selectors.moveouts import amounts_owed

    return not amounts_owed(moveout, now=now).bills


# Skipped by the approval service when a manager overrides (with a reason, recorded); the service
# refuses first with the list of what is owed, so this message is what `check` says elsewhere.
NOTHING_OWED = Guard(
    "nothing_owed",
    _nothing_owed,
    _("The unit owes money: it is released only when the bills are paid or a manager overrides."),
    code="arrears_owed",
)


def _window_not_over(moveout, user, now) -> bool:
    from frontdesk.selectors.moveouts import pass_window

    return pass_window(moveout)[1] > now


WINDOW_NOT_OVER = Guard(
    "window_not_over",
    _window_not_over,
    _("The planned time window is over: register a new request for another day."),
    code="window_over",
)

MOVEOUT_ACTIONS = (
    Action(
        "approve",
        {MoveOutStatus.REQUESTED},
        MoveOutStatus.APPROVED,
        f"{MOVEOUT_PERM}approve_moveout",
        pgettext_lazy("move-out action", "Approve and issue the release pass"),
        f"{MOVEOUT_SERVICES}.approve_moveout",
        guards=(WINDOW_NOT_OVER, NOTHING_OWED),
        permission_message=_("You are not allowed to approve moving requests."),
    ),
    Action(
        "complete",
        {MoveOutStatus.APPROVED},
        MoveOutStatus.COMPLETED,
        f"{MOVEOUT_PERM}complete_moveout",
        pgettext_lazy("move-out action", "Complete"),
        f"{MOVEOUT_SERVICES}.complete_moveout",
        permission_message=_("You are not allowed to complete moving requests."),
    ),
    Action(
        "cancel",
        {MoveOutStatus.REQUESTED, MoveOutStatus.APPROVED},
        MoveOutStatus.CANCELLED,
        f"{MOVEOUT_PERM}register_moveout",
        pgettext_lazy("move-out action", "Cancel"),
        f"{MOVEOUT_SERVICES}.cancel_moveout",
        permission_message=_("You are not allowed to cancel moving requests."),
    ),
)


def write_moveout_event(moveout, *, action, source, target, actor, note, now, **extra):
    return MoveOutEvent(
        moveout=moveout,
        action=action.name,
        from_status=source,
        to_status=target,
        actor=actor,
        note=note,
        created_at=now,
    )


MOVEOUT = Workflow(
    model_label="frontdesk.MoveOut",
    state_field="status",
    actions=MOVEOUT_ACTIONS,
    event_writer=write_moveout_event,
    state_labels=dict(MoveOutStatus.choices),
    events_of=lambda moveout: moveout.events.all(),
)
