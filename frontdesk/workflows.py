"""The front desk's workflows, declared once (see `servicecenter.workflow`).

Key custody:      held ⇄ handed_out → returned_to_owner (closed; from either open state)
Invoice request:  requested → issued | rejected

`frontdesk.services` performs them (one event row per transition); pages and the API offer what
`available` allows; tests walk the whole matrix (tests/servicecenter/test_workflows.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from frontdesk.models import InvoiceRequest, InvoiceRequestEvent, KeyCustody, KeyCustodyEvent
from servicecenter.workflow import Action, Workflow

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


def write_key_event(custody, *, action, source, target, actor, note, now, **extra):
    return KeyCustodyEvent(
        custody=custody,
        action=action.name,
        from_status=source,
        to_status=target,
        actor=actor,
        note=note,
        created_at=now,
    )


KEY_CUSTODY = Workflow(
    model_label="frontdesk.KeyCustody",
    state_field="status",
    actions=KEY_ACTIONS,
    event_writer=write_key_event,
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


def write_invoice_event(request, *, action, source, target, actor, note, now, **extra):
    return InvoiceRequestEvent(
        request=request,
        action=action.name,
        from_status=source,
        to_status=target,
        actor=actor,
        note=note,
        created_at=now,
    )


INVOICE_REQUEST = Workflow(
    model_label="frontdesk.InvoiceRequest",
    state_field="status",
    actions=INVOICE_ACTIONS,
    event_writer=write_invoice_event,
    state_labels=dict(InvoiceStatus.choices),
    events_of=lambda request: request.events.all(),
)
