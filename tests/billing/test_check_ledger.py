"""Issue #16: `check_ledger` reports zero differences on a ledger written by the services (payments,
overpayments, the prepaid balance spent, a void, a refund, a deposit) and finds each kind of
deliberately broken row, in a number of queries that does not grow with the rows."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from billing import services
from billing.models import (
    Allocation,
    Bill,
    DepositMovement,
    Payment,
    Receipt,
    ReceiptCounter,
)
from billing.selectors_ledger import check_ledger
from tests.billing.conftest import at, make_bill, new_key

pytestmark = pytest.mark.django_db

D = Decimal
NOW = at(2025, 3, 10)
# Two queries (a count, then the first rows) per kind of difference, whatever the number of rows.
MAX_QUERIES = 2 * 8


def pay(unit, amount, user, *, now=NOW, **kwargs):
    kwargs.setdefault("method", "cash")
    return services.record_payment(
        idempotency_key=new_key(), unit=unit, amount=amount, actor=user, now=now, **kwargs
    ).payment


@pytest.fixture
def ledger(unit_a, unit_a2, unit_b, users):
    """A consistent ledger made through the services only."""
    make_bill(unit_a, "100.00", period=date(2025, 1, 1))
    make_bill(unit_a, "80.00", period=date(2025, 2, 1))
    make_bill(unit_a2, "50.00", period=date(2025, 1, 1))
    make_bill(unit_b, "60.00", period=date(2025, 1, 1))
    paid = pay(unit_a, "150.00", users["clerk"])  # 100 + 50 of the 80
    pay(unit_a2, "70.00", users["clerk"])  # 50, and 20 to the prepaid balance
    make_bill(unit_a2, "30.00", period=date(2025, 2, 1))
    services.apply_prepaid_balances(estate=unit_a2.estate, now=NOW)  # a prepaid payment of 20
    voided = pay(unit_a, "10.00", users["clerk"])
    services.void_payment(payment=voided, actor=users["manager"], reason="wrong unit", now=NOW)
    refunded = pay(unit_a, "20.00", users["clerk"])
    services.refund_payment(payment=refunded, actor=users["manager"], reason="paid twice", now=NOW)
    pay(unit_b, "60.00", users["company"])  # another estate, another receipt series
    services.receive_deposit(
        idempotency_key=new_key(),
        unit=unit_a,
        purpose="renovation",
        amount="2000.00",
        method="bank_card",
        actor=users["clerk"],
        reference="renovation:1",
        now=NOW,
    )
    return paid


def run_check(capsys, *args) -> tuple[int, str]:
    capsys.readouterr()
    try:
        call_command("check_ledger", *args)
    except CommandError as error:
        return error.returncode, capsys.readouterr().out
    return 0, capsys.readouterr().out


def test_a_ledger_written_by_the_services_has_no_difference(ledger, capsys, django_assert_max_num_queries):
    assert Payment.objects.filter(method="prepaid").count() == 1
    assert set(Payment.objects.exclude(status="posted").values_list("status", flat=True)) == {
        "voided",
        "refunded",
    }
    with django_assert_max_num_queries(8):  # one count per kind, nothing to list
        assert check_ledger().differences == 0
    code, out = run_check(capsys)
    assert code == 0
    assert out.strip() == "ledger check: 0 differences"


def test_a_payment_whose_allocations_do_not_sum_to_its_amount(ledger, capsys):
    allocation = Allocation.objects.filter(payment=ledger).order_by("pk").first()
    Allocation.objects.filter(pk=allocation.pk).update(amount=F("amount") - 1)
    Bill.objects.filter(pk=allocation.bill_id).update(amount_paid=F("amount_paid") - 1)

    code, out = run_check(capsys)
    assert code == 1
    assert "payments whose allocations do not sum to the amount: 1" in out
    assert f"payment {ledger.pk} (estate {ledger.estate_id}): amount 150.00 ≠ allocated 149.00" in out
    assert "bills" not in out  # the bill's paid total follows its allocations
    assert "ledger check: 1 differences" in out


def test_a_bill_allocated_more_than_its_amount(ledger, unit_a, capsys):
    bill = Bill.objects.get(unit=unit_a, period=date(2025, 1, 1))  # paid in full
    extra = Payment.objects.create(
        estate=unit_a.estate, unit=unit_a, amount=D("5.00"), method="prepaid", received_at=NOW
    )
    Allocation.objects.create(
        estate=unit_a.estate, payment=extra, bill=bill, amount=D("5.00"), created_at=NOW
    )

    code, out = run_check(capsys)
    assert code == 1
    assert "bills allocated more than their amount: 1" in out
    assert f"bill {bill.pk} (estate {bill.estate_id}, paid): allocated 105.00 > amount 100.00" in out
    assert f"bill {bill.pk} (estate {bill.estate_id}, paid): paid 100.00 ≠ allocated 105.00" in out
    assert "payments whose" not in out


def test_a_voided_payments_allocations_no_longer_count_for_the_bill(ledger, unit_a, capsys):
    """The voided payment's allocation is kept: counting it would find the reopened bill wrong."""
    bill = Bill.objects.get(unit=unit_a, period=date(2025, 2, 1))
    assert Allocation.objects.filter(bill=bill, payment__status="voided").exists()
    Bill.objects.filter(pk=bill.pk).update(amount_paid=F("amount_paid") + 10)  # as if it still counted

    code, out = run_check(capsys)
    assert code == 1
    assert f"bill {bill.pk} (estate {bill.estate_id}, partially_paid): paid 60.00 ≠ allocated 50.00" in out


