"""Deposits: receiving one, and refunding it less deductions (billed as a deduction bill)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    Bill,
    BillEvent,
    ChargeItem,
    DepositAccount,
    DepositMovement,
    PaymentMethod,
    Receipt,
)
from billing.services._common import (
    BillStatus,
    _claim_idempotency_key,
    _fingerprint,
    _require_idempotency_key,
    _require_perm,
    _require_reason,
    clean_amount,
)
from billing.services.payments import issue_receipt
from residents.models import Estate, Unit
from servicecenter.exceptions import DomainError
from servicecenter.money import ZERO, to_money
from servicecenter.periods import month_start

# --- Deposits ---------------------------------------------------------------------------------


def deposit_balance(account: DepositAccount) -> Decimal:
    rows = DepositMovement.objects.filter(account=account).values("kind").annotate(total=Sum("amount"))
    totals = {row["kind"]: to_money(row["total"]) for row in rows}
    return totals.get(DepositMovement.Kind.RECEIVED, ZERO) - sum(
        (totals.get(k, ZERO) for k in (DepositMovement.Kind.DEDUCTION, DepositMovement.Kind.REFUND)), ZERO
    )


@transaction.atomic
def receive_deposit(
    *,
    unit: Unit,
    purpose: str,
    amount,
    method: str,
    actor,
    idempotency_key: str,
    reference: str = "",
    note: str = "",
    now: datetime | None = None,
    paid_online: bool = False,
) -> DepositMovement:
    """Take a deposit (e.g. 装修押金 for renovation 12: purpose="renovation", reference="renovation:12").
    It is held in the deposit ledger, apart from fee revenue, and gets its own receipt. The
    idempotency key is required: the same request twice (a double submit) gives one receipt."""
    now = now or timezone.now()
    if not paid_online:
        # Paid online, the payer is the actor and the gateway's signed notification the authority.
        _require_perm(actor, "billing.manage_deposits", _("You are not allowed to take deposits."))
    amount = clean_amount(amount)
    if purpose not in DepositAccount.Purpose.values:
        raise DomainError(_("Unknown deposit purpose."))
    if method not in PaymentMethod.values or method == PaymentMethod.PREPAID:
        raise DomainError(_("Choose a payment method."), code="invalid_method")
    estate = Estate.objects.get(pk=unit.estate_id)
    record, earlier = _claim_idempotency_key(
        estate=estate,
        key=_require_idempotency_key(idempotency_key),
        fingerprint=_fingerprint(
            op="deposit",
            unit=unit.pk,
            purpose=purpose,
            amount=str(amount),
            method=method,
            reference=reference,
        ),
        actor=actor,
        result="deposit_movement",
    )
    if earlier is not None:
        return earlier
    DepositAccount.objects.bulk_create(
        [
            DepositAccount(
                estate_id=unit.estate_id, unit=unit, purpose=purpose, reference=reference, created_at=now
            )
        ],
        ignore_conflicts=True,
    )
    account = DepositAccount.objects.select_for_update().get(unit=unit, purpose=purpose, reference=reference)
    if account.movements.filter(kind=DepositMovement.Kind.REFUND).exists():
        raise DomainError(_("This deposit has already been refunded; open a new one."))
    receipt = issue_receipt(estate=estate, kind=Receipt.Kind.DEPOSIT, now=now)
    movement = DepositMovement.objects.create(
        estate_id=unit.estate_id,
        account=account,
        kind=DepositMovement.Kind.RECEIVED,
        amount=amount,
        method=method,
        reason=note[:300],
        receipt=receipt,
        actor=actor,
        created_at=now,
    )
    record.deposit_movement = movement
    record.save(update_fields=["deposit_movement"])
    return movement


@dataclass(frozen=True)
class DepositSettlement:
    account: DepositAccount
    deductions: list[DepositMovement]
    refund: DepositMovement | None

    @property
    def refunded_amount(self) -> Decimal:
        return self.refund.amount if self.refund else ZERO


def deposit_deduction_item(estate_id: int) -> ChargeItem:
    ChargeItem.objects.bulk_create(
        [
            ChargeItem(
                estate_id=estate_id,
                code="deposit_deduction",
                name=str(ChargeItem.Kind.DEPOSIT_DEDUCTION.label),
                kind=ChargeItem.Kind.DEPOSIT_DEDUCTION,
                basis=ChargeItem.Basis.ONE_OFF,
                late_fee_applies=False,
                sort_order=95,
            )
        ],
        ignore_conflicts=True,
    )
    return ChargeItem.objects.get(estate_id=estate_id, code="deposit_deduction")


def _deduction_bill(
    *, account: DepositAccount, amount: Decimal, reason: str, index: int, actor, now: datetime
) -> Bill:
    """A deduction is revenue (repairing the damaged corridor is paid for by the deposit): a
    one-off bill on the deposit-deduction item, settled at once by the money already held."""
    today = timezone.localdate(now)
    bill = Bill.objects.create(
        estate_id=account.estate_id,
        unit_id=account.unit_id,
        charge_item=deposit_deduction_item(account.estate_id),
        period=month_start(today),
        is_recurring=False,
        description=reason[:200],
        quantity=Decimal(1),
        rate=amount,
        amount=amount,
        amount_paid=amount,
        status=BillStatus.PAID,
        issue_date=today,
        due_date=today,
        source_reference=f"deposit:{account.pk}:deduction:{index}",
        created_by=actor,
    )
    BillEvent.objects.create(
        bill=bill,
        from_status=BillStatus.OPEN,
        to_status=BillStatus.PAID,
        actor=actor,
        note=_("Settled from the deposit"),
        created_at=now,
    )
    return bill


@transaction.atomic
def refund_deposit(
    *,
    account: DepositAccount,
    actor,
    method: str,
    idempotency_key: str,
    deductions: Sequence[tuple[object, str]] = (),
    now: datetime | None = None,
) -> DepositSettlement:
    """Settle a deposit: record each deduction (amount, reason) as revenue on the estate's
    deposit-deduction item and give back the rest. Once only (a DB constraint); the idempotency key
    is required, so a retried request gets the first settlement back."""
    now = now or timezone.now()
    _require_perm(actor, "billing.manage_deposits", _("You are not allowed to refund deposits."))
    if method not in PaymentMethod.values or method == PaymentMethod.PREPAID:
        raise DomainError(_("Choose how the money is given back."), code="invalid_method")
    cleaned = []
    for raw_amount, reason in deductions:
        cleaned.append((clean_amount(raw_amount), _require_reason(reason)))
    estate = Estate.objects.get(pk=account.estate_id)
    record, earlier = _claim_idempotency_key(
        estate=estate,
        key=_require_idempotency_key(idempotency_key),
        fingerprint=_fingerprint(
            op="deposit_refund",
            account=account.pk,
            method=method,
            deductions=[(str(a), r) for a, r in cleaned],
        ),
        actor=actor,
        result="deposit_movement",
    )
    if earlier is not None:
        return _settlement_of(earlier.account)
    account = DepositAccount.objects.select_for_update().get(pk=account.pk)
    balance = deposit_balance(account)
    if balance <= 0:
        raise DomainError(_("Nothing is held on this deposit."), code="deposit_empty")
    total_deducted = sum((a for a, _r in cleaned), ZERO)
    if total_deducted > balance:
        raise DomainError(
            _("Deductions of %(deducted)s are more than the %(held)s held.")
            % {"deducted": total_deducted, "held": balance},
            code="deductions_exceed_deposit",
        )
    rows = [
        DepositMovement.objects.create(
            estate_id=account.estate_id,
            account=account,
            kind=DepositMovement.Kind.DEDUCTION,
            amount=a,
            reason=r,
            bill=_deduction_bill(account=account, amount=a, reason=r, index=index, actor=actor, now=now),
            actor=actor,
            created_at=now,
        )
        for index, (a, r) in enumerate(cleaned, start=1)
    ]
    refund = None
    if balance - total_deducted > 0:
        receipt_free_refund = DepositMovement(
            estate_id=account.estate_id,
            account=account,
            kind=DepositMovement.Kind.REFUND,
            amount=balance - total_deducted,
            method=method,
            actor=actor,
            created_at=now,
        )
        try:
            with transaction.atomic():
                receipt_free_refund.save()
        except IntegrityError as exc:  # pragma: no cover - guarded by the account lock
            raise DomainError(_("This deposit has already been refunded.")) from exc
        refund = receipt_free_refund
    last = refund or (rows[-1] if rows else None)
    if last is not None:
        record.deposit_movement = last
        record.save(update_fields=["deposit_movement"])
    return DepositSettlement(account=account, deductions=rows, refund=refund)


def _settlement_of(account: DepositAccount) -> DepositSettlement:
    movements = list(account.movements.exclude(kind=DepositMovement.Kind.RECEIVED).order_by("pk"))
    return DepositSettlement(
        account=account,
        deductions=[m for m in movements if m.kind == DepositMovement.Kind.DEDUCTION],
        refund=next((m for m in movements if m.kind == DepositMovement.Kind.REFUND), None),
    )
