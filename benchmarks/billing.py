"""Billing at portfolio scale: bill generation for every unit, the daily reminder sweep over a
million bills, the cashier page of a unit with five years of history, and the arrears report.

History is loaded with COPY: nine past months of bills for every unit (paid, except for one unit
in eighteen whose bills were never paid: 5 % of all bills, overdue by one to nine months). Those
bulk-loaded paid bills carry their paid status only, without payment rows; the sweep reads
statuses, not payments. The unit measured at the cashier gets its five years through the real
services (every payment posted with `record_payment`).
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from billing import services
from billing.models import Bill, ChargeItem, ChargeRate, Payment, Reminder
from residents.models import Building, Person, Unit
from servicecenter.periods import add_months, month_end, month_start
from staff.models import Notification, Zone, ZoneBuilding

PAST_MONTHS = 9
UNPAID_EVERY = 18  # one unit in 18 never paid: 2 items × 9 months = 5 % of a million bills
HISTORY_MONTHS = 60
PORTAL_USERS_EVERY = 50  # one unit in 50 has a resident who uses the portal

COPY_COLUMNS = (
    "estate_id, unit_id, charge_item_id, period, is_recurring, description, quantity, rate, days_billed, "
    "days_in_period, discount_percent, amount, amount_paid, status, issue_date, due_date, source_reference, created_at"
)


class _FreshKeyClient(Client):
    """A client whose every POST carries a new Idempotency-Key (unless the call names one): the
    payments API refuses a payment without one, and each measured payment is a new payment."""

    def post(self, path, *args, **kwargs):
        kwargs.setdefault("HTTP_IDEMPOTENCY_KEY", f"bench:pay:{uuid.uuid4()}")
        return super().post(path, *args, **kwargs)


def _keyed_client_for(user) -> _FreshKeyClient:
    client = _FreshKeyClient()
    client.force_login(user)
    client._bench_user_pk = user.pk  # shares the floor measured for the same user
    return client


def _tariff(estate) -> list[ChargeItem]:
    specs = [
        (
            "property",
            "物业服务费",
            ChargeItem.Kind.PROPERTY_FEE,
            ChargeItem.Basis.PER_AREA_MONTH,
            ChargeItem.AppliesTo.ALL_UNITS,
            "2.50",
        ),
        (
            "elevator",
            "电梯运行费",
            ChargeItem.Kind.ELEVATOR,
            ChargeItem.Basis.PER_UNIT_MONTH,
            ChargeItem.AppliesTo.ELEVATOR_BUILDINGS,
            "20.00",
        ),
    ]
    items = []
    for code, name, kind, basis, applies, rate in specs:
        item, _ = ChargeItem.objects.get_or_create(
            estate=estate,
            code=code,
            defaults={"name": name, "kind": kind, "basis": basis, "applies_to": applies},
        )
        ChargeRate.objects.get_or_create(
            charge_item=item,
            effective_from=add_months(timezone.localdate(), -120),
            defaults={"rate": Decimal(rate)},
        )
        items.append(item)
    return items


def _copy_history(*, estate, items, unit_rows, history_unit_id, this_month) -> int:
    """Nine past months of bills for every unit but the cashier's, by COPY in chunks."""
    rates = {item.pk: item.rates.order_by("-effective_from").first().rate for item in items}
    now = timezone.now().isoformat()
    written = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        nonlocal buffer, writer
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY billing_bill ({COPY_COLUMNS}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (description, source_reference))",
                buffer,
            )
        buffer = io.StringIO()
        writer = csv.writer(buffer)

    for back in range(PAST_MONTHS, 0, -1):
        period = add_months(this_month, -back)
        days = month_end(period).day
        due = period + timedelta(days=30)
        for index, (unit_id, area) in enumerate(unit_rows):
            if unit_id == history_unit_id:
                continue
            unpaid = index % UNPAID_EVERY == 0
            for item in items:
                quantity = area if item.basis == ChargeItem.Basis.PER_AREA_MONTH else Decimal(1)
                amount = (rates[item.pk] * quantity).quantize(Decimal("0.01"))
                writer.writerow(
                    [
                        estate.pk,
                        unit_id,
                        item.pk,
                        period,
                        "t",
                        "",
                        quantity,
                        rates[item.pk],
                        days,
                        days,
                        "0",
                        amount,
                        "0" if unpaid else amount,
                        "open" if unpaid else "paid",
                        period,
                        due,
                        "",
                        now,
                    ]
                )
                written += 1
        flush()
    return written


