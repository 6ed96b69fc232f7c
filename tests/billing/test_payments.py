from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from billing import services
from billing.models import Allocation, Bill, BillEvent, Payment, PaymentReversal, PrepaidMovement, Receipt
from billing.services import IdempotencyConflict
from servicecenter.exceptions import DomainError, TransitionError
from tests.billing.conftest import at, make_bill, new_key

pytestmark = pytest.mark.django_db


def pay(unit, amount, user, **kwargs):
    kwargs.setdefault("method", "cash")
    kwargs.setdefault("now", at(2025, 3, 10))
    return services.record_payment(
        idempotency_key=new_key(), unit=unit, amount=amount, actor=user, **kwargs
    ).payment


def test_payment_settles_oldest_bills_first(unit_a, users):
    old = make_bill(unit_a, "100.00", period=date(2025, 1, 1))
    new = make_bill(unit_a, "100.00", period=date(2025, 2, 1))
    payment = pay(unit_a, "150.00", users["clerk"])
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, old.amount_paid) == (Bill.Status.PAID, Decimal("100.00"))
    assert (new.status, new.amount_paid) == (Bill.Status.PARTIALLY_PAID, Decimal("50.00"))
    assert [(a.bill_id, a.amount) for a in payment.allocations.order_by("pk")] == [
        (old.pk, Decimal("100.00")),
        (new.pk, Decimal("50.00")),
    ]
    assert BillEvent.objects.filter(
        bill=new, to_status=Bill.Status.PARTIALLY_PAID, actor=users["clerk"]
    ).exists()


def test_payment_to_picked_bills_only(unit_a, users):
    old = make_bill(unit_a, "100.00", period=date(2025, 1, 1))
    new = make_bill(unit_a, "80.00", period=date(2025, 2, 1))
    pay(unit_a, "80.00", users["clerk"], bill_ids=[new.pk])
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == Bill.Status.OPEN and new.status == Bill.Status.PAID


def test_picked_bill_of_another_unit_is_refused(unit_a, unit_a2, users):
    other = make_bill(unit_a2, "80.00")
    with pytest.raises(DomainError):
        pay(unit_a, "80.00", users["clerk"], bill_ids=[other.pk])
    assert not Payment.objects.exists()


