"""Payments and receipts: receipt numbers, recording a payment and allocating it to the oldest bills
(late fees first), the prepaid balance and its sweep, voiding and refunding payments and refunding
the prepaid balance.

Lock order: the unit row → its bills in primary-key order → the estate's receipt counter."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.latefees import late_fees_for
from billing.models import (
    Allocation,
    Bill,
    BillEvent,
    LateFeeAccrual,
    Payment,
    PaymentMethod,
    PaymentReversal,
    PrepaidMovement,
    Receipt,
    ReceiptCounter,
)
from billing.services._common import (
    BATCH,
    BillStatus,
    PaymentStatus,
    _claim_idempotency_key,
    _fingerprint,
    _require_idempotency_key,
    _require_perm,
    _require_reason,
    _status_for,
    _transition,
    clean_amount,
    late_fee_item,
)
from billing.services.summary import refresh_unit_arrears
from billing.workflows import PAYMENT
from residents.models import Estate, Unit
from servicecenter.exceptions import DomainError, TransitionError
from servicecenter.money import ZERO, to_money
from servicecenter.periods import month_start
from servicecenter.sequences import bump_counter

# --- Receipts ---------------------------------------------------------------------------------


def issue_receipt(*, estate: Estate, kind: str, now: datetime) -> Receipt:
    """The next receipt number of the estate's year, e.g. LJY-2025-000123. Must run inside the
    transaction that records the money: the counter row stays locked until it commits, and a
    rollback gives the number back, so the sequence has no gaps."""
    year = timezone.localdate(now).year
    sequence = bump_counter(ReceiptCounter, estate_id=estate.pk, year=year)
    return Receipt.objects.create(
        estate=estate,
        year=year,
        sequence=sequence,
        number=f"{estate.code}-{year}-{sequence:06d}",
        kind=kind,
        issued_at=now,
    )


# --- Payments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentOutcome:
    payment: Payment
    created: bool


def prepaid_balance(unit_id: int) -> Decimal:
    return to_money(
        PrepaidMovement.objects.filter(unit_id=unit_id).aggregate(total=Sum("amount"))["total"] or ZERO
    )


def _oldest_first(bills: Iterable[Bill]) -> list[Bill]:
    return sorted(bills, key=lambda b: (b.due_date, b.period, b.pk))


def _apply_to_bills(
    *, payment: Payment, bills: Sequence[Bill], amount: Decimal, actor, now: datetime
) -> tuple[Decimal, list[Allocation], list[BillEvent]]:
    """Allocate `amount` over locked `bills` in order; return what is left over and the rows to save.
    The bills' paid totals and statuses are updated on the instances."""
    remaining = amount
    allocations: list[Allocation] = []
    events: list[BillEvent] = []
    for bill in bills:
        if remaining <= 0:
            break
        share = min(remaining, bill.amount - bill.amount_paid)
        if share <= 0:
            continue
        allocations.append(
            Allocation(estate_id=bill.estate_id, payment=payment, bill=bill, amount=share, created_at=now)
        )
        bill.amount_paid += share
        event = _transition(bill, _status_for(bill.amount, bill.amount_paid), actor=actor, now=now)
        if event:
            events.append(event)
        remaining -= share
    return remaining, allocations, events


