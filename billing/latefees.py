"""Late fees (滞纳金): the one rule, used by the cashier page, the bill API, the payment service and
the monthly assessment, so they can never disagree.

A bill is late from the day after its due date plus the estate's grace days. Each late day costs
the unpaid amount × the daily rate; the bill's late fees together never pass the cap (a percentage
of the bill). Days already charged (`LateFeeAccrual.through_date`) are never charged again, and a
waived (voided) late-fee bill does not use up the cap. Estates that do not charge late fees (the
default: many waive them) accrue nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, Q, Sum

from billing.models import Bill, BillingPolicy, ChargeItem, LateFeeAccrual
from servicecenter.money import ZERO, to_money


@dataclass(frozen=True)
class LateFee:
    """What a bill has accrued and not yet been charged, up to and including `through`."""

    days: int
    amount: Decimal
    start: date | None
    through: date
    base: Decimal

    @property
    def is_due(self) -> bool:
        return self.amount > 0


def charges_late_fees(policy: BillingPolicy) -> bool:
    return bool(
        policy.late_fees_enabled and policy.late_fee_daily_rate > 0 and policy.late_fee_cap_percent > 0
    )


def late_fee(
    *,
    amount: Decimal,
    outstanding: Decimal,
    due_date: date,
    policy: BillingPolicy,
    on: date,
    charged_through: date | None = None,
    charged: Decimal = ZERO,
    since: date | None = None,
) -> LateFee:
    """The late fee a bill of `amount` with `outstanding` unpaid, due on `due_date`, has accrued by
    the end of `on` and not yet been charged. `charged_through`/`charged`: the last day already
    charged and the total charged so far (toward the cap). `since`: count no day before it (the
    monthly assessment charges one month at a time)."""
    nothing = LateFee(days=0, amount=ZERO, start=None, through=on, base=outstanding)
    if not charges_late_fees(policy) or outstanding <= 0:
        return nothing
    start = due_date + timedelta(days=1 + policy.late_fee_grace_days)
    if charged_through is not None:
        start = max(start, charged_through + timedelta(days=1))
    if since is not None:
        start = max(start, since)
    days = (on - start).days + 1
    if days <= 0:
        return nothing
    fee = to_money(outstanding * policy.late_fee_daily_rate * days)
    room = to_money(amount * policy.late_fee_cap_percent / Decimal(100)) - charged
    fee = max(min(fee, room), ZERO)
    return LateFee(days=days, amount=fee, start=start, through=on, base=outstanding)


def charged_so_far(bill_ids: Iterable[int]) -> dict[int, tuple[date | None, Decimal]]:
    """Per bill: the last day already charged and the late fees charged so far (not waived)."""
    rows = (
        LateFeeAccrual.objects.filter(source_bill_id__in=list(bill_ids))
        .values("source_bill_id")
        .annotate(
            through=Max("through_date"),
            total=Sum("amount", filter=~Q(fee_bill__status=Bill.Status.VOID)),
        )
        .values_list("source_bill_id", "through", "total")
    )
    return {bill_id: (through, total or ZERO) for bill_id, through, total in rows}


def policies_for(estate_ids: Iterable[int]) -> dict[int, BillingPolicy]:
    ids = set(estate_ids)
    found = {p.estate_id: p for p in BillingPolicy.objects.filter(estate_id__in=ids)}
    return {estate_id: found.get(estate_id) or BillingPolicy(estate_id=estate_id) for estate_id in ids}


def late_fees_for(bills: Iterable[Bill], *, on: date) -> dict[int, LateFee]:
    """The accrued, not yet charged late fee of each bill on `on`: two queries for any number of
    bills (the policies and the charges so far), so a page of bills costs no N+1."""
    bills = [b for b in bills if _may_accrue(b)]
    if not bills:
        return {}
    policies = policies_for(b.estate_id for b in bills)
    if not any(charges_late_fees(p) for p in policies.values()):
        return {}
    charged = charged_so_far(b.pk for b in bills)
    result = {}
    for bill in bills:
        through, total = charged.get(bill.pk, (None, ZERO))
        result[bill.pk] = late_fee(
            amount=bill.amount,
            outstanding=bill.amount - bill.amount_paid,
            due_date=bill.due_date,
            policy=policies[bill.estate_id],
            on=on,
            charged_through=through,
            charged=total,
        )
    return result


def _may_accrue(bill: Bill) -> bool:
    # Late fees are not charged on late fees, nor on items the estate exempts (charge_item is
    # select_related by every caller that passes many bills).
    return (
        bill.status in Bill.UNPAID_STATUSES
        and bill.charge_item.late_fee_applies
        and bill.charge_item.kind != ChargeItem.Kind.LATE_FEE
    )
