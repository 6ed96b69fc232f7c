"""Bill runs and bill corrections: the monthly generation (with late fees and the prepaid sweep),
one-off and paid-service bills, and voiding, waiving, writing off and reissuing a bill."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.latefees import LateFee, charged_so_far, charges_late_fees, late_fee
from billing.models import (
    Bill,
    BillingPolicy,
    ChargeEnrollment,
    ChargeItem,
    ChargeRate,
    LateFeeAccrual,
    MeterReading,
    UnitBillingTerms,
)
from billing.services._common import BATCH, BillStatus, _require_reason, clean_amount, late_fee_item
from billing.services.payments import apply_prepaid_balances
from billing.services.summary import refresh_unit_arrears
from billing.workflows import BILL
from residents.models import Estate, Unit
from servicecenter.exceptions import DomainError
from servicecenter.money import ZERO, to_money
from servicecenter.periods import add_months, days_in_month, month_end, month_start, overlap_days
from servicecenter.workflow import SYSTEM

# --- Bill generation --------------------------------------------------------------------------


def compute_amount(
    *, rate: Decimal, quantity: Decimal, days: int, days_in_period: int, discount_percent: Decimal
) -> Decimal:
    """rate × quantity × (days billed ÷ days in the month) × (1 − discount), rounded once."""
    raw = rate * quantity * days / days_in_period * (Decimal(100) - discount_percent) / Decimal(100)
    return to_money(raw)


@dataclass
class GenerationResult:
    period: date
    created: int = 0
    already_billed: int = 0
    late_fee_bills: int = 0
    units_prepaid_applied: int = 0
    items_without_rate: list[str] = field(default_factory=list)


def rates_on(items: Sequence[ChargeItem], day: date) -> dict[int, Decimal]:
    """The rate of each item in effect on `day` (one query)."""
    rates: dict[int, Decimal] = {}
    for item_id, rate in (
        ChargeRate.objects.filter(charge_item__in=items, effective_from__lte=day)
        .order_by("charge_item_id", "-effective_from")
        .values_list("charge_item_id", "rate")
    ):
        rates.setdefault(item_id, rate)
    return rates


def due_date_for(*, policy: BillingPolicy, period: date, issue_date: date) -> date:
    due = period + timedelta(days=policy.payment_terms_days)
    # A bill issued late (a catch-up run) still gets the full terms.
    return due if due > issue_date else issue_date + timedelta(days=policy.payment_terms_days)


@transaction.atomic
def generate_bills(
    *, estate: Estate, period: date, actor=None, now: datetime | None = None
) -> GenerationResult:
    """Issue one month's recurring bills for every unit of the estate.

    Idempotent: a (unit, charge item, period) that already has a bill is skipped, and the insert
    relies on the unique constraint (`ignore_conflicts`) so two concurrent runs cannot double-bill.
    Set-based: a handful of queries read units, rates, enrollments and readings for the whole
    estate; the amounts are computed in Python and bulk-inserted. Then late fees for the previous
    month are assessed (where the estate charges them) and prepaid balances are applied.
    """
    now = now or timezone.now()
    period = month_start(period)
    first, last = period, month_end(period)
    dim = days_in_month(period)
    issue_date = timezone.localdate(now)
    policy = BillingPolicy.for_estate(estate)
    due = due_date_for(policy=policy, period=period, issue_date=issue_date)
    result = GenerationResult(period=period)

    items = list(
        ChargeItem.objects.filter(
            estate=estate, is_active=True, basis__in=ChargeItem.RECURRING_BASES
        ).order_by("sort_order", "pk")
    )
    rates = rates_on(items, first)
    result.items_without_rate = [item.name for item in items if item.pk not in rates]
    items = [item for item in items if item.pk in rates]

    existing = set(
        Bill.objects.filter(
            estate=estate, period=period, is_recurring=True, replaces__isnull=True
        ).values_list("unit_id", "charge_item_id")
    )
    terms = {
        unit_id: (start, end)
        for unit_id, start, end in UnitBillingTerms.objects.filter(estate=estate).values_list(
            "unit_id", "fees_start_date", "fees_end_date"
        )
    }
    enrolled_items = [item for item in items if item.applies_to == ChargeItem.AppliesTo.ENROLLED_UNITS]
    enrollments: dict[tuple[int, int], tuple[Decimal, date, date | None]] = {}
    if enrolled_items:
        for unit_id, item_id, quantity, start, end in (
            ChargeEnrollment.objects.filter(charge_item__in=enrolled_items, start_date__lte=last)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
            .order_by("start_date")
            .values_list("unit_id", "charge_item_id", "quantity", "start_date", "end_date")
        ):
            enrollments[(unit_id, item_id)] = (quantity, start, end)
    consumption: dict[tuple[int, str], Decimal] = {}
    if any(item.basis == ChargeItem.Basis.METERED for item in items):
        for unit_id, kind, total in (
            MeterReading.objects.filter(estate=estate, period=period)
            .values("unit_id", "meter__kind")
            .annotate(total=Sum("consumption"))
            .values_list("unit_id", "meter__kind", "total")
        ):
            consumption[(unit_id, kind)] = total

    units = (
        Unit.objects.filter(estate=estate)
        .exclude(state=Unit.State.UNSOLD)
        .values_list("pk", "building__has_elevator", "area", "use", "state")
        .order_by("pk")
    )
    new_bills: list[Bill] = []
    for unit_id, has_elevator, area, use, state in units.iterator(chunk_size=5000):
        start, end = terms.get(unit_id, (None, None))
        unit_days = overlap_days(first, last, start, end)
        if unit_days == 0:
            continue
        for item in items:
            if (unit_id, item.pk) in existing:
                result.already_billed += 1
                continue
            if item.unit_use and use != item.unit_use:
                continue
            if item.applies_to == ChargeItem.AppliesTo.ELEVATOR_BUILDINGS and not has_elevator:
                continue
            days = unit_days
            quantity = Decimal(1)
            if item.applies_to == ChargeItem.AppliesTo.ENROLLED_UNITS:
                enrollment = enrollments.get((unit_id, item.pk))
                if enrollment is None:
                    continue
                quantity, e_start, e_end = enrollment
                days = overlap_days(
                    first,
                    last,
                    max(filter(None, (start, e_start))),
                    min(filter(None, (end, e_end)), default=None),
                )
            if item.basis == ChargeItem.Basis.PER_AREA_MONTH:
                quantity = area
            elif item.basis == ChargeItem.Basis.METERED:
                quantity = consumption.get((unit_id, item.meter_kind), ZERO)
                days = dim  # consumption is what was used, not a monthly fee: no proration
            discount = (
                policy.vacant_discount_percent
                if item.vacant_discount_applies and state == Unit.State.VACANT
                else ZERO
            )
            if days <= 0 or quantity <= 0:
                continue
            amount = compute_amount(
                rate=rates[item.pk],
                quantity=quantity,
                days=days,
                days_in_period=dim,
                discount_percent=discount,
            )
            if amount <= 0:
                continue
            new_bills.append(
                Bill(
                    estate_id=estate.pk,
                    unit_id=unit_id,
                    charge_item_id=item.pk,
                    period=period,
                    is_recurring=True,
                    quantity=quantity,
                    rate=rates[item.pk],
                    days_billed=days,
                    days_in_period=dim,
                    discount_percent=discount,
                    amount=amount,
                    issue_date=issue_date,
                    due_date=due,
                    created_by=actor,
                )
            )
    before = Bill.objects.filter(estate=estate, period=period, is_recurring=True).count() if new_bills else 0
    for start_index in range(0, len(new_bills), BATCH):
        Bill.objects.bulk_create(new_bills[start_index : start_index + BATCH], ignore_conflicts=True)
    if new_bills:
        result.created = Bill.objects.filter(estate=estate, period=period, is_recurring=True).count() - before
        refresh_unit_arrears({bill.unit_id for bill in new_bills}, now=now)
    if policy.late_fees_enabled:
        result.late_fee_bills = _assess_late_fees(
            estate=estate, policy=policy, period=period, issue_date=issue_date, due=due, actor=actor, now=now
        )
    result.units_prepaid_applied = apply_prepaid_balances(estate=estate, actor=actor, now=now)
    return result


def generate_due_bills(*, now: datetime | None = None) -> dict[Estate, GenerationResult]:
    """This month's bills for every estate whose bill day has come (its policy's `bill_day`, the
    1st without a policy). Run daily: on and after the bill day each run is a no-op but for units
    handed over or read since, so a lost day is made up by the next. One transaction per estate:
    a failure leaves the estates billed before it billed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    bill_days = dict(BillingPolicy.objects.values_list("estate_id", "bill_day"))
    results: dict[Estate, GenerationResult] = {}
    for estate in Estate.objects.order_by("pk"):
        if today.day < bill_days.get(estate.pk, 1):
            continue
        results[estate] = generate_bills(estate=estate, period=month_start(today), now=now)
    return results


