from decimal import Decimal

import pytest

from billing import selectors, services
from billing.models import Allocation, DepositMovement, Payment, Receipt
from servicecenter.exceptions import DomainError
from tests.billing.conftest import at, new_key

pytestmark = pytest.mark.django_db


def receive(unit, user, amount="5000.00", reference="renovation:12"):
    return services.receive_deposit(
        idempotency_key=new_key(),
        unit=unit,
        purpose="renovation",
        amount=amount,
        method="bank_card",
        actor=user,
        reference=reference,
        now=at(2025, 3, 1),
    )


def test_deposit_is_held_apart_from_revenue_with_its_own_receipt(unit_a, users):
    movement = receive(unit_a, users["clerk"])
    assert movement.receipt.kind == Receipt.Kind.DEPOSIT
    assert movement.receipt.number == "LJY-2025-000001"
    assert services.deposit_balance(movement.account) == Decimal("5000.00")
    assert not Payment.objects.exists() and not Allocation.objects.exists()
    statement = selectors.monthly_statement(estate=unit_a.estate, month=at(2025, 3, 1).date())
    assert statement.total.charged == 0 and statement.total.collected_for_period == 0
    assert statement.deposits_received == Decimal("5000.00")


def test_refund_less_deductions(unit_a, users):
    account = receive(unit_a, users["clerk"]).account
    settlement = services.refund_deposit(
        idempotency_key=new_key(),
        account=account,
        actor=users["manager"],
        method="bank_transfer",
        deductions=[("300.00", "damaged lift lining"), ("200.00", "rubbish left in corridor")],
    )
    assert settlement.refunded_amount == Decimal("4500.00")
    assert [d.reason for d in settlement.deductions] == ["damaged lift lining", "rubbish left in corridor"]
    assert services.deposit_balance(account) == Decimal("0.00")
    with pytest.raises(DomainError):
        services.refund_deposit(
            idempotency_key=new_key(), account=account, actor=users["manager"], method="cash"
        )
    assert DepositMovement.objects.filter(kind="refund").count() == 1


def test_deductions_cannot_exceed_what_is_held(unit_a, users):
    account = receive(unit_a, users["clerk"], amount="100.00").account
    with pytest.raises(DomainError) as error:
        services.refund_deposit(
            idempotency_key=new_key(),
            account=account,
            actor=users["manager"],
            method="cash",
            deductions=[("100.01", "x")],
        )
    assert error.value.code == "deductions_exceed_deposit"
    with pytest.raises(DomainError):
        services.refund_deposit(
            idempotency_key=new_key(),
            account=account,
            actor=users["manager"],
            method="cash",
            deductions=[("10.00", "")],
        )
    assert services.deposit_balance(account) == Decimal("100.00")


def test_full_deduction_settles_without_a_refund_row(unit_a, users):
    account = receive(unit_a, users["clerk"], amount="100.00").account
    settlement = services.refund_deposit(
        idempotency_key=new_key(),
        account=account,
        actor=users["manager"],
        method="cash",
        deductions=[("100.00", "repairs")],
    )
    assert settlement.refund is None and services.deposit_balance(account) == 0


def test_bad_deposit_amount_changes_nothing(unit_a, users):
    with pytest.raises(DomainError):
        receive(unit_a, users["clerk"], amount="-1")
    assert not DepositMovement.objects.exists() and not Receipt.objects.exists()


def test_deposit_after_refund_needs_a_new_account(unit_a, users):
    account = receive(unit_a, users["clerk"], amount="100.00").account
    services.refund_deposit(idempotency_key=new_key(), account=account, actor=users["manager"], method="cash")
    with pytest.raises(DomainError):
        receive(unit_a, users["clerk"], amount="100.00")
    assert receive(unit_a, users["clerk"], amount="100.00", reference="renovation:13").account != account
