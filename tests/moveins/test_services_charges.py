"""The charges: billed when the documents are done, paid at the cashier or waived by a manager,
checked before the inspection and the keys; the service fee starts in full at the handover."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from billing import services as billing
from billing.models import Bill, DepositAccount, DepositMovement
from moveins import services
from moveins.models import ChargeRule, MoveIn
from moveins.selectors import charges_outstanding
from residents.models import Unit
from servicecenter.exceptions import DomainError
from tests.billing.factories import BillingPolicyFactory
from tests.moveins.conftest import at, new_key
from tests.moveins.helpers import do_checklist, pay_everything, schedule, walk

pytestmark = pytest.mark.django_db
Status = MoveIn.Status


@pytest.fixture
def at_fees(ready, owner, desk):
    move_in = services.start_move_in(move_in=schedule(unit=ready, owner=owner, actor=desk), actor=desk)
    do_checklist(move_in, desk)
    return services.finish_documents(move_in=move_in, actor=desk)


def test_the_default_charges_are_billed(at_fees):
    service, deposit = at_fees.charges.order_by("pk")
    # 3 months × 2.50 × 89.50 m² = 671.25, billed as a one-off bill of the unit.
    assert (service.kind, service.amount) == (ChargeRule.Kind.SERVICE_MONTHS, Decimal("671.25"))
    assert service.bill.unit_id == at_fees.unit_id and service.bill.amount == Decimal("671.25")
    assert service.bill.is_recurring is False and service.bill.status == Bill.Status.OPEN
    # The key deposit is taken at the cashier: no bill.
    assert (deposit.kind, deposit.amount, deposit.bill) == (ChargeRule.Kind.DEPOSIT, Decimal("200.00"), None)
    owed = charges_outstanding(at_fees)
    assert [(line.name, line.outstanding) for line in owed] == [
        ("预收物业服务费（3个月）", Decimal("671.25")),
        ("钥匙押金", Decimal("200.00")),
    ]


def test_a_fixed_fee_rule_is_billed_at_its_amount(ready, owner, desk, estate_a):
    ChargeRule.objects.create(estate=estate_a, kind=ChargeRule.Kind.FEE, name="装修垃圾清运费", amount="300")
    ChargeRule.objects.filter(estate=estate_a, kind=ChargeRule.Kind.DEPOSIT).update(is_active=False)
    move_in = services.start_move_in(move_in=schedule(unit=ready, owner=owner, actor=desk), actor=desk)
    do_checklist(move_in, desk)
    services.finish_documents(move_in=move_in, actor=desk)
    assert sorted(move_in.charges.values_list("name", "amount")) == [
        ("装修垃圾清运费", Decimal("300.00")),
        ("预收物业服务费（3个月）", Decimal("671.25")),
    ]


def test_service_months_need_a_rate(teams, vacant_unit, owner, desk):
    move_in = services.start_move_in(move_in=schedule(unit=vacant_unit, owner=owner, actor=desk), actor=desk)
    do_checklist(move_in, desk)
    with pytest.raises(DomainError) as refused:
        services.finish_documents(move_in=move_in, actor=desk)
    assert refused.value.code == "no_service_fee_rate"
    move_in.refresh_from_db()
    assert move_in.status == Status.DOCUMENTS and not Bill.objects.exists()


def test_confirm_refused_with_what_is_owed(at_fees, desk):
    with pytest.raises(services.ChargesOwed) as refused:
        services.confirm_fees(move_in=at_fees, actor=desk)
    error = refused.value
    assert error.code == "charges_unpaid" and error.status_code == 409
    assert error.details["owed"] == [
        {"name": "预收物业服务费（3个月）", "amount": "671.25", "paid": "0.00", "outstanding": "671.25"},
        {"name": "钥匙押金", "amount": "200.00", "paid": "0.00", "outstanding": "200.00"},
    ]
    assert error.details["total_owed"] == "871.25"
    assert "钥匙押金 200.00" in error.message
    at_fees.refresh_from_db()
    assert at_fees.status == Status.FEES


def test_partly_paid_is_still_owed(at_fees, desk, clerk):
    service = at_fees.charges.get(kind=ChargeRule.Kind.SERVICE_MONTHS)
    billing.record_payment(
        unit=at_fees.unit,
        amount="600",
        method="cash",
        actor=clerk,
        idempotency_key=new_key(),
        bill_ids=[service.bill_id],
    )
    owed = {line.name: line for line in charges_outstanding(at_fees)}
    assert (owed["预收物业服务费（3个月）"].paid, owed["预收物业服务费（3个月）"].outstanding) == (
        Decimal("600.00"),
        Decimal("71.25"),
    )


def test_paid_then_confirmed(at_fees, desk, clerk):
    pay_everything(at_fees, clerk)
    assert charges_outstanding(at_fees) == []
    assert services.confirm_fees(move_in=at_fees, actor=desk).status == Status.INSPECTION


def test_the_key_deposit_goes_to_the_deposit_ledger_once(at_fees, clerk):
    charge = at_fees.charges.get(kind=ChargeRule.Kind.DEPOSIT)
    key = new_key()
    movement = services.take_move_in_deposit(charge=charge, method="wechat", actor=clerk, idempotency_key=key)
    assert movement.amount == Decimal("200.00") and movement.account.purpose == DepositAccount.Purpose.KEY
    assert movement.account.reference == f"movein:{at_fees.pk}:{charge.pk}"
    assert movement.receipt is not None
    again = services.take_move_in_deposit(charge=charge, method="wechat", actor=clerk, idempotency_key=key)
    assert again == movement
    with pytest.raises(DomainError) as refused:
        services.take_move_in_deposit(charge=charge, method="cash", actor=clerk, idempotency_key=new_key())
    assert refused.value.code == "deposit_taken"
    assert DepositMovement.objects.count() == 1
    charge.refresh_from_db()
    assert charge.deposit_account_id == movement.account_id


def test_a_fee_is_not_taken_as_a_deposit_and_the_desk_cannot_take_deposits(at_fees, desk):
    with pytest.raises(DomainError) as refused:
        services.take_move_in_deposit(
            charge=at_fees.charges.get(kind=ChargeRule.Kind.SERVICE_MONTHS),
            method="cash",
            actor=desk,
            idempotency_key=new_key(),
        )
    assert refused.value.code == "not_a_deposit"
    with pytest.raises(PermissionDenied):
        services.take_move_in_deposit(
            charge=at_fees.charges.get(kind=ChargeRule.Kind.DEPOSIT),
            method="cash",
            actor=desk,
            idempotency_key=new_key(),
        )


def test_manager_waives_with_a_reason(at_fees, desk, manager):
    with pytest.raises(PermissionDenied):
        services.waive_move_in_fees(move_in=at_fees, actor=desk, reason="开发商承担")
    with pytest.raises(DomainError) as refused:
        services.waive_move_in_fees(move_in=at_fees, actor=manager, reason=" ")
    assert refused.value.code == "reason_required"
    waived = services.waive_move_in_fees(move_in=at_fees, actor=manager, reason="开发商承担首期物业费")
    assert (waived.fees_waived_by, waived.fees_waiver_reason) == (manager, "开发商承担首期物业费")
    assert (
        waived.status == Status.FEES and waived.events.get(action="waive_fees").note == "开发商承担首期物业费"
    )
    with pytest.raises(DomainError):
        services.waive_move_in_fees(move_in=at_fees, actor=manager, reason="again")
    assert services.confirm_fees(move_in=at_fees, actor=desk).status == Status.INSPECTION


def test_keys_refused_while_owed(ready, owner, desk, manager, clerk, estate_a):
    move_in = walk(unit=ready, owner=owner, desk=desk, manager=manager, to="keys")
    # A charge billed late (say the owner asked for a parking card at the inspection).
    from tests.moveins.factories import MoveInChargeFactory

    MoveInChargeFactory(move_in=move_in, name="停车卡工本费", amount=Decimal("50.00"))
    with pytest.raises(services.ChargesOwed) as refused:
        services.hand_over_keys(move_in=move_in, actor=desk, keys=[("门", 1)], signed_by="王建国")
    assert [line["name"] for line in refused.value.details["owed"]] == ["停车卡工本费"]
    move_in.refresh_from_db()
    assert move_in.status == Status.KEYS


def test_service_fee_discounted_before_the_handover_and_full_after(ready, owner, desk, manager, estate_a):
    """Billing's vacant-unit discount (30 % here) applies until the keys; after them the unit is
    handed over and pays in full. Unsold units are not billed at all."""
    BillingPolicyFactory(estate=estate_a, vacant_discount_percent=Decimal("30"))
    unsold = Unit.objects.create(
        estate=estate_a,
        building=ready.building,
        entrance="2",
        number="0101",
        code="3-2-0101",
        area=Decimal("100"),
        state=Unit.State.UNSOLD,
    )
    billing.generate_bills(estate=estate_a, period=date(2026, 1, 1), now=at(2026, 1, 1))
    before = Bill.objects.get(unit=ready, period=date(2026, 1, 1), is_recurring=True)
    assert before.discount_percent == Decimal("30") and before.amount == Decimal("156.63")  # 223.75 × 70 %
    assert not Bill.objects.filter(unit=unsold).exists()
    walk(unit=ready, owner=owner, desk=desk, manager=manager, to="completed")
    billing.generate_bills(estate=estate_a, period=date(2026, 2, 1), now=at(2026, 2, 1))
    after = Bill.objects.get(unit=ready, period=date(2026, 2, 1), is_recurring=True)
    assert after.discount_percent == 0 and after.amount == Decimal("223.75")


def test_the_api_answers_409_with_what_is_owed(at_fees, desk):
    from servicecenter.api import exception_handler

    with pytest.raises(services.ChargesOwed) as refused:
        services.confirm_fees(move_in=at_fees, actor=desk)
    response = exception_handler(refused.value, {})
    assert response.status_code == 409
    assert response.data["code"] == "charges_unpaid" and response.data["total_owed"] == "871.25"
    assert [line["name"] for line in response.data["owed"]] == ["预收物业服务费（3个月）", "钥匙押金"]