def test_overpayment_goes_to_the_prepaid_balance(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    payment = pay(unit_a, "250.00", users["clerk"])
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    movement = PrepaidMovement.objects.get(unit=unit_a)
    assert (movement.kind, movement.amount, movement.payment_id) == (
        "overpayment",
        Decimal("150.00"),
        payment.pk,
    )
    assert services.prepaid_balance(unit_a.pk) == Decimal("150.00")


def test_prepaid_balance_is_applied_to_new_bills(unit_a, property_fee, generate, users):
    pay(unit_a, "300.00", users["clerk"])  # no bills yet: all prepaid
    result = generate()  # March property fee 223.75
    bill = Bill.objects.get(unit=unit_a)
    assert result.units_prepaid_applied == 1
    assert bill.status == Bill.Status.PAID
    assert services.prepaid_balance(unit_a.pk) == Decimal("76.25")
    applied = Payment.objects.get(method="prepaid")
    assert applied.receipt is None and applied.amount == Decimal("223.75")
    generate(period=date(2025, 4, 1))
    april = Bill.objects.get(unit=unit_a, period=date(2025, 4, 1))
    assert (april.status, april.amount_paid) == (Bill.Status.PARTIALLY_PAID, Decimal("76.25"))
    assert services.prepaid_balance(unit_a.pk) == Decimal("0.00")


def test_paying_from_the_prepaid_balance(unit_a, users):
    pay(unit_a, "50.00", users["clerk"])
    bill = make_bill(unit_a, "80.00")
    with pytest.raises(DomainError) as error:
        pay(unit_a, "60.00", users["clerk"], method="prepaid")
    assert error.value.code == "insufficient_prepaid_balance"
    payment = pay(unit_a, "50.00", users["clerk"], method="prepaid")
    bill.refresh_from_db()
    assert bill.amount_paid == Decimal("50.00") and payment.receipt is None
    assert services.prepaid_balance(unit_a.pk) == Decimal("0.00")


@pytest.mark.parametrize(
    "amount", ["0", "0.00", "-5", "abc", "10.005", "1e3", "NaN", "Infinity", "", None, "99999999999"]
)
def test_bad_amounts_are_refused_and_change_nothing(unit_a, users, amount):
    make_bill(unit_a, "100.00")
    with pytest.raises(DomainError):
        pay(unit_a, amount, users["clerk"])
    assert not Payment.objects.exists() and not Receipt.objects.exists()


def test_unknown_method_is_refused(unit_a, users):
    with pytest.raises(DomainError):
        pay(unit_a, "10.00", users["clerk"], method="bitcoin")


def test_receipt_numbers_are_sequential_per_estate_and_year(unit_a, unit_b, users):
    a1 = pay(unit_a, "10.00", users["clerk"])
    a2 = pay(unit_a, "10.00", users["clerk"])
    b1 = pay(unit_b, "10.00", users["clerk"])
    next_year = pay(unit_a, "10.00", users["clerk"], now=at(2026, 1, 2))
    assert [a1.receipt.number, a2.receipt.number] == ["LJY-2025-000001", "LJY-2025-000002"]
    assert b1.receipt.number == "BJDS-2025-000001"
    assert next_year.receipt.number == "LJY-2026-000001"


def test_same_idempotency_key_posts_once(unit_a, users):
    make_bill(unit_a, "100.00")
    first = services.record_payment(
        unit=unit_a, amount="40.00", method="cash", actor=users["clerk"], idempotency_key="k1"
    )
    again = services.record_payment(
        unit=unit_a, amount="40.00", method="cash", actor=users["clerk"], idempotency_key="k1"
    )
    assert first.created and not again.created
    assert again.payment.pk == first.payment.pk
    assert Payment.objects.count() == 1 and Allocation.objects.count() == 1


def test_same_idempotency_key_with_a_different_body_is_refused(unit_a, users):
    services.record_payment(
        unit=unit_a, amount="40.00", method="cash", actor=users["clerk"], idempotency_key="k1"
    )
    with pytest.raises(IdempotencyConflict) as error:
        services.record_payment(
            unit=unit_a, amount="41.00", method="cash", actor=users["clerk"], idempotency_key="k1"
        )
    assert error.value.status_code == 409
    assert Payment.objects.count() == 1


def test_void_reverses_allocations_and_keeps_the_receipt(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    payment = pay(unit_a, "130.00", users["clerk"])
    reversal = services.void_payment(
        payment=payment, actor=users["manager"], reason="wrong unit", now=at(2025, 3, 10, 17)
    )
    bill.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED and reversal.kind == PaymentReversal.Kind.VOID
    assert (bill.status, bill.amount_paid) == (Bill.Status.OPEN, Decimal("0.00"))
    assert services.prepaid_balance(unit_a.pk) == Decimal("0.00")
    assert Allocation.objects.filter(payment=payment).count() == 1  # kept, no longer effective
    assert not Allocation.objects.effective().exists()
    assert Receipt.objects.filter(pk=payment.receipt_id).exists()
    assert BillEvent.objects.filter(bill=bill, to_status=Bill.Status.OPEN, note="wrong unit").exists()


def test_void_only_on_the_same_day(unit_a, users):
    payment = pay(unit_a, "10.00", users["clerk"])
    with pytest.raises(DomainError) as error:
        services.void_payment(payment=payment, actor=users["manager"], reason="late", now=at(2025, 3, 11, 9))
    assert error.value.code == "void_too_late"


def test_void_twice_is_a_transition_error(unit_a, users):
    payment = pay(unit_a, "10.00", users["clerk"])
    services.void_payment(payment=payment, actor=users["manager"], reason="x", now=at(2025, 3, 10, 12))
    with pytest.raises(TransitionError):
        services.void_payment(payment=payment, actor=users["manager"], reason="x", now=at(2025, 3, 10, 12))
    with pytest.raises(TransitionError):
        services.refund_payment(payment=payment, actor=users["manager"], reason="x", now=at(2025, 3, 10, 12))
    assert PaymentReversal.objects.count() == 1


def test_void_needs_permission_and_reason(unit_a, users):
    payment = pay(unit_a, "10.00", users["clerk"])
    with pytest.raises(PermissionDenied):
        services.void_payment(payment=payment, actor=users["clerk"], reason="x", now=at(2025, 3, 10, 12))
    with pytest.raises(DomainError):
        services.void_payment(payment=payment, actor=users["manager"], reason="  ", now=at(2025, 3, 10, 12))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.POSTED


def test_refund_any_day_reopens_bills(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    payment = pay(unit_a, "100.00", users["clerk"])
    services.refund_payment(
        payment=payment,
        actor=users["manager"],
        reason="double paid",
        refund_method="bank_transfer",
        now=at(2025, 5, 1),
    )
    bill.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and bill.status == Bill.Status.OPEN
    assert payment.reversal.refund_method == "bank_transfer"


def test_cannot_reverse_a_payment_whose_prepaid_credit_was_spent(unit_a, users):
    payment = pay(unit_a, "100.00", users["clerk"])  # all to prepaid
    make_bill(unit_a, "60.00")
    services.apply_prepaid_balances(estate=unit_a.estate, now=at(2025, 3, 10, 11))
    with pytest.raises(DomainError) as error:
        services.void_payment(payment=payment, actor=users["manager"], reason="x", now=at(2025, 3, 10, 12))
    assert error.value.code == "prepaid_already_spent"
    prepaid_payment = Payment.objects.get(method="prepaid")
    services.void_payment(payment=prepaid_payment, actor=users["manager"], reason="undo", now=at(2025, 3, 12))
    assert services.prepaid_balance(unit_a.pk) == Decimal("100.00")
    services.void_payment(payment=payment, actor=users["manager"], reason="x", now=at(2025, 3, 10, 12))
    assert services.prepaid_balance(unit_a.pk) == Decimal("0.00")


def test_refund_prepaid_balance(unit_a, users):
    pay(unit_a, "100.00", users["clerk"])
    services.refund_prepaid_balance(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="40.00",
        method="cash",
        actor=users["manager"],
        reason="moving out",
    )
    assert services.prepaid_balance(unit_a.pk) == Decimal("60.00")
    with pytest.raises(DomainError):
        services.refund_prepaid_balance(
            idempotency_key=new_key(),
            unit=unit_a,
            amount="60.01",
            method="cash",
            actor=users["manager"],
            reason="x",
        )


def test_void_bill_only_when_unpaid(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    other = make_bill(unit_a, "50.00", period=date(2025, 2, 1))
    pay(unit_a, "10.00", users["clerk"], bill_ids=[other.pk])
    with pytest.raises(PermissionDenied):
        services.void_bill(bill=bill, actor=users["clerk"], reason="wrong")
    services.void_bill(bill=bill, actor=users["manager"], reason="wrong area")
    bill.refresh_from_db()
    assert bill.status == Bill.Status.VOID
    with pytest.raises(DomainError):
        services.void_bill(bill=other, actor=users["manager"], reason="x")
    with pytest.raises(TransitionError):
        services.void_bill(bill=bill, actor=users["manager"], reason="again")


def test_reissue_replaces_a_wrong_bill(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    replacement = services.reissue_bill(
        bill=bill, amount="90.00", actor=users["manager"], reason="area corrected"
    )
    bill.refresh_from_db()
    assert bill.status == Bill.Status.VOID
    assert replacement.replaces_id == bill.pk and replacement.amount == Decimal("90.00")


def test_write_off_is_for_managers(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    with pytest.raises(PermissionDenied):
        services.write_off_bill(bill=bill, actor=users["supervisor"], reason="x")
    services.write_off_bill(bill=bill, actor=users["manager"], reason="owner bankrupt")
    bill.refresh_from_db()
    assert bill.status == Bill.Status.WRITTEN_OFF and bill.outstanding == 0
    with pytest.raises(DomainError):
        pay(unit_a, "10.00", users["clerk"], bill_ids=[bill.pk])


def test_database_refuses_over_allocation(unit_a):
    from django.db import IntegrityError, transaction

    bill = make_bill(unit_a, "100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Bill.objects.filter(pk=bill.pk).update(amount_paid=Decimal("100.01"))
