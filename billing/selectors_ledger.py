"""The ledger check (issue #16): after a load, or any night, the money tables agree with each other.

What the services guarantee, read back from the database with a fixed number of aggregate
queries whatever the number of rows (`check_ledger` prints it):

- every payment's allocations plus what it credited to the prepaid balance (an overpayment) sum to
  its amount. A voided or refunded payment keeps its allocations (the ledger only grows: the
  reversal row says they no longer count), so the sum holds for it too; its reversal is for the
  whole amount and its status says it was reversed;
- no bill is allocated more than its amount by the payments that still count (those without a
  reversal), and its stored `amount_paid` (the cache the reports read) equals that sum;
- receipt numbers run 1, 2, 3 … per estate and year (the scope of `ReceiptCounter`), without a
  gap or a repeat, up to the counter's last number; each receipt stands for money of its kind
  (a payment's receipt is on exactly one payment, a deposit's on one deposit movement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Lead

from billing.models import (
    MONEY,
    Allocation,
    Bill,
    DepositMovement,
    Payment,
    PaymentReversal,
    PrepaidMovement,
    Receipt,
    ReceiptCounter,
)

ZERO_MONEY = Value(Decimal("0.00"), output_field=DecimalField(**MONEY))


@dataclass
class CheckSection:
    """One kind of difference: how many, and the first few described."""

    title: str
    count: int = 0
    shown: list[str] = field(default_factory=list)
    # Details of differences another section already counts (the gaps of a series found wrong).
    is_detail: bool = False


@dataclass
class LedgerCheck:
    sections: list[CheckSection]

    @property
    def differences(self) -> int:
        return sum(section.count for section in self.sections if not section.is_detail)


def _scoped(qs: QuerySet, estate_ids: Sequence[int] | None, lookup: str = "estate_id__in") -> QuerySet:
    return qs.filter(**{lookup: list(estate_ids)}) if estate_ids else qs


def _sum_of(rows: QuerySet, group: str) -> Coalesce:
    """The sum of `amount` over the rows correlated to the outer row by `group` (0 when none)."""
    total = rows.order_by().values(group).annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=DecimalField(**MONEY)), ZERO_MONEY)


def _section(title: str, qs: QuerySet, describe, show: int, *, is_detail: bool = False) -> CheckSection:
    """Count the rows of `qs` (one query) and describe the first `show` (one more, when any)."""
    count = qs.count()
    shown = [describe(row) for row in qs[:show]] if count and show > 0 else []
    return CheckSection(title=title, count=count, shown=shown, is_detail=is_detail)


# --- payments -----------------------------------------------------------------------------------


def payments_not_allocated_in_full(estate_ids: Sequence[int] | None = None) -> QuerySet:
    """Payments whose allocations plus the overpayment credited to the prepaid balance differ from
    the payment's amount."""
    return (
        _scoped(Payment.objects.all(), estate_ids)
        .annotate(
            allocated=_sum_of(Allocation.objects.filter(payment=OuterRef("pk")), "payment"),
            credited=_sum_of(
                PrepaidMovement.objects.filter(payment=OuterRef("pk"), kind=PrepaidMovement.Kind.OVERPAYMENT),
                "payment",
            ),
        )
        .exclude(amount=F("allocated") + F("credited"))
        .order_by("pk")
        .values("pk", "estate_id", "amount", "allocated", "credited")
    )


def payments_reversed_wrongly(estate_ids: Sequence[int] | None = None) -> QuerySet:
    """Payments whose status and reversal row disagree: posted yet reversed, voided or refunded
    without a reversal, or a reversal of another amount than the payment's (reversals are whole)."""
    return (
        _scoped(Payment.objects.all(), estate_ids)
        .filter(
            Q(status=Payment.Status.POSTED, reversal__isnull=False)
            | (~Q(status=Payment.Status.POSTED) & Q(reversal__isnull=True))
            | (Q(reversal__isnull=False) & ~Q(reversal__amount=F("amount")))
        )
        .order_by("pk")
        .values("pk", "estate_id", "status", "amount", "reversal__kind", "reversal__amount")
    )


# --- bills --------------------------------------------------------------------------------------