def _history_unit(*, estate, items, unit_id, clerk, this_month) -> None:
    """Five years of bills and real payments: paid month by month, the last three still open."""
    unit = Unit.objects.get(pk=unit_id)
    rates = {item.pk: item.rates.order_by("-effective_from").first().rate for item in items}
    bills = []
    for back in range(HISTORY_MONTHS, 0, -1):
        period = add_months(this_month, -back)
        for item in items:
            quantity = unit.area if item.basis == ChargeItem.Basis.PER_AREA_MONTH else Decimal(1)
            bills.append(
                Bill(
                    estate=estate,
                    unit=unit,
                    charge_item=item,
                    period=period,
                    quantity=quantity,
                    rate=rates[item.pk],
                    days_billed=28,
                    days_in_period=28,
                    amount=(rates[item.pk] * quantity).quantize(Decimal("0.01")),
                    issue_date=period,
                    due_date=period + timedelta(days=30),
                )
            )
    Bill.objects.bulk_create(bills)
    for back in range(HISTORY_MONTHS, 3, -1):
        period = add_months(this_month, -back)
        owed = sum(b.amount for b in bills if b.period == period)
        paid_at = timezone.make_aware(datetime.combine(period + timedelta(days=12), clock_time(10)))
        services.record_payment(
            unit=unit,
            amount=owed,
            method="wechat",
            actor=clerk,
            idempotency_key=f"bench:history:{unit.pk}:{period:%Y-%m}",
            now=paid_at,
        )


def _portal_users(unit_ids) -> int:
    User = get_user_model()
    chosen = unit_ids[::PORTAL_USERS_EVERY]
    User.objects.bulk_create(
        [User(username=f"bench-portal-{unit_id}", password="!") for unit_id in chosen],
        ignore_conflicts=True,
        batch_size=5000,
    )
    users = dict(User.objects.filter(username__startswith="bench-portal-").values_list("username", "pk"))
    with connection.cursor() as cursor:
        for start in range(0, len(chosen), 2000):
            chunk = chosen[start : start + 2000]
            values = ", ".join(f"({unit_id}, {users[f'bench-portal-{unit_id}']})" for unit_id in chunk)
            cursor.execute(
                "UPDATE residents_person p SET user_id = v.user_id FROM (VALUES "
                + values
                + ") AS v(unit_id, user_id), "
                "residents_occupancy o WHERE o.person_id = p.id AND o.unit_id = v.unit_id AND p.user_id IS NULL"
            )
    return len(chosen)


