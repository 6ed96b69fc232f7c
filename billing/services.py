"""Writes for fee collection. Every change to bills, payments, balances and deposits goes through here.

Lock order (to avoid deadlocks between concurrent payments, voids and the prepaid sweep):
the unit row → its bills in primary-key order → the estate's receipt counter. The unit row is the
lock of the unit's account: it serialises everything that reads and changes the prepaid balance.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Min, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.latefees import LateFee, charged_so_far, charges_late_fees, late_fee, late_fees_for
from billing.models import (
    Allocation,
    Bill,
    BillEvent,
    BillingPolicy,
    ChargeEnrollment,
    ChargeItem,
    ChargeRate,
    CollectionCall,
    DepositAccount,
    DepositMovement,
    IdempotencyRecord,
    LateFeeAccrual,
    Meter,
    MeterReading,
    Payment,
    PaymentMethod,
    PaymentReversal,
    PrepaidMovement,
    Receipt,
    ReceiptCounter,
    Reminder,
    UnitBillingTerms,
)
from billing.workflows import BILL, PAYMENT, SETTLE
from residents.models import Estate, Occupancy, Person, SensitiveAccessLog, Unit
from residents.services import TaskCall, TaskNotFound, reveal_phone_for_task
from servicecenter.exceptions import DomainError, TransitionError
from servicecenter.money import ZERO, MoneyError, parse_money, to_money
from servicecenter.periods import add_months, days_in_month, month_end, month_start, overlap_days
from servicecenter.sequences import bump_counter
from servicecenter.workflow import SYSTEM

logger = logging.getLogger("servicecenter.billing")

BATCH = 2000

S = Bill.Status
P = Payment.Status
# Compatibility: the state tables, read from the declarations in billing/workflows.py.
BILL_ALLOWED: dict[str, set[str]] = BILL.allowed()
PAYMENT_ALLOWED: dict[str, set[str]] = PAYMENT.allowed()


class IdempotencyConflict(DomainError):
    status_code = 409


# --- Input rules ------------------------------------------------------------------------------


def clean_amount(value, *, field_label: str | None = None) -> Decimal:
    """A positive amount of money with at most two decimals, or a translated DomainError.
    Nothing is rounded silently: 10.005 is refused, not turned into 10.01. The text rules (ASCII
    digits, no padding or exponent, the size) are the kernel's `parse_money`."""
    try:
        return parse_money(value, allow_zero=False)
    except MoneyError as error:
        raise DomainError(error.message, code=error.code) from None


def _parse_reading(text: str) -> Decimal:
    try:
        return parse_money(text)
    except MoneyError:
        raise DomainError(_("Enter the reading as a number, e.g. 1234.5.")) from None


def _require_perm(actor, perm: str, message: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(message)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason; it is kept with the record."), code="reason_required")
    return reason[:300]


def _status_for(amount: Decimal, paid: Decimal) -> str:
    if paid <= ZERO:
        return S.OPEN
    return S.PAID if paid >= amount else S.PARTIALLY_PAID


def _transition(bill: Bill, new_status: str, *, actor, now: datetime, note: str = "") -> BillEvent | None:
    """Move a locked bill to the status its payments give it (a system step of the workflow);
    return the unsaved event row, saved in bulk by the caller. The same status: no event."""
    if new_status == bill.status:
        return None
    return BILL.move(bill, SETTLE[new_status], actor=actor, now=now, note=note)


# --- Tariffs, enrollments, meters -------------------------------------------------------------


@transaction.atomic
def set_charge_rate(
    *, charge_item: ChargeItem, rate: Decimal, effective_from: date, actor, note: str = ""
) -> ChargeRate:
    """Add a rate from a date on. Bills already issued keep the rate they copied."""
    rate = Decimal(str(rate))
    if rate < 0:
        raise DomainError(_("A rate cannot be negative."))
    if rate != rate.quantize(Decimal("0.0001")):
        raise DomainError(_("Rates have at most four decimal places."))
    try:
        with transaction.atomic():
            return ChargeRate.objects.create(
                charge_item=charge_item, rate=rate, effective_from=effective_from, created_by=actor, note=note
            )
    except IntegrityError as exc:
        raise DomainError(
            _("This item already has a rate from that date; add one from another date.")
        ) from exc


def check_enrollment(
    *,
    unit: Unit,
    charge_item: ChargeItem,
    start_date: date,
    quantity: Decimal = Decimal(1),
    end_date: date | None = None,
    exclude_pk: int | None = None,
) -> None:
    """The rules of an enrollment, or a translated DomainError. An overlapping enrollment of the
    same unit and item is refused: the generator would bill only one of them."""
    if charge_item.estate_id != unit.estate_id:
        raise DomainError(_("The charge item belongs to another estate."))
    if Decimal(str(quantity)) <= 0:
        raise DomainError(_("The quantity must be more than zero."))
    if end_date and end_date < start_date:
        raise DomainError(_("The end date is before the start date."))
    overlapping = ChargeEnrollment.objects.filter(unit=unit, charge_item=charge_item).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date)
    )
    if end_date:
        overlapping = overlapping.filter(start_date__lte=end_date)
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    if overlapping.exists():
        raise DomainError(
            _("The unit is already enrolled for this item in that time."), code="enrollment_overlaps"
        )