def _with_effective_allocations(estate_ids: Sequence[int] | None) -> QuerySet:
    """Each bill with `allocated`: what settles it, the allocations of payments that still count
    plus a deposit deduction (a deduction's revenue bill is settled by the money held, with no
    payment of its own: billing.services.deposits)."""
    effective = Allocation.objects.filter(bill=OuterRef("pk")).filter(
        ~Exists(PaymentReversal.objects.filter(payment=OuterRef("payment")))
    )
    deducted = DepositMovement.objects.filter(bill=OuterRef("pk"), kind=DepositMovement.Kind.DEDUCTION)
    return _scoped(Bill.objects.all(), estate_ids).annotate(
        allocated=_sum_of(effective, "bill") + _sum_of(deducted, "bill")
    )


def bills_over_allocated(estate_ids: Sequence[int] | None = None) -> QuerySet:
    """Bills whose payments that still count are allocated more than the bill's amount."""
    return (
        _with_effective_allocations(estate_ids)
        .filter(allocated__gt=F("amount"))
        .order_by("pk")
        .values("pk", "estate_id", "status", "amount", "allocated")
    )


def bills_paid_total_differs(estate_ids: Sequence[int] | None = None) -> QuerySet:
    """Bills whose stored paid total is not the sum of the allocations that still count."""
    return (
        _with_effective_allocations(estate_ids)
        .exclude(amount_paid=F("allocated"))
        .order_by("pk")
        .values("pk", "estate_id", "status", "amount_paid", "allocated")
    )


# --- receipts -----------------------------------------------------------------------------------


def receipt_series_differences(estate_ids: Sequence[int] | None = None) -> QuerySet:
    """Per estate and year (the counter's scope), the series that are not exactly 1 … the
    counter's last number once each: `numbers` receipts, `distinct` sequences, `low`–`high`."""
    counter = ReceiptCounter.objects.filter(estate_id=OuterRef("estate_id"), year=OuterRef("year")).values(
        "last_number"
    )[:1]
    return (
        _scoped(Receipt.objects.all(), estate_ids)
        .order_by()
        .values("estate_id", "year")
        .annotate(
            numbers=Count("pk"),
            distinct=Count("sequence", distinct=True),
            low=Min("sequence"),
            high=Max("sequence"),
            counter=Coalesce(Subquery(counter), Value(0)),
        )
        .filter(~Q(numbers=F("distinct")) | ~Q(high=F("distinct")) | ~Q(counter=F("high")))
        .order_by("estate_id", "year")
    )


def receipt_gaps(estate_ids: Sequence[int] | None = None) -> QuerySet:
    """The receipts followed, in their estate's and year's series, by a number higher than the next:
    the numbers between are missing (a gap before the first number or after the last is in
    `receipt_series_differences`)."""
    return (
        _scoped(Receipt.objects.all(), estate_ids)
        .annotate(
            following=Window(
                Lead("sequence"), partition_by=[F("estate_id"), F("year")], order_by=F("sequence").asc()
            )
        )
        .filter(following__gt=F("sequence") + 1)
        .order_by("estate_id", "year", "sequence")
        .values("estate_id", "year", "sequence", "following")
    )


def receipt_duplicates(estate_ids: Sequence[int] | None = None) -> QuerySet:
    """Sequence numbers given twice in an estate's year (the unique constraint forbids it; a copy
    restored without it would not)."""
    return (
        _scoped(Receipt.objects.all(), estate_ids)
        .order_by()
        .values("estate_id", "year", "sequence")
        .annotate(times=Count("pk"))
        .filter(times__gt=1)
        .order_by("estate_id", "year", "sequence")
    )


def receipts_not_matching_money(estate_ids: Sequence[int] | None = None) -> QuerySet:
    """Receipts that do not stand for exactly one record of money of their kind: unused (a number
    given out with nothing behind it is a gap on paper), or used by a payment and a deposit."""
    payment = Exists(Payment.objects.filter(receipt=OuterRef("pk")))
    deposit = Exists(DepositMovement.objects.filter(receipt=OuterRef("pk")))
    return (
        _scoped(Receipt.objects.all(), estate_ids)
        .annotate(has_payment=payment, has_deposit=deposit)
        .filter(
            Q(has_payment=True, has_deposit=True)
            | Q(kind=Receipt.Kind.PAYMENT, has_payment=False)
            | Q(kind=Receipt.Kind.DEPOSIT, has_deposit=False)
        )
        .order_by("pk")
        .values("pk", "number", "kind", "has_payment", "has_deposit")
    )