def _assess_late_fees(
    *, estate, policy: BillingPolicy, period: date, issue_date: date, due: date, actor, now: datetime
) -> int:
    """Charge on `period`'s late-fee bill what each overdue bill accrued in the previous month and
    was not charged yet (a payment charges the days up to the day it is taken: `latefees.late_fee`
    is the one rule, and `LateFeeAccrual.through_date` keeps the two from charging a day twice).
    One late-fee bill per unit and month; the unpaid amount is the one at assessment time."""
    if not charges_late_fees(policy):
        return 0
    item = late_fee_item(estate)
    month = add_months(period, -1)
    m_first, m_last = month, month_end(month)
    overdue = list(
        Bill.objects.unpaid()
        .filter(estate=estate, due_date__lt=m_last, charge_item__late_fee_applies=True)
        .exclude(charge_item__kind=ChargeItem.Kind.LATE_FEE)
        .values_list("pk", "unit_id", "amount", "amount_paid", "due_date")
    )
    if not overdue:
        return 0
    already_charged_units = set(
        Bill.objects.filter(estate=estate, charge_item=item, period=period, is_recurring=True).values_list(
            "unit_id", flat=True
        )
    )
    charged = charged_so_far(row[0] for row in overdue)
    per_unit: dict[int, list[tuple[int, LateFee]]] = defaultdict(list)
    for bill_id, unit_id, amount, paid, bill_due in overdue:
        if unit_id in already_charged_units:
            continue
        through, total = charged.get(bill_id, (None, ZERO))
        fee = late_fee(
            amount=amount,
            outstanding=amount - paid,
            due_date=bill_due,
            policy=policy,
            on=m_last,
            charged_through=through,
            charged=total,
            since=m_first,
        )
        if fee.is_due:
            per_unit[unit_id].append((bill_id, fee))
    if not per_unit:
        return 0
    Bill.objects.bulk_create(
        [
            Bill(
                estate=estate,
                unit_id=unit_id,
                charge_item=item,
                period=period,
                is_recurring=True,
                description=_("Late fees for %(month)s") % {"month": f"{month:%Y-%m}"},
                quantity=Decimal(len(rows)),
                amount=sum((fee.amount for _bill_id, fee in rows), ZERO),
                issue_date=issue_date,
                due_date=due,
                created_by=actor,
            )
            for unit_id, rows in per_unit.items()
        ],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    fee_bill_ids = dict(
        Bill.objects.filter(
            estate=estate, charge_item=item, period=period, unit_id__in=list(per_unit)
        ).values_list("unit_id", "pk")
    )
    LateFeeAccrual.objects.bulk_create(
        [
            LateFeeAccrual(
                source_bill_id=bill_id,
                fee_bill_id=fee_bill_ids[unit_id],
                period=month,
                through_date=fee.through,
                days=fee.days,
                base_amount=fee.base,
                amount=fee.amount,
            )
            for unit_id, rows in per_unit.items()
            for bill_id, fee in rows
        ],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    refresh_unit_arrears(per_unit, now=now)
    return len(per_unit)


@transaction.atomic
def create_one_off_bill(
    *,
    unit: Unit,
    charge_item: ChargeItem,
    amount,
    actor,
    description: str = "",
    source_reference: str = "",
    due_date: date | None = None,
    now: datetime | None = None,
) -> Bill:
    """A one-off charge (move-in, paid repair, rubbish removal). With a `source_reference` the same
    origin is charged once: a second call returns the first bill."""
    now = now or timezone.now()
    amount = clean_amount(amount)
    if charge_item.estate_id != unit.estate_id:
        raise DomainError(_("The charge item belongs to another estate."))
    if source_reference:
        existing = (
            Bill.objects.filter(estate_id=unit.estate_id, source_reference=source_reference)
            .exclude(status=BillStatus.VOID)
            .first()
        )
        if existing:
            return existing
    today = timezone.localdate(now)
    policy = BillingPolicy.for_estate(unit.estate)
    bill = Bill(
        estate_id=unit.estate_id,
        unit=unit,
        charge_item=charge_item,
        period=month_start(today),
        is_recurring=False,
        description=(description or charge_item.name)[:200],
        quantity=Decimal(1),
        rate=amount,
        amount=amount,
        issue_date=today,
        due_date=due_date or today + timedelta(days=policy.payment_terms_days),
        source_reference=source_reference,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            bill.save()
    except IntegrityError:
        return Bill.objects.exclude(status=BillStatus.VOID).get(
            estate_id=unit.estate_id, source_reference=source_reference
        )
    refresh_unit_arrears([bill.unit_id], now=now)
    return bill


def paid_service_item(estate_id: int) -> ChargeItem:
    ChargeItem.objects.bulk_create(
        [
            ChargeItem(
                estate_id=estate_id,
                code="paid_service",
                name=str(ChargeItem.Kind.PAID_SERVICE.label),
                kind=ChargeItem.Kind.PAID_SERVICE,
                basis=ChargeItem.Basis.ONE_OFF,
                sort_order=90,
            )
        ],
        ignore_conflicts=True,
    )
    return ChargeItem.objects.get(estate_id=estate_id, code="paid_service")


def _ticket_source(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


@transaction.atomic
def bill_paid_service(
    *,
    ticket_id: int,
    unit: Unit,
    price,
    actor,
    description: str = "",
    now: datetime | None = None,
) -> Bill | None:
    """Bill a paid service (有偿服务) to the unit when its ticket is resolved: one bill per ticket
    (`Bill.source_reference` "ticket:<id>" is unique among bills that are not void), so resolving
    twice bills once. A free service (price 0) bills nothing. Called by tickets.services."""
    price = Decimal(str(price if price is not None else "0"))
    if price <= 0:
        return None
    return create_one_off_bill(
        unit=unit,
        charge_item=paid_service_item(unit.estate_id),
        amount=price,
        actor=actor,
        description=description,
        source_reference=_ticket_source(ticket_id),
        now=now,
    )


@transaction.atomic
def void_paid_service_bill(
    *, ticket_id: int, estate_id: int, actor, reason: str, now: datetime | None = None
) -> Bill | None:
    """The ticket was reopened: void its unpaid paid-service bill, so the next resolution bills the
    price then in force. A bill already (partly) paid is kept: giving money back is a refund at
    the cashier, not a side effect of reopening a ticket."""
    bill = (
        Bill.objects.filter(estate_id=estate_id, source_reference=_ticket_source(ticket_id))
        .exclude(status=BillStatus.VOID)
        .first()
    )
    if bill is None or bill.amount_paid > 0 or bill.status not in Bill.UNPAID_STATUSES:
        return None
    note = (_("Ticket reopened: %(reason)s") % {"reason": reason})[:300]
    return _void(
        bill=bill,
        action="void_for_reopened_ticket",
        user=SYSTEM,
        actor=actor,
        note=note,
        now=now or timezone.now(),
    )


@transaction.atomic
def void_bill(*, bill: Bill, actor, reason: str, now: datetime | None = None) -> Bill:
    """Cancel a bill that should not have been issued. Only an unpaid bill can be voided; a paid one
    is corrected by voiding or refunding its payments first."""
    now = now or timezone.now()
    BILL.check(bill, "void", actor, now=now)
    return _void(bill=bill, action="void", user=actor, actor=actor, note=_require_reason(reason), now=now)


def _void(*, bill: Bill, action: str, user, actor, note: str, now: datetime) -> Bill:
    """Void a bill through the workflow's `action`, checked again on the locked row."""
    Unit.objects.select_for_update().filter(pk=bill.unit_id).first()
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    BILL.check(bill, action, user, now=now)
    BILL.transition(bill, action, actor=actor, note=note, now=now)
    refresh_unit_arrears([bill.unit_id], now=now)
    return bill


@transaction.atomic
def waive_late_fee(*, bill: Bill, actor, reason: str, now: datetime | None = None) -> Bill:
    """The manager forgives a late-fee bill (many estates waive late fees for a first delay or a
    good reason). The bill is voided with the reason in its event row; the days it covered stay
    charged (they are not charged again), and the waived amount no longer counts toward the cap.
    A late fee already (partly) paid is refunded through its payment first."""
    now = now or timezone.now()
    BILL.check(bill, "waive_late_fee", actor, now=now)
    reason = _require_reason(reason)
    note = (_("Late fee waived: %(reason)s") % {"reason": reason})[:300]
    return _void(bill=bill, action="waive_late_fee", user=actor, actor=actor, note=note, now=now)


@transaction.atomic
def write_off_bill(*, bill: Bill, actor, reason: str, now: datetime | None = None) -> Bill:
    """Stop pursuing what is left of a bill (bad debt). The manager decides; it stays on record."""
    now = now or timezone.now()
    BILL.check(bill, "write_off", actor, now=now)
    reason = _require_reason(reason)
    # The unit first (the lock order of the payment services): the summary refresh takes it.
    Unit.objects.select_for_update().filter(pk=bill.unit_id).first()
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    BILL.check(bill, "write_off", actor, now=now)
    BILL.transition(bill, "write_off", actor=actor, note=reason, now=now)
    refresh_unit_arrears([bill.unit_id], now=now)
    return bill


@transaction.atomic
def reissue_bill(*, bill: Bill, amount, actor, reason: str, now: datetime | None = None) -> Bill:
    """Correct a wrong bill: the original is voided and a replacement issued for the right amount."""
    amount = clean_amount(amount)
    now = now or timezone.now()
    BILL.check(bill, "reissue", actor, now=now)
    original = _void(
        bill=bill, action="reissue", user=actor, actor=actor, note=_require_reason(reason), now=now
    )
    replacement = Bill.objects.create(
        estate_id=original.estate_id,
        unit_id=original.unit_id,
        charge_item_id=original.charge_item_id,
        period=original.period,
        is_recurring=original.is_recurring,
        description=original.description,
        quantity=original.quantity,
        rate=original.rate,
        days_billed=original.days_billed,
        days_in_period=original.days_in_period,
        discount_percent=original.discount_percent,
        amount=amount,
        issue_date=timezone.localdate(now),
        due_date=max(original.due_date, timezone.localdate(now)),
        replaces=original,
        created_by=actor,
    )
    refresh_unit_arrears([replacement.unit_id], now=now)
    return replacement
