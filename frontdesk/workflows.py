"""The front desk's workflows, declared once (see `servicecenter.workflow`).

Visitors:       inside → left
Lost and found: held → claimed | disposed (disposal after the keep period, or by a manager)
Parcels:        held → picked_up | returned (to the carrier)

The services in `frontdesk.services` enforce this; the pages and the API offer what `available`
allows; tests walk the whole matrix (tests/servicecenter/test_workflows.py).

Move-out and moving requests (`MOVEOUT`):

    requested → approved (the release pass is issued) → completed
    requested / approved → cancelled (the pass is revoked)
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontdesk.models import (
    InvoiceRequest,
    InvoiceRequestEvent,
    KeyCustody,
    KeyCustodyEvent,
    LostItem,
    LostItemEvent,
    MoveOut,
    MoveOutEvent,
    Parcel,
    ParcelEvent,
    Visitor,
    VisitorEvent,
)
from servicecenter.workflow import Action, Guard, Workflow, timeline_writer

SERVICES = "frontdesk.services"
PERM = "frontdesk."
EARLY_DISPOSAL = f"{PERM}dispose_lost_item_early"


# --- visitors -----------------------------------------------------------------------------------

VISITOR = Workflow(
    model_label="frontdesk.Visitor",
    state_field="status",
    actions=(
        Action(
            "leave",
            {Visitor.Status.INSIDE},
            Visitor.Status.LEFT,
            f"{PERM}log_visitor",
            _("Record departure"),
            f"{SERVICES}.record_visitor_departure",
            state_message=_("This visitor has already left."),
        ),
    ),
    event_writer=timeline_writer(VisitorEvent, "visitor"),
    state_labels=dict(Visitor.Status.choices),
    events_of=lambda visitor: visitor.events.all(),
)

# --- lost and found ------------------------------------------------------------------------------


def _keep_period_over(item, user, now) -> bool:
    # A manager may dispose of an item early (perishable, dangerous); the desk waits the period out.
    if user is not None and user.has_perm(EARLY_DISPOSAL):
        return True
    return timezone.localdate(now) >= item.keep_until


KEEP_PERIOD_OVER = Guard(
    "keep_period_over",
    _keep_period_over,
    _("The item is kept until its keep period ends; only a manager may dispose of it earlier."),
    code="keep_period_not_over",
)

LOST_ITEM = Workflow(
    model_label="frontdesk.LostItem",
    state_field="status",
    actions=(
        Action(
            "claim",
            {LostItem.Status.HELD},
            LostItem.Status.CLAIMED,
            f"{PERM}handle_lost_item",
            _("Hand over to the owner"),
            f"{SERVICES}.claim_lost_item",
            state_message=_("This item is no longer held at the desk (%(status)s)."),
        ),
        Action(
            "dispose",
            {LostItem.Status.HELD},
            LostItem.Status.DISPOSED,
            f"{PERM}handle_lost_item",
            pgettext_lazy("lost item action", "Dispose of"),
            f"{SERVICES}.dispose_lost_item",
            guards=(KEEP_PERIOD_OVER,),
            state_message=_("This item is no longer held at the desk (%(status)s)."),
        ),
    ),
    event_writer=timeline_writer(LostItemEvent, "item"),
    state_labels=dict(LostItem.Status.choices),
    events_of=lambda item: item.events.all(),
)

# --- parcels ------------------------------------------------------------------------------------

PARCEL = Workflow(
    model_label="frontdesk.Parcel",
    state_field="status",
    actions=(
        Action(
            "pick_up",
            {Parcel.Status.HELD},
            Parcel.Status.PICKED_UP,
            f"{PERM}handle_parcel",
            _("Picked up"),
            f"{SERVICES}.pick_up_parcel",
            state_message=_("This parcel is no longer at the desk (%(status)s)."),
        ),
        Action(
            "return",
            {Parcel.Status.HELD},
            Parcel.Status.RETURNED,
            f"{PERM}handle_parcel",
            _("Return to the carrier"),
            f"{SERVICES}.return_parcel",
            state_message=_("This parcel is no longer at the desk (%(status)s)."),
        ),
    ),
    event_writer=timeline_writer(ParcelEvent, "parcel"),
    state_labels=dict(Parcel.Status.choices),
    events_of=lambda parcel: parcel.events.all(),
)


KeyStatus = KeyCustody.Status
InvoiceStatus = InvoiceRequest.Status
KEYS = "frontdesk.services.keys"
INVOICES = "frontdesk.services.invoices"
MANAGE_KEYS = "frontdesk.manage_key_custody"
ISSUE_INVOICE = "frontdesk.issue_invoice"

KEY_ACTIONS = (
    Action(
        "hand_out",
        {KeyStatus.HELD},
        KeyStatus.HANDED_OUT,
        MANAGE_KEYS,
        _("Hand out the keys"),
        f"{KEYS}.hand_out_keys",
        state_message=_("The keys are not at the desk (%(status)s)."),
    ),
    Action(
        "take_back",
        {KeyStatus.HANDED_OUT},
        KeyStatus.HELD,
        MANAGE_KEYS,
        _("Keys brought back"),
        f"{KEYS}.take_back_keys",
        state_message=_("The keys are not out (%(status)s)."),
    ),
    Action(
        "return_to_owner",
        {KeyStatus.HELD, KeyStatus.HANDED_OUT},
        KeyStatus.RETURNED_TO_OWNER,
        MANAGE_KEYS,
        _("Return to the owner"),
        f"{KEYS}.return_keys_to_owner",
        state_message=_("The keys have already been returned to the owner."),
    ),
)


KEY_CUSTODY = Workflow(
    model_label="frontdesk.KeyCustody",
    state_field="status",
    actions=KEY_ACTIONS,
    event_writer=timeline_writer(KeyCustodyEvent, "custody"),
    state_labels=dict(KeyStatus.choices),
    events_of=lambda custody: custody.events.all(),
)

INVOICE_ACTIONS = (
    Action(
        "issue",
        {InvoiceStatus.REQUESTED},
        InvoiceStatus.ISSUED,
        ISSUE_INVOICE,
        _("Mark as issued"),
        f"{INVOICES}.issue_invoice",
        permission_message=_("Only a clerk or a manager issues invoices."),
        state_message=_("This request is no longer open (%(status)s)."),
    ),
    Action(
        "reject",
        {InvoiceStatus.REQUESTED},
        InvoiceStatus.REJECTED,
        ISSUE_INVOICE,
        pgettext_lazy("invoice request action", "Reject"),
        f"{INVOICES}.reject_invoice_request",
        permission_message=_("Only a clerk or a manager issues invoices."),
        state_message=_("This request is no longer open (%(status)s)."),
    ),
)


INVOICE_REQUEST = Workflow(
    model_label="frontdesk.InvoiceRequest",
    state_field="status",
    actions=INVOICE_ACTIONS,
    event_writer=timeline_writer(InvoiceRequestEvent, "request"),
    state_labels=dict(InvoiceStatus.choices),
    events_of=lambda request: request.events.all(),
)


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


MOVEOUT = Workflow(
    model_label="frontdesk.MoveOut",
    state_field="status",
    actions=MOVEOUT_ACTIONS,
    event_writer=timeline_writer(MoveOutEvent, "moveout"),
    state_labels=dict(MoveOutStatus.choices),
    events_of=lambda moveout: moveout.events.all(),
)
