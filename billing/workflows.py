"""The bill, payment and online payment order workflows, declared once (see
`servicecenter.workflow`).

The services enforce these declarations; the bill, payment and order pages show the buttons that
`available` allows, and the API's action permissions are read from here.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import (
    Bill,
    BillEvent,
    ChargeItem,
    Payment,
    PaymentMethod,
    PaymentOrder,
    PaymentOrderEvent,
    PaymentReversal,
)
from servicecenter.workflow import Action, Guard, Workflow

BillStatus = Bill.Status
PaymentStatus = Payment.Status
SERVICES = "billing.services"

# --- bills ------------------------------------------------------------------------------------

NO_PAYMENTS_APPLIED = Guard(
    "no_payments_applied",
    # A paid bill is corrected by voiding or refunding its payments first.
    lambda bill, user, now: not bill.amount_paid,
    _("Payments have been applied to this bill; void or refund them first."),
    code="bill_has_payments",
    before_state=True,
)
ONLY_LATE_FEES = Guard(
    "only_late_fees",
    lambda bill, user, now: bill.charge_item.kind == ChargeItem.Kind.LATE_FEE,
    _("Only a late-fee bill can be waived."),
    code="not_a_late_fee",
    before_state=True,
)

BILL_ACTIONS = (
    Action(
        "void",
        {BillStatus.OPEN},
        BillStatus.VOID,
        "billing.void_bill",
        _("Void"),
        f"{SERVICES}.void_bill",
        guards=(NO_PAYMENTS_APPLIED,),
        permission_message=_("You are not allowed to void bills."),
    ),
    Action(
        "reissue",
        {BillStatus.OPEN},
        BillStatus.VOID,
        "billing.void_bill",
        _("Reissue"),
        f"{SERVICES}.reissue_bill",
        guards=(NO_PAYMENTS_APPLIED,),
        permission_message=_("You are not allowed to void bills."),
    ),
    Action(
        "write_off",
        {BillStatus.OPEN, BillStatus.PARTIALLY_PAID},
        BillStatus.WRITTEN_OFF,
        "billing.write_off_bill",
        _("Write off"),
        f"{SERVICES}.write_off_bill",
        permission_message=_("Only a manager can write off bills."),
    ),
    Action(
        "waive_late_fee",
        {BillStatus.OPEN},
        BillStatus.VOID,
        "billing.waive_late_fee",
        _("Waive late fee"),
        f"{SERVICES}.waive_late_fee",
        guards=(ONLY_LATE_FEES, NO_PAYMENTS_APPLIED),
        permission_message=_("Only a manager can waive late fees."),
    ),
    # System steps. The unpaid bill of a paid service is voided when its ticket is reopened (the
    # next resolution bills the price then in force) ...
    Action(
        "void_for_reopened_ticket",
        {BillStatus.OPEN},
        BillStatus.VOID,
        None,
        _("Void"),
        f"{SERVICES}.void_paid_service_bill",
        guards=(NO_PAYMENTS_APPLIED,),
    ),
    # ... and a bill's status follows the payments applied to it (and taken back).
    Action(
        "mark_open",
        {BillStatus.PARTIALLY_PAID, BillStatus.PAID},
        BillStatus.OPEN,
        None,
        BillStatus.OPEN.label,
    ),
    Action(
        "mark_partially_paid",
        {BillStatus.OPEN, BillStatus.PAID},
        BillStatus.PARTIALLY_PAID,
        None,
        BillStatus.PARTIALLY_PAID.label,
    ),
    Action(
        "mark_paid",
        {BillStatus.OPEN, BillStatus.PARTIALLY_PAID},
        BillStatus.PAID,
        None,
        BillStatus.PAID.label,
    ),
)
SETTLE = {
    BillStatus.OPEN: "mark_open",
    BillStatus.PARTIALLY_PAID: "mark_partially_paid",
    BillStatus.PAID: "mark_paid",
}


def write_bill_event(bill: Bill, *, action: Action, source: str, target: str, actor, note: str, now, **extra):
    return BillEvent(
        bill=bill, from_status=source, to_status=target, actor=actor, note=note[:300], created_at=now
    )


BILL = Workflow(
    model_label="billing.bill",
    state_field="status",
    actions=BILL_ACTIONS,
    event_writer=write_bill_event,
    state_labels=dict(BillStatus.choices),
    events_of=lambda bill: BillEvent.objects.filter(bill=bill),
)

# --- payments ---------------------------------------------------------------------------------

SAME_DAY = Guard(
    "same_day",
    # Spending the prepaid balance moved no money, so undoing it is safe on any day.
    lambda payment, user, now: (
        payment.method == PaymentMethod.PREPAID
        or timezone.localdate(payment.received_at) == timezone.localdate(now)
    ),
    _("A payment can only be voided on the day it was taken; refund it instead."),
    code="void_too_late",
    before_state=True,
)
NOT_FROM_PREPAID = Guard(
    "not_from_prepaid",
    lambda payment, user, now: payment.method != PaymentMethod.PREPAID,
    _("A payment from the prepaid balance is reversed by voiding it, not refunded."),
    before_state=True,
)

PAYMENT_ACTIONS = (
    Action(
        "void",
        {PaymentStatus.POSTED},
        PaymentStatus.VOIDED,
        "billing.void_payment",
        _("Void payment"),
        f"{SERVICES}.void_payment",
        guards=(SAME_DAY,),
        permission_message=_("You are not allowed to void payments."),
    ),
    Action(
        "refund",
        {PaymentStatus.POSTED},
        PaymentStatus.REFUNDED,
        "billing.refund_payment",
        _("Refund payment"),
        f"{SERVICES}.refund_payment",
        guards=(NOT_FROM_PREPAID,),
        permission_message=_("You are not allowed to refund payments."),
    ),
)


def write_payment_event(
    payment: Payment, *, action: Action, source: str, target: str, actor, note: str, now, **extra
) -> PaymentReversal:
    """A payment's one event is its reversal: the kind, the amount, the reason, who and when."""
    return PaymentReversal(
        estate_id=payment.estate_id,
        payment=payment,
        kind=PaymentReversal.Kind.VOID if action.name == "void" else PaymentReversal.Kind.REFUND,
        amount=payment.amount,
        refund_method=extra.get("refund_method", ""),
        reason=note,
        actor=actor,
        created_at=now,
    )


