"""Paying online through the portal: payment orders, the gateway's notifications and status
queries, the sweep of orders left pending, and refunds (the gateway interface is `billing.gateway`).

Rules:
- A notification is acted on only if its signature verifies and its amount is the order's; anything
  else is logged (`PaymentOrderEvent`) and refused, nothing posted. A repeat is acknowledged and
  ignored.
- A paid order posts exactly once, through the service of its purpose (`register_paid_handler`):
  the order row is locked (SELECT … FOR UPDATE), so the notification and the resident's return
  page (which queries the gateway) arriving together post once; the billing idempotency key is
  derived from the order (`online:<order_no>`) and the payment is unique per order.
- Bills paid at the desk meanwhile: the money still posts as one payment. It settles what is still
  due on the order's bills, and the rest goes to the unit's prepaid balance (which pays the next
  bills, or which the manager refunds: a partial refund of the order). If none of the order's
  bills is still open, the payment goes to the unit's other open bills, oldest first, then to the
  prepaid balance (what the prepaid sweep would do with it anyway).
- A paid notification for an order already closed (expired) still posts: the money was taken.
- Refunds (manager): the whole order (the payment is refunded, its bills reopen), or part of it
  from the unit's prepaid balance, both through the gateway and billing's refund services.

Every status change goes through the `PAYMENT_ORDER` workflow (`billing.workflows`): checked, then
saved with its one event row in the order's log. The gateway's steps are system steps (no actor).

Lock order: the order row → then billing's (the unit → its bills → the receipt counter).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateway import (
    CLOSED,
    PAID,
    PENDING,
    GatewayError,
    GatewayState,
    InvalidSignature,
    OrderRequest,
    get_gateway,
)
from billing.models import Bill, Payment, PaymentOrder, PaymentOrderEvent
from billing.services._common import (
    IdempotencyConflict,
    _require_idempotency_key,
    _require_reason,
    clean_amount,
)
from billing.services.payments import record_payment, refund_payment, refund_prepaid_balance
from billing.workflows import BILLS_PURPOSE, PAYMENT_ORDER
from residents.models import Unit
from servicecenter.exceptions import DomainError
from servicecenter.money import ZERO
from servicecenter.workflow import SYSTEM

logger = logging.getLogger("servicecenter.billing")

OrderStatus = PaymentOrder.Status
Event = PaymentOrderEvent.Kind
BILLS = BILLS_PURPOSE

# --- purposes ------------------------------------------------------------------------------------

# handler(order, *, method, now) -> the billing Payment it recorded, or None (e.g. a deposit).
PaidHandler = Callable[..., Payment | None]


@dataclass(frozen=True)
class Purpose:
    handler: PaidHandler
    label: str


_PURPOSES: dict[str, Purpose] = {}


def register_paid_handler(purpose: str, handler: PaidHandler, *, label: str = "") -> None:
    """Let a purpose be paid online: `handler(order, *, method, now)` posts a paid order's money
    (it runs once per order, inside the transaction that marks it paid, with the order locked) and
    returns the billing `Payment` it recorded, if any. A `DomainError` from it refuses the
    notification (the gateway retries; staff see it in the order's log). Higher apps register
    theirs in `AppConfig.ready()`."""
    _PURPOSES[purpose] = Purpose(handler=handler, label=label or purpose)


def payment_idempotency_key(order: PaymentOrder) -> str:
    return f"online:{order.order_no}"


def _post_bills(order: PaymentOrder, *, method: str, now: datetime) -> Payment:
    still_open = sorted(order.bills.filter(status__in=Bill.UNPAID_STATUSES).values_list("pk", flat=True))
    return record_payment(
        unit=Unit.objects.get(pk=order.unit_id),
        amount=order.amount,
        method=method,
        actor=None,
        idempotency_key=payment_idempotency_key(order),
        bill_ids=still_open or None,
        payer_name=order.user.get_full_name() or order.user.get_username(),
        reference=order.external_reference or order.order_no,
        note=_("Paid online, order %(number)s") % {"number": order.order_no},
        now=now,
    ).payment


register_paid_handler(BILLS, _post_bills, label="bills")


# --- orders --------------------------------------------------------------------------------------


def _new_order_no(now: datetime) -> str:
    return f"{timezone.localtime(now):%Y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


def _log(order: PaymentOrder | None, *, gateway: str, kind: str, outcome: str, now: datetime, **fields):
    return PaymentOrderEvent.objects.create(
        order=order, gateway=gateway, kind=kind, outcome=outcome, created_at=now, **fields
    )


def _fingerprint_matches(order: PaymentOrder, *, unit, amount, purpose, reference, bill_ids) -> bool:
    return (
        order.unit_id == unit.pk
        and order.amount == amount
        and order.purpose == purpose
        and order.reference == reference
        and sorted(order.bills.values_list("pk", flat=True)) == sorted(bill_ids)
    )


@transaction.atomic
def create_payment_order(
    *,
    user,
    unit: Unit,
    amount,
    purpose: str,
    description: str,
    idempotency_key: str,
    reference: str = "",
    bills: Sequence[Bill] = (),
    now: datetime | None = None,
) -> PaymentOrder:
    """An order to pay `amount` online, registered with the gateway; the resident is then sent to
    `order.checkout_url`. The same request again (its idempotency key) returns the same order."""
    now = now or timezone.now()
    amount = clean_amount(amount)
    key = _require_idempotency_key(idempotency_key)
    if purpose not in _PURPOSES:
        raise DomainError(_("This cannot be paid online."), code="unknown_purpose")
    bill_ids = [b.pk for b in bills]
    earlier = PaymentOrder.objects.filter(user=user, idempotency_key=key).first()
    if earlier is not None:
        if not _fingerprint_matches(
            earlier, unit=unit, amount=amount, purpose=purpose, reference=reference, bill_ids=bill_ids
        ):
            raise IdempotencyConflict(
                _("This idempotency key was already used for a different payment request."),
                code="idempotency_key_reused",
            )
        return earlier
    gateway = get_gateway()
    try:
        with transaction.atomic():
            order = PaymentOrder.objects.create(
                estate_id=unit.estate_id,
                unit=unit,
                user=user,
                order_no=_new_order_no(now),
                amount=amount,
                purpose=purpose,
                reference=reference[:100],
                description=description[:200],
                gateway=gateway.code,
                idempotency_key=key,
                created_at=now,
                expires_at=now + timedelta(minutes=settings.PAYMENT_ORDER_EXPIRES_MINUTES),
            )
    except IntegrityError:
        # The same key submitted twice at once: the first one's order.
        return PaymentOrder.objects.get(user=user, idempotency_key=key)
    if bill_ids:
        order.bills.set(bill_ids)
    base = settings.PAYMENT_NOTIFY_BASE_URL.rstrip("/")
    try:
        checkout = gateway.create_order(
            OrderRequest(
                order_no=order.order_no,
                amount=amount,
                description=order.description,
                notify_url=base + reverse("payments:notify", kwargs={"gateway": gateway.code}),
                return_url=reverse("portal:billing_order", kwargs={"order_no": order.order_no}),
                expires_at=order.expires_at,
            )
        )
    except GatewayError as error:
        raise DomainError(
            _("The payment service is not available right now; try again later."), code="gateway_error"
        ) from error
    order.checkout_url = checkout.redirect_url or checkout.qr_payload
    order.save(update_fields=["checkout_url"])
    _log(order, gateway=gateway.code, kind=Event.CREATED, outcome="created", now=now, amount=amount)
    return order


def create_bills_order(
    *, user, bills: Sequence[Bill], idempotency_key: str, now: datetime | None = None
) -> PaymentOrder:
    """An order for the resident's picked open bills (one unit's), for what is still due on them.
    `bills` must come from `Bill.objects.visible_to(user)`."""
    bills = sorted(bills, key=lambda b: b.pk)
    if not bills:
        raise DomainError(_("Choose the bills to pay."), code="no_bills")
    if len({b.unit_id for b in bills}) > 1:
        raise DomainError(_("Pay each unit's bills separately."), code="several_units")
    closed = [b for b in bills if b.status not in Bill.UNPAID_STATUSES]
    if closed:
        raise DomainError(
            _("These bills are no longer open: %(bills)s.") % {"bills": ", ".join(str(b) for b in closed)},
            code="bills_not_open",
        )
    amount = sum((b.amount - b.amount_paid for b in bills), ZERO)
    unit = Unit.objects.get(pk=bills[0].unit_id)
    periods = sorted({b.period for b in bills})
    months = ", ".join(f"{p:%Y-%m}" for p in periods[:6]) + ("…" if len(periods) > 6 else "")
    return create_payment_order(
        user=user,
        unit=unit,
        amount=amount,
        purpose=BILLS,
        description=_("Fees of %(unit)s: %(months)s") % {"unit": unit.code, "months": months},
        idempotency_key=idempotency_key,
        bills=bills,
        now=now,
    )


# --- what the gateway says -----------------------------------------------------------------------


def _lock(order_no: str) -> PaymentOrder | None:
    return PaymentOrder.objects.select_for_update().filter(order_no=order_no).first()


def _post(order: PaymentOrder, state: GatewayState, *, method: str, now: datetime) -> None:
    """Mark the locked order paid and post its money, once."""
    PAYMENT_ORDER.check(order, "mark_paid", SYSTEM, now=now)
    purpose = _PURPOSES.get(order.purpose)
    if purpose is None:
        raise DomainError(_("This cannot be paid online."), code="unknown_purpose")
    order.external_reference = (state.transaction_id or order.external_reference)[:100]
    order.paid_at = state.paid_at or now
    payment = purpose.handler(order, method=method, now=now)
    PAYMENT_ORDER.transition(
        order,
        "mark_paid",
        actor=SYSTEM,
        now=now,
        fields={"payment": payment, "posted_at": now},
        update_fields=["external_reference", "paid_at"],
    )


def _close(order: PaymentOrder, *, action: str, now: datetime, note: str = "") -> None:
    PAYMENT_ORDER.check(order, action, SYSTEM, now=now)
    PAYMENT_ORDER.transition(order, action, actor=SYSTEM, note=note, now=now, fields={"closed_at": now})


def _apply(
    order: PaymentOrder, state: GatewayState, *, kind: str, raw: dict, now: datetime
) -> tuple[bool, str]:
    """Act on what the gateway says about the locked order: (accepted, outcome), logged."""
    gateway = get_gateway(order.gateway)
    if state.amount is not None and state.amount != order.amount:
        outcome, accepted = "amount_mismatch", False
        logger.warning("online payment %s: amount %s, order %s", order.order_no, state.amount, order.amount)
    elif state.state == PAID and order.is_posted:
        outcome, accepted = "duplicate", True
    elif state.state == PAID:
        _post(order, state, method=gateway.payment_method, now=now)
        outcome, accepted = "posted", True
    elif state.state == CLOSED and order.status == OrderStatus.PENDING:
        _close(order, action="close", now=now, note=_("Cancelled or failed at the payment service."))
        outcome, accepted = "closed", True
    elif state.state == PENDING:
        outcome, accepted = "pending", True
    else:
        outcome, accepted = "ignored", True
    _log(
        order,
        gateway=gateway.code,
        kind=kind,
        raw=raw,
        signature_ok=True if kind == Event.NOTIFICATION else None,
        outcome=outcome,
        amount=state.amount,
        now=now,
    )
    return accepted, outcome


def receive_notification(*, gateway_code: str, data, body: bytes = b"", now: datetime | None = None) -> bool:
    """The gateway's asynchronous notification: True if it is acknowledged (acted on, or a repeat).
    `LookupError` for a gateway that is not the configured one."""
    now = now or timezone.now()
    gateway = get_gateway(gateway_code)
    raw = {str(k)[:50]: str(v)[:300] for k, v in list(data.items())[:50]}
    try:
        state = gateway.parse_notification(data, body=body)
    except InvalidSignature:
        order = PaymentOrder.objects.filter(order_no=raw.get("order_no", "")[:32]).first()
        _log(
            order,
            gateway=gateway.code,
            kind=Event.NOTIFICATION,
            raw=raw,
            signature_ok=False,
            outcome="bad_signature",
            now=now,
        )
        logger.warning("online payment: notification with a bad signature (%s)", raw.get("order_no"))
        return False
    try:
        with transaction.atomic():
            order = _lock(state.order_no)
            if order is None:
                _log(
                    None,
                    gateway=gateway.code,
                    kind=Event.NOTIFICATION,
                    raw=raw,
                    signature_ok=True,
                    outcome="unknown_order",
                    now=now,
                )
                return False
            accepted, _outcome = _apply(order, state, kind=Event.NOTIFICATION, raw=raw, now=now)
            return accepted
    except DomainError as error:
        order = PaymentOrder.objects.filter(order_no=state.order_no).first()
        _log(
            order,
            gateway=gateway.code,
            kind=Event.NOTIFICATION,
            raw=raw,
            signature_ok=True,
            outcome="post_failed",
            note=str(error.message)[:300],
            now=now,
        )
        logger.error("online payment %s could not post: %s", state.order_no, error.message)
        return False


def refresh_order(*, order: PaymentOrder, now: datetime | None = None, expire: bool = False) -> PaymentOrder:
    """Ask the gateway about a pending order (the resident's return page, the sweep) and act on the
    answer; with `expire`, an order past its expiry that is still unpaid is closed at the gateway
    and here. Returns the order as it now stands."""
    now = now or timezone.now()
    if order.status != OrderStatus.PENDING:
        return order
    gateway = get_gateway(order.gateway)
    try:
        state = gateway.query_order(order.order_no)
    except GatewayError:
        logger.warning("online payment %s: status query failed", order.order_no)
        return order
    try:
        with transaction.atomic():
            locked = _lock(order.order_no)
            if locked.status != OrderStatus.PENDING:
                return locked
            _apply(locked, state, kind=Event.QUERY, raw=dict(state.raw), now=now)
            if expire and locked.status == OrderStatus.PENDING and locked.expires_at <= now:
                gateway.close_order(locked.order_no)
                _close(locked, action="expire", now=now, note=_("Expired unpaid."))
            return locked
    except (DomainError, GatewayError) as error:
        logger.error("online payment %s: %s", order.order_no, error)
        return PaymentOrder.objects.get(pk=order.pk)


def sweep_pending_orders(*, now: datetime | None = None) -> dict[str, int]:
    """Orders left pending for more than PAYMENT_QUERY_AFTER_MINUTES: ask the gateway (a lost
    notification is only a delay) and close those past their expiry. Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.PAYMENT_QUERY_AFTER_MINUTES)
    counts = {"checked": 0, "paid": 0, "closed": 0}
    for pk in (
        PaymentOrder.objects.pending()
        .filter(created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    ):
        order = refresh_order(order=PaymentOrder.objects.get(pk=pk), now=now, expire=True)
        counts["checked"] += 1
        if order.status == OrderStatus.PAID:
            counts["paid"] += 1
        elif order.status == OrderStatus.CLOSED:
            counts["closed"] += 1
    return counts


# --- refunds ------------------------------------------------------------------------------------


@transaction.atomic
def refund_order(
    *, order: PaymentOrder, amount, reason: str, actor, now: datetime | None = None
) -> PaymentOrder:
    """Give a paid order's money back (manager). The whole order: its payment is refunded and its
    bills reopen. Part of it: from the unit's prepaid balance (what the order left there, e.g.
    bills paid at the desk meanwhile); to give back money applied to bills, refund the whole order.
    Billing's refund first, then the gateway: if the gateway refuses, nothing is kept.
    What is left of the order refunded: `refund` (the order ends refunded); less: `refund_part`."""
    now = now or timezone.now()
    order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
    # Who may refund, and whether this order can be, before anything about the request: both
    # refund actions share their permission, states and rules.
    PAYMENT_ORDER.check(order, "refund", actor, now=now)
    reason = _require_reason(reason)
    amount = clean_amount(amount)
    action = "refund" if amount == order.refundable else "refund_part"
    if amount > order.refundable:
        raise DomainError(
            _("At most %(amount)s can still be refunded.") % {"amount": order.refundable},
            code="refund_too_large",
        )
    gateway = get_gateway(order.gateway)
    sequence = order.events.filter(kind=Event.REFUND).count() + 1
    if amount == order.amount:
        refund_payment(
            payment=order.payment, actor=actor, reason=reason, refund_method=gateway.payment_method, now=now
        )
    else:
        refund_prepaid_balance(
            unit=Unit.objects.get(pk=order.unit_id),
            amount=amount,
            method=gateway.payment_method,
            actor=actor,
            reason=reason,
            idempotency_key=f"online-refund:{order.order_no}:{sequence}",
            now=now,
        )
    try:
        result = gateway.refund(
            order_no=order.order_no, refund_no=f"{order.order_no}R{sequence}", amount=amount, reason=reason
        )
    except GatewayError as error:
        raise DomainError(
            _("The payment service refused the refund; try again later."), code="gateway_error"
        ) from error
    PAYMENT_ORDER.transition(
        order,
        action,
        actor=actor,
        note=f"{result.refund_id}: {reason}",
        now=now,
        fields={"refunded_amount": order.refunded_amount + amount},
        gateway=gateway.code,
        amount=amount,
    )
    return order


def amount_due(bills: Sequence[Bill]) -> Decimal:
    return sum((b.amount - b.amount_paid for b in bills), ZERO)