def run(bench) -> None:
    bench.section("Billing")
    estate = bench.data["estate"]
    users = bench.data["users"]
    unit_ids = bench.data["unit_ids"]
    clerk = users["clerk"]
    this_month = month_start(timezone.localdate())
    items = _tariff(estate)
    history_unit_id = unit_ids[1]

    if not Bill.objects.filter(estate=estate).exists():
        started = time.perf_counter()
        unit_rows = list(Unit.objects.filter(estate=estate).order_by("pk").values_list("pk", "area"))
        with transaction.atomic():
            written = _copy_history(
                estate=estate,
                items=items,
                unit_rows=unit_rows,
                history_unit_id=history_unit_id,
                this_month=this_month,
            )
            _history_unit(
                estate=estate, items=items, unit_id=history_unit_id, clerk=clerk, this_month=this_month
            )
            portal = _portal_users(unit_ids)
            zone, _ = Zone.objects.get_or_create(
                estate=estate, name="bench-zone", defaults={"housekeeper": users["housekeeper"]}
            )
            ZoneBuilding.objects.bulk_create(
                [ZoneBuilding(zone=zone, building=b) for b in Building.objects.filter(estate=estate)],
                ignore_conflicts=True,
            )
        # What autovacuum does to a loaded table in production: statistics and the visibility map.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE billing_bill")
        bench.note(
            f"history: {written:,} bills by COPY, {HISTORY_MONTHS} months of payments for one unit, "
            f"{portal:,} portal users, in {time.perf_counter() - started:.1f} s"
        )

    latest = (
        Bill.objects.filter(estate=estate, is_recurring=True)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    period = this_month if latest is None or latest < this_month else add_months(latest, 1)
    _row, first = bench.time_call(
        f"generate bills, {len(unit_ids):,} units, one month",
        lambda: services.generate_bills(estate=estate, period=period, actor=clerk),
    )
    bench.note(f"created {first.created:,} bills for {period:%Y-%m}")
    _row, second = bench.time_call(
        "generate bills again (idempotent)",
        lambda: services.generate_bills(estate=estate, period=period, actor=clerk),
    )
    bench.note(f"second run created {second.created:,}")

    total = Bill.objects.filter(estate=estate).count()
    overdue = Bill.objects.overdue(timezone.localdate()).filter(estate=estate).count()
    bench.note(f"reminder sweep over {total:,} bills, {overdue:,} overdue")
    notes_before = Notification.objects.count()
    _row, ladder = bench.time_call(
        "daily reminder sweep", lambda: services.run_reminder_ladder(estate_ids=[estate.pk])
    )
    bench.note(
        "rungs reached: "
        + ", ".join(f"{stage} {count:,}" for stage, count in ladder.created.items())
        + f"; {Notification.objects.count() - notes_before:,} notifications"
    )
    notes_before = Notification.objects.count()
    _row, again = bench.time_call(
        "reminder sweep again, same day", lambda: services.run_reminder_ladder(estate_ids=[estate.pk])
    )
    bench.note(
        f"second sweep: {sum(again.created.values()):,} rungs, {Notification.objects.count() - notes_before:,} notifications"
    )

    cashier = bench.client_for(clerk)
    history = Unit.objects.get(pk=history_unit_id)
    bench.note(
        f"cashier unit {history.code}: {Bill.objects.filter(unit=history).count()} bills, "
        f"{Payment.objects.filter(unit=history).count()} payments"
    )
    bench.measure(
        "cashier page, unit with 5 years of history",
        cashier,
        "get",
        "/billing/cashier/",
        data={"unit": history.pk},
    )
    bench.measure(
        "cashier unit type-ahead", cashier, "get", "/billing/cashier/units.json", data={"q": history.code[:4]}
    )
    bench.measure(
        "take a payment (API)",
        _keyed_client_for(clerk),
        "post",
        "/api/payments/",
        data={"unit": unit_ids[2], "amount": "10.00", "method": "cash"},
        expect=201,
        repeat=10,
    )
    bench.measure(
        "payment retried with the same Idempotency-Key",
        cashier,
        "post",
        "/api/payments/",
        data={"unit": unit_ids[3], "amount": "10.00", "method": "cash"},
        expect=None,
        HTTP_IDEMPOTENCY_KEY="bench-retry",
    )
    # The bills above were loaded by COPY, behind the services' back: the nightly sweep (issue #16)
    # brings the per-unit arrears summary the report reads up to date.
    _row, swept = bench.time_call(
        "nightly arrears-summary sweep", lambda: services.refresh_all_unit_arrears(estate_ids=[estate.pk])
    )
    bench.note(f"arrears summary recomputed for {swept:,} units")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE billing_unitarrears")  # as autovacuum would after a first fill
    supervisor = bench.client_for(users["supervisor"])
    bench.measure(
        "arrears report, whole estate", supervisor, "get", "/billing/arrears/", data={"estate": estate.pk}
    )
    bench.measure("arrears API, first page", supervisor, "get", "/api/arrears/", data={"estate": estate.pk})
    bench.measure("bill list, overdue filter", supervisor, "get", "/billing/bills/", data={"overdue": "true"})
    bench.measure("bills API, one unit", cashier, "get", "/api/bills/", data={"unit": history.pk})
    bench.measure("monthly statement", supervisor, "get", "/billing/statement/", data={"estate": estate.pk})
    bench.measure("cash journal, today", supervisor, "get", "/billing/journal/", data={"estate": estate.pk})
    resident = bench.data.get("resident")
    if resident is not None:
        bench.measure("portal: my bills", bench.client_for(resident), "get", "/portal/bills/")
    bench.note(
        f"reminder rows: {Reminder.objects.filter(estate=estate).count():,}; persons {Person.objects.count():,}"
    )