PAYMENT = Workflow(
    model_label="billing.payment",
    state_field="status",
    actions=PAYMENT_ACTIONS,
    event_writer=write_payment_event,
    state_labels=dict(PaymentStatus.choices),
    events_of=lambda payment: PaymentReversal.objects.filter(payment=payment),
)

# --- online payment orders ----------------------------------------------------------------------

OrderStatus = PaymentOrder.Status
ONLINE = f"{SERVICES}.online"
# The purpose whose refunds are made here; other purposes (a renovation deposit) are refunded
# where they were paid for. (Kept equal to `services.online.BILLS`, which imports this module.)
BILLS_PURPOSE = "bills"

REFUNDED_HERE = Guard(
    "refunded_here",
    lambda order, user, now: order.purpose == BILLS_PURPOSE,
    _("This payment is refunded where it was paid for (e.g. the deposit's settlement)."),
    code="refund_elsewhere",
)
_REFUNDABLE = {OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED}
_REFUND_RULES = {
    "guards": (REFUNDED_HERE,),
    "state_message": _("Only a paid order can be refunded."),
    "state_code": "order_not_paid",
    "permission_message": _("You are not allowed to refund payments."),
}

PAYMENT_ORDER_ACTIONS = (
    # System steps, driven by the gateway (its notification, or our status query) and the sweep.
    # A paid notification for an order already closed (expired) still posts: the money was taken.
    Action(
        "mark_paid",
        {OrderStatus.PENDING, OrderStatus.CLOSED},
        OrderStatus.PAID,
        None,
        OrderStatus.PAID.label,
        f"{ONLINE}.receive_notification",
    ),
    Action(
        "close",
        {OrderStatus.PENDING},
        OrderStatus.CLOSED,
        None,
        OrderStatus.CLOSED.label,
        f"{ONLINE}.receive_notification",
    ),
    Action(
        "expire",
        {OrderStatus.PENDING},
        OrderStatus.CLOSED,
        None,
        pgettext_lazy("payment order action", "Expire"),
        f"{ONLINE}.sweep_pending_orders",
    ),
    # The manager gives the money back: what is left of it (the order ends refunded) or a part of
    # it from the unit's prepaid balance. `refund_order` picks the action from the amount.
    Action(
        "refund",
        _REFUNDABLE,
        OrderStatus.REFUNDED,
        "billing.refund_payment",
        _("Refund"),
        f"{ONLINE}.refund_order",
        **_REFUND_RULES,
    ),
    Action(
        "refund_part",
        _REFUNDABLE,
        OrderStatus.PARTIALLY_REFUNDED,
        "billing.refund_payment",
        pgettext_lazy("payment order action", "Refund part"),
        f"{ONLINE}.refund_order",
        **_REFUND_RULES,
    ),
)
_EVENT_KIND = {
    "mark_paid": (PaymentOrderEvent.Kind.POSTED, "posted"),
    "close": (PaymentOrderEvent.Kind.CLOSED, "closed"),
    "expire": (PaymentOrderEvent.Kind.CLOSED, "closed"),
    "refund": (PaymentOrderEvent.Kind.REFUND, "refunded"),
    "refund_part": (PaymentOrderEvent.Kind.REFUND, "refunded"),
}
# The order's status changes, among the notifications and queries that the same log keeps.
ORDER_TRANSITION_KINDS = tuple({kind for kind, _outcome in _EVENT_KIND.values()})


def write_payment_order_event(
    order: PaymentOrder, *, action: Action, source: str, target: str, actor, note: str, now, **extra
) -> PaymentOrderEvent:
    """An order's status change is a row of its log (beside the notifications and queries)."""
    kind, outcome = _EVENT_KIND[action.name]
    default_amount = order.amount if action.name == "mark_paid" else None
    return PaymentOrderEvent(
        order=order,
        gateway=extra.get("gateway") or order.gateway,
        kind=kind,
        outcome=outcome,
        from_status=source,
        to_status=target,
        amount=extra.get("amount", default_amount),
        note=note[:300],
        actor=actor,
        created_at=now,
    )


PAYMENT_ORDER = Workflow(
    model_label="billing.paymentorder",
    state_field="status",
    actions=PAYMENT_ORDER_ACTIONS,
    event_writer=write_payment_order_event,
    state_labels=dict(OrderStatus.choices),
    events_of=lambda order: PaymentOrderEvent.objects.filter(order=order, kind__in=ORDER_TRANSITION_KINDS),
)