@transaction.atomic
def enroll_unit(
    *,
    unit: Unit,
    charge_item: ChargeItem,
    start_date: date,
    actor,
    quantity: Decimal = Decimal(1),
    end_date=None,
    note: str = "",
) -> ChargeEnrollment:
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    check_enrollment(
        unit=unit, charge_item=charge_item, start_date=start_date, quantity=quantity, end_date=end_date
    )
    return ChargeEnrollment.objects.create(
        estate_id=unit.estate_id,
        unit=unit,
        charge_item=charge_item,
        quantity=quantity,
        start_date=start_date,
        end_date=end_date,
        note=note[:200],
    )


@transaction.atomic
def change_enrollment(
    *,
    enrollment: ChargeEnrollment,
    actor,
    quantity: Decimal,
    start_date: date,
    end_date: date | None = None,
    note: str = "",
) -> ChargeEnrollment:
    """Change an enrollment's quantity or dates (e.g. end it when the parking space is given up),
    under the same rules as a new one."""
    Unit.objects.select_for_update().filter(pk=enrollment.unit_id).first()
    enrollment = ChargeEnrollment.objects.select_related("unit", "charge_item").get(pk=enrollment.pk)
    check_enrollment(
        unit=enrollment.unit,
        charge_item=enrollment.charge_item,
        start_date=start_date,
        quantity=quantity,
        end_date=end_date,
        exclude_pk=enrollment.pk,
    )
    enrollment.quantity = quantity
    enrollment.start_date = start_date
    enrollment.end_date = end_date
    enrollment.note = note[:200]
    enrollment.save(update_fields=["quantity", "start_date", "end_date", "note"])
    return enrollment


@transaction.atomic
def record_meter_reading(
    *, meter: Meter, period: date, value, actor, reading_date: date | None = None, now: datetime | None = None
) -> MeterReading:
    """Record a month's reading. Consumption = this reading − the previous one; a lower reading is
    refused (a replaced meter is recorded with `replace_meter` and starts from its own reading)."""
    now = now or timezone.now()
    period = month_start(period)
    meter = Meter.objects.select_for_update().get(pk=meter.pk)
    # A reading has the shape of money (12 digits, 2 decimals): the same strict parser.
    value = _parse_reading(str(value))
    if meter.replaced_on is not None:
        raise DomainError(_("This meter has been replaced; enter the reading on its replacement."))
    readings = MeterReading.objects.filter(meter=meter)
    if readings.filter(period=period).exists():
        raise DomainError(
            _("This meter already has a reading for %(period)s.") % {"period": f"{period:%Y-%m}"}
        )
    if readings.filter(period__gt=period).exists():
        raise DomainError(_("A later month already has a reading; readings are entered in order."))
    previous = readings.filter(period__lt=period).order_by("-period").first()
    base = previous.value if previous else meter.initial_reading
    if value < base:
        raise DomainError(
            _(
                "The reading %(value)s is lower than the previous one (%(previous)s). "
                "If the meter was replaced, record the replacement first."
            )
            % {"value": value, "previous": base},
            code="reading_lower_than_previous",
        )
    item_kinds = [k for k, mk in ChargeItem.METER_KIND_OF.items() if mk == meter.kind]
    if (
        Bill.objects.filter(unit_id=meter.unit_id, period=period, charge_item__kind__in=item_kinds)
        .charged()
        .exists()
    ):
        raise DomainError(_("This month's bill for this meter has already been issued."))
    return MeterReading.objects.create(
        estate_id=meter.estate_id,
        unit_id=meter.unit_id,
        meter=meter,
        period=period,
        reading_date=reading_date or timezone.localdate(now),
        value=value,
        consumption=value - base,
        recorded_by=actor,
    )