@transaction.atomic
def record_payment(
    *,
    unit: Unit,
    amount,
    method: str,
    actor,
    idempotency_key: str,
    bill_ids: Sequence[int] | None = None,
    payer_name: str = "",
    reference: str = "",
    note: str = "",
    now: datetime | None = None,
) -> PaymentOutcome:
    """Take a payment for a unit and allocate it: to the picked bills, or oldest first; anything
    left over goes to the unit's prepaid balance.

    The `idempotency_key` is required (a request without one is refused): the same request twice
    records one payment and returns it both times; the same key with a different request is refused.

    Late fees: paying an overdue bill of an estate that charges them first charges what the bill
    has accrued up to today (`latefees.late_fee`) as a late-fee bill of its own, placed right after
    the overdue bill, so the payment settles the bill, then its late fee, then the next bill. A
    payment too small to reach the late-fee bill leaves it owed (the cashier page shows it before
    the money is taken); the manager may waive it (`waive_late_fee`). Concurrent payments on the same unit
    are serialised by the unit's row lock and never over-allocate a bill (the bills are locked too,
    and the database refuses paid > amount).
    """
    now = now or timezone.now()
    amount = clean_amount(amount)
    if method not in PaymentMethod.values:
        raise DomainError(_("Choose a payment method."), code="invalid_method")
    picked = sorted({int(pk) for pk in bill_ids}) if bill_ids else []
    estate = Estate.objects.get(pk=unit.estate_id)

    key = _require_idempotency_key(idempotency_key)
    fingerprint = _fingerprint(
        op="payment",
        unit=unit.pk,
        amount=str(amount),
        method=method,
        bills=picked,
        payer_name=payer_name,
        reference=reference,
        note=note,
    )
    record, earlier = _claim_idempotency_key(
        estate=estate, key=key, fingerprint=fingerprint, actor=actor, result="payment"
    )
    if earlier is not None:
        return PaymentOutcome(payment=earlier, created=False)

    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    # of=("self",): lock the bills, not the charge items read along (late fees need them).
    bills = Bill.objects.select_for_update(of=("self",)).select_related("charge_item")
    unpaid = bills.filter(unit=unit, status__in=Bill.UNPAID_STATUSES)
    if picked:
        locked = list(bills.filter(unit=unit, pk__in=picked).order_by("pk"))
        if len(locked) != len(picked):
            raise DomainError(_("Some of the chosen bills do not belong to this unit."), code="invalid_bills")
        not_payable = [b for b in locked if b.status not in Bill.UNPAID_STATUSES]
        if not_payable:
            raise DomainError(
                _("These bills are no longer open: %(bills)s.")
                % {"bills": ", ".join(str(b) for b in not_payable)},
                code="bills_not_open",
            )
        targets = _oldest_first(locked)
    else:
        targets = _oldest_first(unpaid.order_by("pk"))

    if method == PaymentMethod.PREPAID:
        balance = prepaid_balance(unit.pk)
        if amount > balance:
            raise DomainError(
                _("The prepaid balance is %(balance)s, less than %(amount)s.")
                % {"balance": balance, "amount": amount},
                code="insufficient_prepaid_balance",
            )
        if amount > sum((b.amount - b.amount_paid for b in targets), ZERO):
            raise DomainError(
                _("Paying from the prepaid balance cannot be more than the open bills."),
                code="prepaid_overpayment",
            )

    receipt = (
        None
        if method == PaymentMethod.PREPAID
        else issue_receipt(estate=estate, kind=Receipt.Kind.PAYMENT, now=now)
    )
    payment = Payment.objects.create(
        estate=estate,
        unit=unit,
        amount=amount,
        method=method,
        receipt=receipt,
        payer_name=payer_name[:100],
        reference=reference[:100],
        note=note[:300],
        received_at=now,
        received_by=actor,
    )
    targets = _with_late_fees(targets, amount=amount, estate=estate, actor=actor, now=now)
    left, allocations, events = _apply_to_bills(
        payment=payment, bills=targets, amount=amount, actor=actor, now=now
    )
    _save_allocations(allocations, events)
    movements = []
    if method == PaymentMethod.PREPAID:
        movements.append(
            PrepaidMovement(
                estate=estate,
                unit=unit,
                kind=PrepaidMovement.Kind.APPLIED,
                amount=-amount,
                payment=payment,
                actor=actor,
                created_at=now,
            )
        )
    elif left > 0:
        movements.append(
            PrepaidMovement(
                estate=estate,
                unit=unit,
                kind=PrepaidMovement.Kind.OVERPAYMENT,
                amount=left,
                payment=payment,
                actor=actor,
                created_at=now,
            )
        )
    PrepaidMovement.objects.bulk_create(movements)
    refresh_unit_arrears([unit.pk], now=now)
    if record is not None:
        record.payment = payment
        record.save(update_fields=["payment"])
    return PaymentOutcome(payment=payment, created=True)


