"""The move-in workflow, declared once (see `servicecenter.workflow`).

    scheduled → documents (the owner arrived; the checklist is worked)
              → fees (the checklist's required lines are done; the charges are billed)
              → inspection (the charges are paid, or waived by a manager)
              → keys (the inspection passed)  |  rectification (defects found → tickets)
    rectification → inspection (every defect's ticket is resolved: the re-inspection)
    keys → completed (keys signed for; the unit is handed over, the owner an occupant)
    any open state → cancelled

The services in `moveins.services` enforce this; the pages and the API offer what `available`
allows; tests walk the whole matrix (tests/servicecenter/test_workflows.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from moveins.models import MoveIn, MoveInEvent
from servicecenter.workflow import Action, Guard, Workflow, timeline_writer

Status = MoveIn.Status
SERVICES = "moveins.services"
PERM = "moveins."


def _checklist_done(move_in, user, now) -> bool:
    return not move_in.checklist.filter(is_required=True, done_at__isnull=True).exists()


CHECKLIST_DONE = Guard(
    "checklist_done",
    _checklist_done,
    _("Finish the required checklist lines first."),
    code="checklist_incomplete",
)


def _charges_settled(move_in, user, now) -> bool:
    from moveins.selectors import charges_outstanding

    return move_in.fees_waived_at is not None or not charges_outstanding(move_in)


CHARGES_SETTLED = Guard(
    "charges_settled",
    _charges_settled,
    _("The move-in charges must be paid (or waived by a manager) first."),
    code="charges_unpaid",
)


def _defects_rectified(move_in, user, now) -> bool:
    from moveins.selectors import defects_awaiting_rectification

    return not defects_awaiting_rectification(move_in).exists()


DEFECTS_RECTIFIED = Guard(
    "defects_rectified",
    _defects_rectified,
    _("Every defect's repair must be finished before the re-inspection."),
    code="defects_open",
)

MOVE_IN_ACTIONS = (
    Action(
        "start",
        {Status.SCHEDULED},
        Status.DOCUMENTS,
        f"{PERM}handle_movein",
        _("Owner arrived: start"),
        f"{SERVICES}.start_move_in",
    ),
    Action(
        "finish_documents",
        {Status.DOCUMENTS},
        Status.FEES,
        f"{PERM}handle_movein",
        _("Documents done: bill the charges"),
        f"{SERVICES}.finish_documents",
        guards=(CHECKLIST_DONE,),
    ),
    Action(
        "waive_fees",
        {Status.FEES},
        None,
        f"{PERM}waive_movein_fees",
        _("Waive the charges"),
        f"{SERVICES}.waive_move_in_fees",
        done=lambda move_in: move_in.fees_waived_at is not None,
        permission_message=_("Only a manager can waive move-in charges."),
    ),
    Action(
        "confirm_fees",
        {Status.FEES},
        Status.INSPECTION,
        f"{PERM}handle_movein",
        _("Charges settled: go to the inspection"),
        f"{SERVICES}.confirm_fees",
        guards=(CHARGES_SETTLED,),
    ),
    Action(
        "pass_inspection",
        {Status.INSPECTION},
        Status.KEYS,
        f"{PERM}inspect_movein",
        _("Inspection passed"),
        f"{SERVICES}.pass_inspection",
    ),
    Action(
        "record_defects",
        {Status.INSPECTION},
        Status.RECTIFICATION,
        f"{PERM}inspect_movein",
        _("Record defects"),
        f"{SERVICES}.record_defects",
    ),
    Action(
        "reinspect",
        {Status.RECTIFICATION},
        Status.INSPECTION,
        f"{PERM}inspect_movein",
        _("Re-inspect"),
        f"{SERVICES}.request_reinspection",
        guards=(DEFECTS_RECTIFIED,),
    ),
    Action(
        "hand_over_keys",
        {Status.KEYS},
        Status.COMPLETED,
        f"{PERM}hand_over_keys",
        _("Hand over the keys"),
        f"{SERVICES}.hand_over_keys",
        guards=(CHARGES_SETTLED,),
    ),
    Action(
        "cancel",
        set(MoveIn.OPEN),
        Status.CANCELLED,
        f"{PERM}cancel_movein",
        pgettext_lazy("move-in action", "Cancel"),
        f"{SERVICES}.cancel_move_in",
    ),
)


MOVE_IN = Workflow(
    model_label="moveins.MoveIn",
    state_field="status",
    actions=MOVE_IN_ACTIONS,
    event_writer=timeline_writer(MoveInEvent, "move_in"),
    state_labels=dict(Status.choices),
    events_of=lambda move_in: move_in.events.all(),
)