def test_a_payment_reversed_without_its_status(ledger, capsys):
    voided = Payment.objects.get(status="voided")
    Payment.objects.filter(pk=voided.pk).update(status="posted")

    code, out = run_check(capsys)
    assert code == 1
    assert (
        f"payment {voided.pk} (estate {voided.estate_id}): status posted, amount 10.00, void of 10.00" in out
    )


def test_a_gap_in_the_receipt_numbers(ledger, unit_a, users, capsys):
    ReceiptCounter.objects.filter(estate=unit_a.estate).update(last_number=F("last_number") + 2)
    later = pay(unit_a, "1.00", users["clerk"])
    assert later.receipt.sequence == 8  # receipts 1–5 by the fixture, 6 and 7 never issued

    code, out = run_check(capsys)
    assert code == 1
    assert "receipt series with gaps or repeats: 1" in out
    assert f"estate {unit_a.estate_id} 2025: 6 numbers, 2 missing between 1 and 8" in out
    assert f"estate {unit_a.estate_id} 2025: 6–7 missing after 5" in out
    assert "ledger check: 1 differences" in out  # the gap's detail is not counted again


def test_a_receipt_number_given_out_with_no_money_behind_it_and_a_lost_last_number(ledger, unit_a, capsys):
    receipt = services.issue_receipt(estate=unit_a.estate, kind=Receipt.Kind.PAYMENT, now=NOW)
    ReceiptCounter.objects.filter(estate=unit_a.estate).update(last_number=F("last_number") + 1)

    code, out = run_check(capsys)
    assert code == 1
    assert f"receipt {receipt.number} (payment): no payment recorded with it" in out
    assert "counter at 7: 7 issued but missing" in out
    assert "ledger check: 2 differences" in out


def test_a_counter_behind_its_receipts_would_give_a_number_twice(ledger, unit_a, capsys):
    ReceiptCounter.objects.filter(estate=unit_a.estate).update(last_number=2)

    code, out = run_check(capsys)
    assert code == 1
    assert "counter at 2 below the highest number 5: the next receipt would repeat 3" in out


def test_a_receipt_on_a_payment_and_a_deposit(ledger, capsys):
    deposit = DepositMovement.objects.get()
    DepositMovement.objects.filter(pk=deposit.pk).update(receipt=ledger.receipt)

    code, out = run_check(capsys)
    assert code == 1
    assert f"receipt {ledger.receipt.number} (payment): on a payment and a deposit" in out
    assert f"receipt {deposit.receipt.number} (deposit): no deposit recorded with it" in out


def test_the_check_is_limited_to_the_estates_asked(ledger, unit_b, capsys):
    payment = Payment.objects.get(unit=unit_b)
    Allocation.objects.filter(payment=payment).update(amount=F("amount") - 1)

    assert run_check(capsys, "--estate", str(unit_b.estate_id))[0] == 1
    code, out = run_check(capsys, "--estate", str(ledger.estate_id))
    assert (code, out.strip()) == (0, "ledger check: 0 differences")


def test_the_queries_do_not_grow_with_the_differences(ledger, unit_a, capsys, django_assert_max_num_queries):
    bills = [make_bill(unit_a, "10.00", period=date(2024, month, 1)) for month in range(1, 13)]
    for bill in bills:
        extra = Payment.objects.create(
            estate=unit_a.estate, unit=unit_a, amount=D("9.00"), method="prepaid", received_at=NOW
        )
        Allocation.objects.create(
            estate=unit_a.estate, payment=extra, bill=bill, amount=D("11.00"), created_at=NOW
        )
    ReceiptCounter.objects.filter(estate=unit_a.estate).update(last_number=2)

    with django_assert_max_num_queries(MAX_QUERIES):
        result = check_ledger(show=5)
    counts = {section.title: section.count for section in result.sections}
    assert counts["payments whose allocations do not sum to the amount"] == 12
    assert counts["bills allocated more than their amount"] == 12
    assert all(len(section.shown) <= 5 for section in result.sections)
    code, out = run_check(capsys, "--show", "5")
    assert "  … and 7 more" in out
    assert code == 1


def test_a_deposit_deduction_settles_its_bill_without_an_allocation(unit_a2, users, capsys):
    held = services.receive_deposit(
        idempotency_key=new_key(),
        unit=unit_a2,
        purpose="renovation",
        amount="500.00",
        method="cash",
        actor=users["clerk"],
        reference="renovation:2",
        now=NOW,
    )
    services.refund_deposit(
        idempotency_key=new_key(),
        account=held.account,
        actor=users["manager"],
        method="cash",
        deductions=[("120.00", "damaged corridor wall")],
    )
    revenue = Bill.objects.get(deposit_deduction__isnull=False)
    assert revenue.status == "paid" and not revenue.allocations.exists()
    assert check_ledger().differences == 0

    Bill.objects.filter(pk=revenue.pk).update(amount_paid=F("amount") - 1)  # paid total out of step
    assert run_check(capsys)[0] == 1
