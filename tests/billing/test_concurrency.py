"""Row locks under real concurrency (PostgreSQL only): threads, each on its own connection."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from billing import services
from billing.models import Allocation, Bill, Payment, Receipt
from servicecenter.exceptions import DomainError
from tests.billing.conftest import make_bill, new_key
from tests.billing.factories import BillingPolicyFactory
from tests.factories import UnitFactory

pytestmark = pytest.mark.postgres


def run_together(count, work):
    """Start `count` threads at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def target(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_payments_on_a_picked_bill_never_over_allocate(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    results = run_together(
        4,
        lambda i: services.record_payment(
            idempotency_key=new_key(),
            unit=unit_a,
            amount="100.00",
            method="cash",
            actor=users["clerk"],
            bill_ids=[bill.pk],
        ),
    )
    succeeded = [r for r in results if isinstance(r, services.PaymentOutcome)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(succeeded) == 1 and len(refused) == 3
    bill.refresh_from_db()
    assert bill.amount_paid == Decimal("100.00") and bill.status == Bill.Status.PAID
    assert sum(a.amount for a in Allocation.objects.filter(bill=bill)) == Decimal("100.00")


def test_concurrent_oldest_first_payments_split_between_bill_and_balance(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    results = run_together(
        3,
        lambda i: services.record_payment(
            idempotency_key=new_key(), unit=unit_a, amount="60.00", method="wechat", actor=users["clerk"]
        ),
    )
    assert all(isinstance(r, services.PaymentOutcome) for r in results), results
    bill.refresh_from_db()
    assert bill.amount_paid == Decimal("100.00")
    assert services.prepaid_balance(unit_a.pk) == Decimal("80.00")


def test_receipt_numbers_stay_gapless_when_payments_race_and_some_roll_back(estate_a, building_a, users):
    units = [UnitFactory(building=building_a) for _ in range(8)]

    def work(index):
        with transaction.atomic():
            outcome = services.record_payment(
                idempotency_key=new_key(),
                unit=units[index],
                amount="10.00",
                method="cash",
                actor=users["clerk"],
            )
            if index % 3 == 0:
                raise RuntimeError("the till jammed")  # rolls back the payment and its number
            return outcome.payment.receipt.number

    results = run_together(8, work)
    numbers = sorted(r for r in results if isinstance(r, str))
    assert len(numbers) == 5
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2, 3, 4, 5]
    assert Receipt.objects.count() == 5


def test_same_idempotency_key_concurrently_posts_once(unit_a, users):
    make_bill(unit_a, "100.00")
    results = run_together(
        4,
        lambda i: services.record_payment(
            unit=unit_a, amount="30.00", method="cash", actor=users["clerk"], idempotency_key="double-click"
        ),
    )
    assert all(isinstance(r, services.PaymentOutcome) for r in results), results
    assert len({r.payment.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Payment.objects.count() == 1


def test_concurrent_void_and_payment_keep_the_bill_consistent(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    first = services.record_payment(
        idempotency_key=new_key(), unit=unit_a, amount="100.00", method="cash", actor=users["clerk"]
    ).payment

    def work(index):
        if index == 0:
            return services.void_payment(payment=first, actor=users["manager"], reason="wrong")
        return services.record_payment(
            idempotency_key=new_key(),
            unit=unit_a,
            amount="100.00",
            method="cash",
            actor=users["clerk"],
            bill_ids=[bill.pk],
        )

    run_together(2, work)
    bill.refresh_from_db()
    effective = sum(a.amount for a in Allocation.objects.effective().filter(bill=bill))
    assert bill.amount_paid == effective
    assert bill.amount_paid <= bill.amount


def test_concurrent_payments_on_an_overdue_bill_charge_its_late_fee_once(unit_a, users):
    from datetime import date

    from billing.models import ChargeItem, LateFeeAccrual
    from tests.billing.conftest import at

    BillingPolicyFactory(
        estate=unit_a.estate,
        late_fees_enabled=True,
        late_fee_daily_rate=Decimal("0.001"),
        late_fee_cap_percent=Decimal("10"),
    )
    bill = make_bill(unit_a, "1000.00", period=date(2025, 3, 1), due=date(2025, 3, 31))
    results = run_together(
        3,
        lambda i: services.record_payment(
            idempotency_key=new_key(),
            unit=unit_a,
            amount="100.00",
            method="cash",
            actor=users["clerk"],
            now=at(2025, 4, 10),
        ),
    )
    assert all(isinstance(r, services.PaymentOutcome) for r in results), results
    assert LateFeeAccrual.objects.filter(source_bill=bill).count() == 1
    fee_bill = Bill.objects.get(charge_item__kind=ChargeItem.Kind.LATE_FEE)
    assert fee_bill.amount == Decimal("10.00")
    bill.refresh_from_db()
    fee_bill.refresh_from_db()
    # 300 paid: the bill first (oldest), then its late fee as soon as the bill is settled.
    assert bill.amount_paid + fee_bill.amount_paid == Decimal("300.00")