def _with_late_fees(
    targets: Sequence[Bill], *, amount: Decimal, estate: Estate, actor, now: datetime
) -> list[Bill]:
    """`targets` with a late-fee bill placed after each overdue bill this payment reaches: what
    the bill accrued up to today and was not charged yet. Bills the payment does not reach are
    left to the next payment or the monthly assessment."""
    today = timezone.localdate(now)
    fees = late_fees_for([b for b in targets if b.due_date < today], on=today)
    if not any(fee.is_due for fee in fees.values()):
        return list(targets)
    item = late_fee_item(estate)
    ordered: list[Bill] = []
    remaining = amount
    for bill in targets:
        ordered.append(bill)
        if remaining <= 0:
            continue
        remaining -= bill.amount - bill.amount_paid
        fee = fees.get(bill.pk)
        if fee is None or not fee.is_due:
            continue
        fee_bill = Bill.objects.create(
            estate_id=bill.estate_id,
            unit_id=bill.unit_id,
            charge_item=item,
            period=month_start(today),
            is_recurring=False,
            description=(_("Late fee on %(bill)s: %(days)s days") % {"bill": bill, "days": fee.days})[:200],
            quantity=Decimal(fee.days),
            amount=fee.amount,
            issue_date=today,
            due_date=today,
            source_reference=f"late_fee:{bill.pk}:{today:%Y%m%d}",
            created_by=actor,
        )
        LateFeeAccrual.objects.create(
            source_bill=bill,
            fee_bill=fee_bill,
            period=month_start(today),
            through_date=fee.through,
            days=fee.days,
            base_amount=fee.base,
            amount=fee.amount,
        )
        ordered.append(fee_bill)
        remaining -= fee_bill.amount
    return ordered


def _save_allocations(allocations: list[Allocation], events: list[BillEvent]) -> None:
    if not allocations:
        return
    Allocation.objects.bulk_create(allocations, batch_size=BATCH)
    _save_bill_totals([a.bill for a in allocations])
    BillEvent.objects.bulk_create(events, batch_size=BATCH)


