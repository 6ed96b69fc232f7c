"""Demo fee collection: tariffs for each demo estate and a year of bills and payments with
realistic arrears. Most owners pay (some a year ahead, some every quarter), some pay late, a few
never; the reminder ladder is then run once, so calls, letters and escalations exist.

Idempotent: an estate that already has payments is left alone. Bills come from the real
generator (`services.generate_bills`) and payments from `services.record_payment`; meter readings
are bulk-inserted (monotonic, so every consumption is what the service would have computed).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from billing import services
from billing.models import (
    Bill,
    BillingPolicy,
    ChargeEnrollment,
    ChargeItem,
    ChargeRate,
    Meter,
    MeterReading,
    Payment,
    PaymentMethod,
)
from residents.models import Estate, Occupancy, Unit
from servicecenter.money import to_money
from servicecenter.periods import add_months, month_start

Kind = ChargeItem.Kind
Basis = ChargeItem.Basis
Applies = ChargeItem.AppliesTo

# code, name, kind, basis, applies to, rate history [(months before now, rate)], vacant discount
TARIFFS = {
    "residential": [
        (
            "property",
            "物业服务费",
            Kind.PROPERTY_FEE,
            Basis.PER_AREA_MONTH,
            Applies.ALL_UNITS,
            [(24, "2.30"), (5, "2.50")],
            True,
        ),
        (
            "elevator",
            "电梯运行费",
            Kind.ELEVATOR,
            Basis.PER_UNIT_MONTH,
            Applies.ELEVATOR_BUILDINGS,
            [(24, "20.00")],
            False,
        ),
        (
            "parking",
            "车位管理费",
            Kind.PARKING,
            Basis.PER_UNIT_MONTH,
            Applies.ENROLLED_UNITS,
            [(24, "150.00")],
            False,
        ),
        ("water", "水费（代收）", Kind.WATER, Basis.METERED, Applies.ALL_UNITS, [(24, "3.4500")], False),
        ("rubbish", "装修垃圾清运费", Kind.ONE_OFF, Basis.ONE_OFF, Applies.ALL_UNITS, [], False),
        ("repair", "有偿维修费", Kind.ONE_OFF, Basis.ONE_OFF, Applies.ALL_UNITS, [], False),
    ],
    "other": [
        (
            "property",
            "物业管理费",
            Kind.PROPERTY_FEE,
            Basis.PER_AREA_MONTH,
            Applies.ALL_UNITS,
            [(24, "18.00")],
            True,
        ),
        (
            "electricity",
            "电费（代收）",
            Kind.ELECTRICITY,
            Basis.METERED,
            Applies.ALL_UNITS,
            [(24, "1.0500")],
            False,
        ),
        ("repair", "有偿维修费", Kind.ONE_OFF, Basis.ONE_OFF, Applies.ALL_UNITS, [], False),
    ],
}
METHODS = (
    [PaymentMethod.WECHAT] * 5
    + [PaymentMethod.ALIPAY] * 3
    + [PaymentMethod.CASH] * 2
    + [
        PaymentMethod.BANK_CARD,
        PaymentMethod.BANK_TRANSFER,
    ]
)
MONTHS = 12


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    import time as clock

    started = clock.monotonic()
    today = timezone.localdate()
    for index, estate in enumerate(estates):
        if Payment.objects.filter(estate=estate).exists():
            stdout.write(f"billing: {estate.code} already has payments; left as it is")
            continue
        with transaction.atomic():
            counts = _seed_estate(estate=estate, users=users, rng=rng, today=today, first=index == 0)
        stdout.write(
            f"billing: {estate.code}: {counts['bills']} bills, {counts['payments']} payments, "
            f"{counts['reminders']} reminder steps ({clock.monotonic() - started:.1f} s)"
        )


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _seed_estate(*, estate: Estate, users: dict, rng: random.Random, today: date, first: bool) -> dict:
    clerk, manager = users["clerk"], users["manager"]
    this_month = month_start(today)
    start = add_months(this_month, -(MONTHS - 1))
    residential = estate.kind == Estate.Kind.RESIDENTIAL
    BillingPolicy.objects.get_or_create(
        estate=estate,
        defaults={
            "vacant_discount_percent": Decimal("30") if residential else Decimal("0"),
            "payment_terms_days": 30,
            "late_fees_enabled": not residential,
            "late_fee_daily_rate": Decimal("0.0003"),
            "late_fee_cap_percent": Decimal("10"),
        },
    )
    items = _tariff(estate, "residential" if residential else "other", this_month)
    units = list(Unit.objects.filter(estate=estate).exclude(state=Unit.State.UNSOLD).order_by("pk"))
    if residential and "parking" in items:
        for unit in rng.sample(units, k=max(1, len(units) // 4)):
            ChargeEnrollment.objects.get_or_create(
                estate=estate,
                unit=unit,
                charge_item=items["parking"],
                defaults={"start_date": start, "quantity": 1},
            )
    metered = items.get("water") or items.get("electricity")
    meter_kind = metered.meter_kind
    meters = {
        m.unit_id: m
        for m in Meter.objects.bulk_create(
            [
                Meter(estate=estate, unit=u, kind=meter_kind, initial_reading=Decimal(rng.randrange(0, 500)))
                for u in units
            ]
        )
    }
    last_value = {unit_id: meter.initial_reading for unit_id, meter in meters.items()}

    own_units = _resident_units(users)
    profiles = {}
    for unit in units:
        roll = rng.random()
        profiles[unit.pk] = (
            "annual"
            if roll < 0.30
            else "monthly"
            if roll < 0.55
            else "quarterly"
            if roll < 0.80
            else "late"
            if roll < 0.92
            else "never"
        )
    # The demo resident has an open bill to look at; the second resident is paid up a year ahead.
    for unit_id, profile in own_units.items():
        if unit_id in profiles:
            profiles[unit_id] = profile

    payments = 0
    for offset in range(MONTHS):
        period = add_months(start, offset)
        readings = []
        for unit in units:
            use = Decimal(rng.randrange(4, 25)) if residential else Decimal(rng.randrange(200, 1500))
            value = last_value[unit.pk] + use
            readings.append(
                MeterReading(
                    estate=estate,
                    unit=unit,
                    meter=meters[unit.pk],
                    period=period,
                    reading_date=period + timedelta(days=rng.randrange(0, 5)),
                    value=value,
                    consumption=use,
                    recorded_by=clerk,
                )
            )
            last_value[unit.pk] = value
        MeterReading.objects.bulk_create(readings)
        issued = _at(period + timedelta(days=0), hour=2)
        services.generate_bills(estate=estate, period=period, actor=None, now=issued)
        if offset == MONTHS - 1 and (first or not residential):
            _one_offs(estate=estate, items=items, units=units, rng=rng, clerk=clerk, day=today)
        payments += _payments_for_month(
            estate=estate,
            units=units,
            profiles=profiles,
            period=period,
            offset=offset,
            rng=rng,
            clerk=clerk,
            today=today,
        )
    _deposits(units=units, rng=rng, clerk=clerk, manager=manager, today=today)
    ladder = services.run_reminder_ladder(now=_at(today, hour=9), estate_ids=[estate.pk])
    _some_call_outcomes(estate=estate, users=users, rng=rng, today=today)
    return {
        "bills": Bill.objects.filter(estate=estate).count(),
        "payments": payments,
        "reminders": sum(ladder.created.values()),
    }


def _tariff(estate: Estate, key: str, this_month: date) -> dict[str, ChargeItem]:
    items = {}
    for order, (code, name, kind, basis, applies, history, vacant) in enumerate(TARIFFS[key]):
        item, _created = ChargeItem.objects.get_or_create(
            estate=estate,
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "basis": basis,
                "applies_to": applies,
                "vacant_discount_applies": vacant,
                "sort_order": order,
            },
        )
        for months_before, rate in history:
            ChargeRate.objects.get_or_create(
                charge_item=item,
                effective_from=add_months(this_month, -months_before),
                defaults={"rate": Decimal(rate)},
            )
        items[code] = item
    return items


def _resident_units(users: dict) -> dict[int, str]:
    wanted = {}
    for key, profile in (("resident", "late"), ("resident2", "annual")):
        user = users.get(key)
        if user is None:
            continue
        for unit_id in (
            Occupancy.objects.current().filter(person__user=user).values_list("unit_id", flat=True)
        ):
            wanted[unit_id] = profile
    return wanted


def _outstanding_by_unit(estate: Estate, unit_ids) -> dict[int, Decimal]:
    return dict(
        Bill.objects.unpaid()
        .filter(estate=estate, unit_id__in=list(unit_ids))
        .values("unit_id")
        .annotate(total=Sum(F("amount") - F("amount_paid")))
        .values_list("unit_id", "total")
    )


def _payments_for_month(*, estate, units, profiles, period, offset, rng, clerk, today) -> int:
    """Who pays this month, and how much. Annual payers prepay a year up front (the generator then
    applies the prepaid balance each month); monthly payers pay each month, quarterly payers settle
    every three months; late
    payers clear part of their arrears twice a year; the rest never pay."""
    payers: dict[int, str] = {}
    for unit in units:
        profile = profiles[unit.pk]
        if (
            (profile == "annual" and offset == 0)
            or (profile == "quarterly" and offset % 3 == 2)
            or profile == "late"
            and offset in (5, 10)
        ):
            payers[unit.pk] = profile
    if not payers:
        return 0
    owed = _outstanding_by_unit(estate, payers)
    last_day = min(today, period + timedelta(days=27))
    count = 0
    for unit in units:
        profile = payers.get(unit.pk)
        if profile is None:
            continue
        due = owed.get(unit.pk, Decimal(0))
        if profile == "annual":
            # A year ahead, rounded up to the hundred, as owners do at the counter.
            monthly = Bill.objects.filter(unit=unit, period=period).aggregate(t=Sum("amount"))[
                "t"
            ] or Decimal(0)
            amount = to_money(((monthly * 12) // 100 + 1) * 100)
        elif profile == "late":
            amount = to_money(due * Decimal(rng.choice(["0.5", "0.7", "1"])))
        else:
            amount = due
        if amount <= 0:
            continue
        day = period + timedelta(days=rng.randrange(3, 28))
        when = _at(min(day, last_day), hour=rng.randrange(9, 17))
        services.record_payment(
            unit=unit,
            amount=amount,
            method=rng.choice(METHODS),
            actor=clerk,
            now=when,
            idempotency_key=f"demo:payment:{unit.pk}:{when:%Y%m%d%H}",
            payer_name="" if rng.random() < 0.7 else "代缴",
        )
        count += 1
    return count


def _one_offs(*, estate, items, units, rng, clerk, day) -> None:
    for unit in rng.sample(units, k=min(5, len(units))):
        item = items.get("rubbish") if "rubbish" in items and rng.random() < 0.5 else items["repair"]
        services.create_one_off_bill(
            unit=unit,
            charge_item=item,
            amount=Decimal(rng.choice(["50.00", "80.00", "120.00", "200.00"])),
            actor=clerk,
            description=item.name,
            source_reference=f"demo:{item.code}:{unit.pk}",
            now=_at(day, hour=9),
        )


def _deposits(*, units, rng, clerk, manager, today) -> None:
    chosen = rng.sample(units, k=min(3, len(units)))
    for index, unit in enumerate(chosen):
        movement = services.receive_deposit(
            unit=unit,
            purpose="renovation",
            amount=Decimal("5000.00"),
            method=PaymentMethod.BANK_CARD,
            actor=clerk,
            reference=f"demo-renovation:{unit.pk}",
            idempotency_key=f"demo:deposit:{unit.pk}",
            now=_at(today - timedelta(days=90), hour=11),
        )
        if index == 0:
            services.refund_deposit(
                account=movement.account,
                actor=manager,
                method=PaymentMethod.BANK_TRANSFER,
                deductions=[(Decimal("300.00"), "楼道墙面损坏修复")],
                idempotency_key=f"demo:deposit-refund:{movement.account_id}",
                now=_at(today - timedelta(days=5), hour=15),
            )


def _some_call_outcomes(*, estate, users, rng, today) -> None:
    from billing.models import Reminder

    unit_ids = sorted(
        set(
            Reminder.objects.filter(
                estate=estate, stage=Reminder.Stage.CALL, bill__status__in=Bill.UNPAID_STATUSES
            ).values_list("unit_id", flat=True)
        )
    )
    by_outcome = defaultdict(list)
    for unit_id in unit_ids[: max(1, len(unit_ids) // 3)]:
        outcome = rng.choice(["promised", "refused", "unreachable"])
        by_outcome[outcome].append(unit_id)
        services.record_call_outcome(
            unit=Unit.objects.get(pk=unit_id),
            actor=users["housekeeper"],
            outcome=outcome,
            promised_date=today + timedelta(days=rng.randrange(3, 20)) if outcome == "promised" else None,
            note={"promised": "说月底前来交", "refused": "对服务不满意，拒缴", "unreachable": "电话无人接听"}[
                outcome
            ],
            now=_at(today, hour=14),
        )