# --- the whole check ----------------------------------------------------------------------------


def _describe_series(row: dict) -> str:
    problems = []
    if row["numbers"] != row["distinct"]:
        problems.append(f"{row['numbers'] - row['distinct']} repeated")
    if row["low"] > 1:
        problems.append(f"1–{row['low'] - 1} missing")
    missing = row["high"] - row["distinct"]
    if missing > 0:
        problems.append(f"{missing} missing between {row['low']} and {row['high']}")
    if row["counter"] < row["high"]:
        problems.append(
            f"counter at {row['counter']} below the highest number {row['high']}: "
            f"the next receipt would repeat {row['counter'] + 1}"
        )
    elif row["counter"] > row["high"]:
        problems.append(
            f"counter at {row['counter']}: {_range(row['high'] + 1, row['counter'])} issued but missing"
        )
    return f"estate {row['estate_id']} {row['year']}: {row['distinct']} numbers, " + "; ".join(problems)


def _m(value) -> str:
    """An amount as money (SQLite returns sums without their places)."""
    return f"{Decimal(value):.2f}"


def _range(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def check_ledger(*, estate_ids: Sequence[int] | None = None, show: int = 20) -> LedgerCheck:
    """Run every ledger check (two queries per kind of difference when there is one, one when
    there is none) and describe the first `show` differences of each kind."""
    sections = [
        _section(
            "payments whose allocations do not sum to the amount",
            payments_not_allocated_in_full(estate_ids),
            lambda r: (
                f"payment {r['pk']} (estate {r['estate_id']}): amount {_m(r['amount'])} ≠ allocated "
                f"{_m(r['allocated'])} + credited to the prepaid balance {_m(r['credited'])}"
            ),
            show,
        ),
        _section(
            "payments whose status and reversal disagree",
            payments_reversed_wrongly(estate_ids),
            lambda r: (
                f"payment {r['pk']} (estate {r['estate_id']}): status {r['status']}, amount {_m(r['amount'])}, "
                + (
                    f"{r['reversal__kind']} of {_m(r['reversal__amount'])}"
                    if r["reversal__kind"]
                    else "no reversal"
                )
            ),
            show,
        ),
        _section(
            "bills allocated more than their amount",
            bills_over_allocated(estate_ids),
            lambda r: (
                f"bill {r['pk']} (estate {r['estate_id']}, {r['status']}): allocated {_m(r['allocated'])} "
                f"> amount {_m(r['amount'])}"
            ),
            show,
        ),
        _section(
            "bills whose paid total differs from their allocations",
            bills_paid_total_differs(estate_ids),
            lambda r: (
                f"bill {r['pk']} (estate {r['estate_id']}, {r['status']}): paid {_m(r['amount_paid'])} "
                f"≠ allocated {_m(r['allocated'])}"
            ),
            show,
        ),
        _section(
            "receipt series with gaps or repeats",
            receipt_series_differences(estate_ids),
            _describe_series,
            show,
        ),
        _section(
            "receipt numbers missing inside a series",
            receipt_gaps(estate_ids),
            lambda r: (
                f"estate {r['estate_id']} {r['year']}: "
                f"{_range(r['sequence'] + 1, r['following'] - 1)} missing after {r['sequence']}"
            ),
            show,
            is_detail=True,
        ),
        _section(
            "receipt numbers given twice",
            receipt_duplicates(estate_ids),
            lambda r: f"estate {r['estate_id']} {r['year']}: {r['sequence']} given {r['times']} times",
            show,
            is_detail=True,
        ),
        _section(
            "receipts without their money",
            receipts_not_matching_money(estate_ids),
            lambda r: (
                f"receipt {r['number']} ({r['kind']}): "
                + (
                    "on a payment and a deposit"
                    if r["has_payment"] and r["has_deposit"]
                    else f"no {r['kind']} recorded with it"
                )
            ),
            show,
        ),
    ]
    return LedgerCheck(sections=sections)