def _save_bill_totals(bills: Sequence[Bill]) -> None:
    """Write the locked bills' new paid totals and statuses: one UPDATE for all the bills now paid
    in full (paid = amount), one per distinct (paid, status) for the rest."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for bill in bills:
        key = ("full", bill.status) if bill.amount_paid == bill.amount else (bill.amount_paid, bill.status)
        groups[key].append(bill.pk)
    for (paid, status), pks in groups.items():
        for start in range(0, len(pks), BATCH):
            Bill.objects.filter(pk__in=pks[start : start + BATCH]).update(
                amount_paid=F("amount") if paid == "full" else paid, status=status
            )


def apply_prepaid_balances(
    *, estate: Estate, actor=None, unit_ids: Sequence[int] | None = None, now=None
) -> int:
    """Spend positive prepaid balances on the units' open bills, oldest first (after each month's
    bills are issued, and after an overpayment when older bills are open). Batched for the whole
    estate: one prepaid payment per unit, no receipt (no money moves). Returns the units served.
    It charges no late fee itself: it runs right after the month's assessment has charged them."""
    now = now or timezone.now()
    balances_qs = PrepaidMovement.objects.filter(estate=estate)
    if unit_ids is not None:
        balances_qs = balances_qs.filter(unit_id__in=list(unit_ids))

    def positive_balances() -> dict[int, Decimal]:
        return dict(
            balances_qs.values("unit_id")
            .annotate(total=Sum("amount"))
            .filter(total__gt=0)
            .values_list("unit_id", "total")
        )

    candidates = positive_balances()
    if not candidates:
        return 0
    with transaction.atomic():
        list(
            Unit.objects.select_for_update()
            .filter(pk__in=sorted(candidates))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        balances = positive_balances()  # re-read under the locks
        bills_by_unit: dict[int, list[Bill]] = defaultdict(list)
        for bill in (
            Bill.objects.select_for_update()
            .filter(unit_id__in=list(balances), status__in=Bill.UNPAID_STATUSES)
            .order_by("pk")
        ):
            bills_by_unit[bill.unit_id].append(bill)
        plans = []
        for unit_id, bills in bills_by_unit.items():
            bills = _oldest_first(bills)
            spend = min(balances[unit_id], sum((b.amount - b.amount_paid for b in bills), ZERO))
            if spend > 0:
                plans.append((unit_id, bills, spend))
        if not plans:
            return 0
        payments = Payment.objects.bulk_create(
            [
                Payment(
                    estate=estate,
                    unit_id=unit_id,
                    amount=spend,
                    method=PaymentMethod.PREPAID,
                    note=_("Prepaid balance applied to new bills"),
                    received_at=now,
                    received_by=actor,
                )
                for unit_id, _bills, spend in plans
            ],
            batch_size=BATCH,
        )
        allocations: list[Allocation] = []
        events: list[BillEvent] = []
        movements: list[PrepaidMovement] = []
        for payment, (unit_id, bills, spend) in zip(payments, plans, strict=True):
            _left, rows, changes = _apply_to_bills(
                payment=payment, bills=bills, amount=spend, actor=actor, now=now
            )
            allocations.extend(rows)
            events.extend(changes)
            movements.append(
                PrepaidMovement(
                    estate=estate,
                    unit_id=unit_id,
                    kind=PrepaidMovement.Kind.APPLIED,
                    amount=-spend,
                    payment=payment,
                    actor=actor,
                    created_at=now,
                )
            )
        _save_allocations(allocations, events)
        PrepaidMovement.objects.bulk_create(movements, batch_size=BATCH)
        refresh_unit_arrears([unit_id for unit_id, _bills, _spend in plans], now=now)
    return len(plans)


def _reverse_payment(
    *, payment: Payment, kind: str, actor, reason: str, now: datetime, refund_method: str = ""
) -> PaymentReversal:
    Unit.objects.select_for_update().filter(pk=payment.unit_id).first()
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    action = "void" if kind == PaymentReversal.Kind.VOID else "refund"
    PAYMENT.check(payment, action, actor, now=now)
    allocations = list(payment.allocations.all())
    bills = {
        b.pk: b
        for b in Bill.objects.select_for_update()
        .filter(pk__in=[a.bill_id for a in allocations])
        .order_by("pk")
    }
    events = []
    for allocation in allocations:
        bill = bills[allocation.bill_id]
        bill.amount_paid -= allocation.amount
        if bill.status in (BillStatus.OPEN, BillStatus.PARTIALLY_PAID, BillStatus.PAID):
            event = _transition(
                bill, _status_for(bill.amount, bill.amount_paid), actor=actor, now=now, note=reason
            )
            if event:
                events.append(event)
    if payment.method == PaymentMethod.PREPAID:
        back = PrepaidMovement(
            estate_id=payment.estate_id,
            unit_id=payment.unit_id,
            kind=PrepaidMovement.Kind.REVERSAL,
            amount=payment.amount,
            payment=payment,
            actor=actor,
            note=reason,
            created_at=now,
        )
    else:
        credited = (
            PrepaidMovement.objects.filter(payment=payment, kind=PrepaidMovement.Kind.OVERPAYMENT).aggregate(
                t=Sum("amount")
            )["t"]
            or ZERO
        )
        back = None
        if credited > 0:
            if prepaid_balance(payment.unit_id) < credited:
                raise DomainError(
                    _(
                        "Part of this payment went to the prepaid balance and has since been spent; reverse those payments first."
                    ),
                    code="prepaid_already_spent",
                )
            back = PrepaidMovement(
                estate_id=payment.estate_id,
                unit_id=payment.unit_id,
                kind=PrepaidMovement.Kind.REVERSAL,
                amount=-credited,
                payment=payment,
                actor=actor,
                note=reason,
                created_at=now,
            )
    if back is not None:
        back.save()
    _save_bill_totals(list(bills.values()))
    BillEvent.objects.bulk_create(events)
    refresh_unit_arrears([payment.unit_id], now=now)
    source = payment.get_status_display()
    try:
        with transaction.atomic():
            # The status and the reversal (the payment's event row), through the workflow.
            reversal = PAYMENT.transition(
                payment, action, actor=actor, note=reason, now=now, refund_method=refund_method
            )
    except IntegrityError as exc:  # pragma: no cover - the row lock above makes this unreachable
        raise TransitionError(source, PaymentStatus(PAYMENT.action(action).target).label) from exc
    return reversal


@transaction.atomic
def void_payment(*, payment: Payment, actor, reason: str, now: datetime | None = None) -> PaymentReversal:
    """Cancel a payment taken in error, on the same day: its allocations stop counting, the bills
    reopen, the receipt is kept and shown as void (the sequence has no gaps)."""
    now = now or timezone.now()
    PAYMENT.check(payment, "void", actor, now=now)
    reason = _require_reason(reason)
    return _reverse_payment(
        payment=payment, kind=PaymentReversal.Kind.VOID, actor=actor, reason=reason, now=now
    )


@transaction.atomic
def refund_payment(
    *, payment: Payment, actor, reason: str, refund_method: str | None = None, now: datetime | None = None
) -> PaymentReversal:
    """Give a payment's money back (any day): its allocations stop counting and the bills reopen."""
    now = now or timezone.now()
    PAYMENT.check(payment, "refund", actor, now=now)
    reason = _require_reason(reason)
    refund_method = refund_method or payment.method
    if refund_method not in PaymentMethod.values or refund_method == PaymentMethod.PREPAID:
        raise DomainError(_("Choose how the money is given back."), code="invalid_method")
    return _reverse_payment(
        payment=payment,
        kind=PaymentReversal.Kind.REFUND,
        actor=actor,
        reason=reason,
        now=now,
        refund_method=refund_method,
    )


@transaction.atomic
def refund_prepaid_balance(
    *,
    unit: Unit,
    amount,
    method: str,
    actor,
    reason: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> PrepaidMovement:
    """Pay out (part of) a unit's prepaid balance, e.g. when the owner sells and leaves. The
    idempotency key is required: a retried request pays out once."""
    _require_perm(actor, "billing.refund_payment", _("You are not allowed to refund payments."))
    amount = clean_amount(amount)
    reason = _require_reason(reason)
    if method not in PaymentMethod.values or method == PaymentMethod.PREPAID:
        raise DomainError(_("Choose how the money is given back."), code="invalid_method")
    record, earlier = _claim_idempotency_key(
        estate=Estate.objects.get(pk=unit.estate_id),
        key=_require_idempotency_key(idempotency_key),
        fingerprint=_fingerprint(op="prepaid_refund", unit=unit.pk, amount=str(amount), method=method),
        actor=actor,
        result="prepaid_movement",
    )
    if earlier is not None:
        return earlier
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    balance = prepaid_balance(unit.pk)
    if amount > balance:
        raise DomainError(
            _("The prepaid balance is %(balance)s, less than %(amount)s.")
            % {"balance": balance, "amount": amount},
            code="insufficient_prepaid_balance",
        )
    movement = PrepaidMovement.objects.create(
        estate_id=unit.estate_id,
        unit=unit,
        kind=PrepaidMovement.Kind.REFUND,
        amount=-amount,
        refund_method=method,
        note=reason,
        actor=actor,
        created_at=now or timezone.now(),
    )
    record.prepaid_movement = movement
    record.save(update_fields=["prepaid_movement"])
    return movement