@dataclass
class BulkReadingResult:
    saved: list[MeterReading] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)


def record_meter_readings(
    *, entries: Iterable[tuple[Meter, str]], period: date, actor, reading_date: date | None = None, now=None
) -> BulkReadingResult:
    """The bulk entry screen: save every valid reading, report the others by meter id."""
    result = BulkReadingResult()
    for meter, raw in entries:
        if raw is None or str(raw).strip() == "":
            continue
        try:
            result.saved.append(
                record_meter_reading(
                    meter=meter, period=period, value=raw, actor=actor, reading_date=reading_date, now=now
                )
            )
        except DomainError as exc:
            result.errors[meter.pk] = exc.message
    return result


@transaction.atomic
def replace_meter(
    *,
    meter: Meter,
    replaced_on: date,
    final_value,
    new_initial_value,
    actor,
    new_serial: str = "",
    period: date | None = None,
) -> Meter:
    """Swap a meter: the old one's final reading is recorded for the month, the new one starts
    from its own initial reading, so consumption never goes negative."""
    period = month_start(period or replaced_on)
    meter = Meter.objects.select_for_update().get(pk=meter.pk)
    if meter.replaced_on is not None:
        raise DomainError(_("This meter has already been replaced."))
    if final_value not in (None, ""):
        record_meter_reading(
            meter=meter, period=period, value=final_value, actor=actor, reading_date=replaced_on
        )
    initial = _parse_reading(str(new_initial_value or "0"))
    meter.replaced_on = replaced_on
    meter.save(update_fields=["replaced_on"])
    new = Meter.objects.create(
        estate_id=meter.estate_id,
        unit_id=meter.unit_id,
        kind=meter.kind,
        serial=new_serial,
        initial_reading=initial,
        installed_on=replaced_on,
    )
    meter.replaced_by = new
    meter.save(update_fields=["replaced_by"])
    return new


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
    if policy.late_fees_enabled:
        result.late_fee_bills = _assess_late_fees(
            estate=estate, policy=policy, period=period, issue_date=issue_date, due=due, actor=actor
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


def late_fee_item(estate: Estate) -> ChargeItem:
    ChargeItem.objects.bulk_create(
        [
            ChargeItem(
                estate=estate,
                code="late_fee",
                name=str(ChargeItem.Kind.LATE_FEE.label),
                kind=ChargeItem.Kind.LATE_FEE,
                basis=ChargeItem.Basis.ONE_OFF,
                late_fee_applies=False,
                sort_order=99,
            )
        ],
        ignore_conflicts=True,
    )
    return ChargeItem.objects.get(estate=estate, code="late_fee")


def _assess_late_fees(
    *, estate, policy: BillingPolicy, period: date, issue_date: date, due: date, actor
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
            .exclude(status=S.VOID)
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
        return Bill.objects.exclude(status=S.VOID).get(
            estate_id=unit.estate_id, source_reference=source_reference
        )
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
        .exclude(status=S.VOID)
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
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    BILL.check(bill, "write_off", actor, now=now)
    BILL.transition(bill, "write_off", actor=actor, note=reason, now=now)
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
    return replacement


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


def _fingerprint(**values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


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
    if record is not None:
        record.payment = payment
        record.save(update_fields=["payment"])
    return PaymentOutcome(payment=payment, created=True)


def _require_idempotency_key(idempotency_key: str | None) -> str:
    """Every write that moves money carries a key, so a double click or a retried request cannot
    take or give back the money twice."""
    key = (idempotency_key or "").strip()
    if not key:
        raise DomainError(
            _(
                "This request has no idempotency key, so a retry could move the money twice. Reload the form and submit it again."
            ),
            code="idempotency_key_required",
        )
    return key[:100]


def _claim_idempotency_key(
    *, estate: Estate, key: str, fingerprint: str, actor, result: str
) -> tuple[IdempotencyRecord | None, object | None]:
    """(the new record, None) for a first request; (None, the first request's result) for a retry.
    `result` names the record's field that holds the result (payment, deposit_movement, ...)."""
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                estate=estate, key=key, fingerprint=fingerprint, actor=actor
            )
    except IntegrityError:
        # The first request with this key has committed (PostgreSQL waits for it on the unique index).
        existing = IdempotencyRecord.objects.select_related(result).get(estate=estate, key=key)
        earlier = getattr(existing, result)
        if existing.fingerprint != fingerprint or earlier is None:
            raise IdempotencyConflict(
                _("This idempotency key was already used for a different payment request."),
                code="idempotency_key_reused",
            ) from None
        return None, earlier
    return record, None


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
        if bill.status in (S.OPEN, S.PARTIALLY_PAID, S.PAID):
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
    source = payment.get_status_display()
    try:
        with transaction.atomic():
            # The status and the reversal (the payment's event row), through the workflow.
            reversal = PAYMENT.transition(
                payment, action, actor=actor, note=reason, now=now, refund_method=refund_method
            )
    except IntegrityError as exc:  # pragma: no cover - the row lock above makes this unreachable
        raise TransitionError(source, P(PAYMENT.action(action).target).label) from exc
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
) -> DepositMovement:
    """Take a deposit (e.g. 装修押金 for renovation 12: purpose="renovation", reference="renovation:12").
    It is held in the deposit ledger, apart from fee revenue, and gets its own receipt. The
    idempotency key is required: the same request twice (a double submit) gives one receipt."""
    now = now or timezone.now()
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
        status=S.PAID,
        issue_date=today,
        due_date=today,
        source_reference=f"deposit:{account.pk}:deduction:{index}",
        created_by=actor,
    )
    BillEvent.objects.create(
        bill=bill,
        from_status=S.OPEN,
        to_status=S.PAID,
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


# --- Calls and the reminder ladder ------------------------------------------------------------


@transaction.atomic
def record_call_outcome(
    *,
    unit: Unit,
    actor,
    outcome: str,
    promised_date: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> CollectionCall:
    """The housekeeper's fee-collection call to a unit: promised (with a date), refused or
    unreachable. Kept as a history row; the unit's pending call tasks show the latest outcome."""
    _require_perm(actor, "billing.record_call_outcome", _("You are not allowed to record call outcomes."))
    now = now or timezone.now()
    if outcome not in Reminder.Outcome.values:
        raise DomainError(_("Choose the outcome of the call."), code="invalid_outcome")
    if outcome == Reminder.Outcome.PROMISED:
        if promised_date is None:
            raise DomainError(
                _("Enter the date the resident promised to pay by."), code="promised_date_required"
            )
        if promised_date < timezone.localdate(now):
            raise DomainError(_("The promised date is in the past."), code="promised_date_past")
    else:
        promised_date = None
    tasks = list(
        Reminder.objects.select_for_update()
        .filter(unit=unit, stage=Reminder.Stage.CALL, bill__status__in=Bill.UNPAID_STATUSES)
        .order_by("pk")
    )
    if not tasks:
        raise DomainError(_("This unit has no open fee-collection call."), code="no_open_call")
    call = CollectionCall.objects.create(
        estate_id=unit.estate_id,
        unit=unit,
        outcome=outcome,
        promised_date=promised_date,
        note=note[:300],
        actor=actor,
        created_at=now,
    )
    Reminder.objects.filter(pk__in=[t.pk for t in tasks]).update(
        outcome=outcome,
        promised_date=promised_date,
        outcome_note=note[:300],
        outcome_by=actor,
        outcome_at=now,
    )
    return call


LADDER: list[tuple[str, int | None]] = [
    # (stage, days after the due date; None = when the bill is issued)
    (Reminder.Stage.NOTICE, None),
    (Reminder.Stage.REMINDER, 7),
    (Reminder.Stage.LETTER, 30),
    (Reminder.Stage.CALL, 60),
    (Reminder.Stage.ESCALATION, 90),
]
RESIDENT_STAGES = {
    # stage: (notification kind, channels)
    Reminder.Stage.NOTICE: ("billing_notice", ()),
    Reminder.Stage.REMINDER: ("billing_reminder", ("sms",)),
    Reminder.Stage.LETTER: ("billing_letter", ()),
}


@dataclass
class LadderResult:
    created: dict[str, int] = field(default_factory=dict)
    notifications: int = 0


@transaction.atomic
def run_reminder_ladder(
    *, now: datetime | None = None, estate_ids: Sequence[int] | None = None
) -> LadderResult:
    """The daily reminder sweep: every unpaid bill that has reached a rung of the ladder and not yet
    had it gets it now: notice at issue, reminder at due + 7 (portal and SMS), formal letter at
    due + 30, a call task for the zone's housekeeper at due + 60, the manager's escalation list at
    due + 90.

    Each rung is a Reminder row inserted with `ignore_conflicts` against the unique (bill, stage)
    constraint, so a second run, or two runs at once, never repeat a rung; a bill paid before the
    sweep gets nothing more. When a bill reaches several rungs at once (a catch-up) only the
    highest is announced. Notifications are batched: one per resident per unit and rung, one per
    housekeeper and one per manager per run, each with a dedupe key.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = LadderResult()
    bills = Bill.objects.unpaid()
    if estate_ids is not None:
        bills = bills.filter(estate_id__in=list(estate_ids))
    disabled = list(BillingPolicy.objects.filter(reminders_enabled=False).values_list("estate_id", flat=True))
    if disabled:
        bills = bills.exclude(estate_id__in=disabled)

    announced: set[int] = set()
    to_announce: dict[str, list[tuple[int, int, int, int | None]]] = {}
    for stage, offset in reversed(LADDER):
        due = (
            bills.filter(issue_date__lte=today)
            if offset is None
            else bills.filter(due_date__lte=today - timedelta(days=offset))
        )
        due = due.filter(~Exists(Reminder.objects.filter(bill_id=OuterRef("pk"), stage=stage)))
        rows = list(due.values_list("pk", "unit_id", "estate_id", "unit__building_id").order_by("pk"))
        if not rows:
            result.created[stage] = 0
            continue
        assignees = _housekeepers_by_building({r[3] for r in rows}) if stage == Reminder.Stage.CALL else {}
        Reminder.objects.bulk_create(
            [
                Reminder(
                    bill_id=bill_id,
                    unit_id=unit_id,
                    estate_id=estate_id,
                    stage=stage,
                    created_at=now,
                    assignee_id=assignees.get(building_id),
                )
                for bill_id, unit_id, estate_id, building_id in rows
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
        # Only the rows this run inserted carry its timestamp; a concurrent run's rows do not.
        mine_qs = Reminder.objects.filter(stage=stage, created_at=now)
        if estate_ids is not None:
            mine_qs = mine_qs.filter(estate_id__in=list(estate_ids))
        mine = list(mine_qs.values_list("bill_id", "unit_id", "estate_id", "assignee_id"))
        result.created[stage] = len(mine)
        to_announce[stage] = [row for row in mine if row[0] not in announced]
        announced.update(row[0] for row in mine)
    for stage, rows in to_announce.items():
        if rows:
            result.notifications += _announce(stage=stage, rows=rows, now=now, today=today)
    return result


def _housekeepers_by_building(building_ids: set[int]) -> dict[int, int]:
    """The zone housekeeper of each building, asked once per building (not per unit)."""
    from staff.selectors import housekeeper_for_unit

    found = {}
    for building_id in building_ids:
        keeper = housekeeper_for_unit(Unit(building_id=building_id))
        if keeper is not None:
            found[building_id] = keeper.pk
    return found


def _announce(*, stage: str, rows: list[tuple[int, int, int, int | None]], now: datetime, today: date) -> int:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from staff.selectors import staff_users_of_estate
    from staff.services import notify

    User = get_user_model()
    sent = 0
    if stage in RESIDENT_STAGES:
        kind, channels = RESIDENT_STAGES[stage]
        bill_ids_by_unit: dict[int, list[int]] = defaultdict(list)
        estate_of_unit: dict[int, int] = {}
        for bill_id, unit_id, estate_id, _assignee in rows:
            bill_ids_by_unit[unit_id].append(bill_id)
            estate_of_unit[unit_id] = estate_id
        url = reverse("portal:billing_bills")
        unit_ids = sorted(bill_ids_by_unit)
        for start in range(0, len(unit_ids), 2000):
            chunk = unit_ids[start : start + 2000]
            recipients = _resident_users_by_unit(chunk, today)
            if not recipients:
                continue
            totals = {
                row["unit_id"]: row
                for row in Bill.objects.filter(pk__in=[b for u in recipients for b in bill_ids_by_unit[u]])
                .values("unit_id", "unit__code")
                .annotate(total=Sum("amount"), paid=Sum("amount_paid"), first_due=Min("due_date"))
            }
            for unit_id, users in recipients.items():
                info = totals.get(unit_id)
                if not info:
                    continue
                title, body = _resident_message(stage, info, count=len(bill_ids_by_unit[unit_id]))
                sent += len(
                    notify(
                        recipients=users,
                        kind=kind,
                        title=title,
                        body=body,
                        url=url,
                        estate=Estate(pk=estate_of_unit[unit_id]),
                        channels=channels,
                        dedupe_key=f"billing:{stage}:{unit_id}:{today:%Y%m%d}",
                        now=now,
                    )
                )
    elif stage == Reminder.Stage.CALL:
        units_by_keeper: dict[int, set[int]] = defaultdict(set)
        for _bill, unit_id, _estate, assignee_id in rows:
            if assignee_id:
                units_by_keeper[assignee_id].add(unit_id)
        url = reverse("billing:calls")
        for keeper in User.objects.filter(pk__in=list(units_by_keeper)).select_related("staff_profile"):
            count = len(units_by_keeper[keeper.pk])
            sent += len(
                notify(
                    recipients=[keeper],
                    kind="billing_call",
                    title=_("%(count)s units to call about unpaid fees") % {"count": count},
                    body=_("Their bills are 60 days overdue. Record each call's outcome on the call list."),
                    url=url,
                    dedupe_key=f"billing:call:{keeper.pk}:{today:%Y%m%d}",
                    now=now,
                )
            )
    elif stage == Reminder.Stage.ESCALATION:
        units_by_estate: dict[int, set[int]] = defaultdict(set)
        for _bill, unit_id, estate_id, _assignee in rows:
            units_by_estate[estate_id].add(unit_id)
        url = reverse("billing:escalations")
        for estate in Estate.objects.filter(pk__in=list(units_by_estate)):
            managers = list(
                staff_users_of_estate(estate=estate, role="manager").select_related("staff_profile")
            )
            count = len(units_by_estate[estate.pk])
            sent += len(
                notify(
                    recipients=managers,
                    kind="billing_escalation",
                    estate=estate,
                    title=_("%(count)s units escalated for unpaid fees") % {"count": count},
                    body=_("Their bills are 90 days overdue; see the escalation list."),
                    url=url,
                    dedupe_key=f"billing:escalation:{estate.pk}:{today:%Y%m%d}",
                    now=now,
                )
            )
    return sent


def _resident_users_by_unit(unit_ids: Sequence[int], today: date) -> dict[int, list]:
    """The payer's account for each unit: reminders carry amounts, and only the payer gets them
    (issue #8). A unit whose payer has no active account gets no resident notice; the ladder's
    staff steps (calls, escalation) still reach it."""
    from django.contrib.auth import get_user_model

    from residents.selectors import payers_by_unit

    payers = payers_by_unit(unit_ids, today=today)
    user_ids = {p.person.user_id for p in payers.values() if p.person.user_id}
    if not user_ids:
        return {}
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .select_related("staff_profile")
    }
    return {
        unit_id: [users[payer.person.user_id]]
        for unit_id, payer in payers.items()
        if payer.person.user_id in users
    }


def _resident_message(stage: str, info: dict, *, count: int) -> tuple[str, str]:
    outstanding = to_money(info["total"] - info["paid"])
    values = {"unit": info["unit__code"], "count": count, "amount": outstanding, "due": info["first_due"]}
    if stage == Reminder.Stage.NOTICE:
        return (
            _("New bills for %(unit)s") % values,
            _("%(count)s new bill(s), %(amount)s yuan in total, due by %(due)s.") % values,
        )
    if stage == Reminder.Stage.REMINDER:
        return (
            _("Payment reminder for %(unit)s") % values,
            _(
                "%(count)s bill(s) for %(unit)s, %(amount)s yuan, were due on %(due)s. Please pay at the service centre or online."
            )
            % values,
        )
    return (
        _("Formal payment reminder for %(unit)s") % values,
        _(
            "A formal reminder letter has been issued for %(count)s overdue bill(s) of %(unit)s (%(amount)s yuan). "
            "Please pay or contact the service centre."
        )
        % values,
    )


# --- Dialling from a fee-collection call ------------------------------------------------------

# Whom a fee-collection call is for: the owner pays the property fee; a tenant or shop tenant
# only when no owner is on file with a phone.
_FEE_CALL_ROLES = [
    Occupancy.Role.OWNER,
    Occupancy.Role.CO_OWNER,
    Occupancy.Role.TENANT,
    Occupancy.Role.SHOP_TENANT,
    Occupancy.Role.HOUSEHOLD_MEMBER,
]


def may_call_for_fee(user) -> bool:
    """Whether the calls page offers its Call button at all (the rows are the user's own tasks,
    or everyone's for those allowed to see them); `call_for_fee` checks the task itself."""
    return user.has_perm("billing.record_call_outcome")


def fee_call_person(unit: Unit) -> Person | None:
    """The occupant a fee-collection call for the unit rings: the unit's payer when they have a
    mobile, else the first current owner with one, else a tenant, else anyone living there."""
    from residents.selectors import payers_by_unit

    payer = payers_by_unit([unit.pk]).get(unit.pk)
    if payer is not None and payer.person.mobile:
        return payer.person
    occupancies = [
        o
        for o in Occupancy.objects.current().filter(unit=unit).select_related("person").order_by("pk")
        if o.person.mobile
    ]
    occupancies.sort(key=lambda o: _FEE_CALL_ROLES.index(o.role) if o.role in _FEE_CALL_ROLES else 99)
    return occupancies[0].person if occupancies else None


def call_for_fee(
    *, actor, unit: Unit, ip_address: str | None = None, now: datetime | None = None
) -> TaskCall:
    """The payer's full number for one fee-collection call, logged with the unit's call task as
    purpose. Housekeepers call the units of their own call list; those who may look at everyone's
    calls (billing reports) may call any unit on the list in their estates."""
    tasks = Reminder.objects.visible_to(actor).filter(
        unit_id=unit.pk, stage=Reminder.Stage.CALL, bill__status__in=Bill.UNPAID_STATUSES
    )
    if not actor.has_perm("billing.view_billing_reports"):
        tasks = tasks.filter(assignee=actor)
    if not may_call_for_fee(actor) or not tasks.exists():
        raise TaskNotFound(_("This unit has no open fee-collection call for you."), code="not_found")
    person = fee_call_person(unit)
    phone = reveal_phone_for_task(
        actor=actor,
        purpose=SensitiveAccessLog.Purpose.FEE_CALL,
        purpose_id=unit.pk,
        task=unit.code,
        person=person,
        phone=person.mobile if person else "",
        estate_id=unit.estate_id,
        ip_address=ip_address,
        now=now,
    )
    return TaskCall(name=person.name if person else "", phone=phone, task=unit.code)
