"""Completion: acceptance (unit back from renovating, the second inspection due after the rules'
days), defects, the second inspection, deductions and the refund arithmetic through billing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from billing.models import Bill, DepositMovement
from renovations import services
from renovations.models import Deduction, Inspection, Renovation
from residents.models import Unit
from servicecenter.exceptions import DomainError, TransitionError
from tests.billing.conftest import new_key
from tests.renovations.conftest import at
from tests.renovations.factories import ViolationFactory
from tests.renovations.helpers import permitted

pytestmark = pytest.mark.django_db
S = Renovation.Status


@pytest.fixture
def completing(unit_a, owner, users, rules, regular_item):
    """Deposit 3000 taken, fees paid, works done and completion requested on 20 April 2026."""
    renovation = permitted(unit_a, owner, users, [regular_item])
    services.start_works(renovation=renovation, actor=users["clerk"], now=at(2026, 3, 2, 8))
    return services.request_completion(renovation=renovation, actor=users["frontdesk"], now=at(2026, 4, 20))


@pytest.fixture
def accepted(completing, users):
    services.pass_acceptance(
        renovation=completing, actor=users["engineer"], findings="合格", now=at(2026, 4, 21)
    )
    completing.refresh_from_db()
    return completing


@pytest.fixture
def inspected(accepted, users):
    services.pass_second_inspection(renovation=accepted, actor=users["engineer"], now=at(2026, 7, 20))
    accepted.refresh_from_db()
    return accepted


def test_acceptance_gives_the_unit_back_and_sets_the_second_inspection(completing, users):
    assert Unit.objects.get(pk=completing.unit_id).state == Unit.State.RENOVATING
    inspection = services.pass_acceptance(renovation=completing, actor=users["engineer"], now=at(2026, 4, 21))
    assert (inspection.kind, inspection.result, inspection.inspector) == (
        "acceptance",
        "passed",
        users["engineer"],
    )
    completing.refresh_from_db()
    assert completing.status == S.ACCEPTED
    assert completing.second_inspection_due == date(2026, 4, 21) + timedelta(days=90)
    assert Unit.objects.get(pk=completing.unit_id).state == Unit.State.OCCUPIED


def test_defects_send_the_works_back_with_the_findings(completing, users):
    with pytest.raises(DomainError):
        services.fail_acceptance(renovation=completing, actor=users["engineer"], findings="")
    services.fail_acceptance(renovation=completing, actor=users["engineer"], findings="卫生间闭水试验渗漏")
    completing.refresh_from_db()
    assert completing.status == S.IN_PROGRESS
    assert Inspection.objects.get().findings == "卫生间闭水试验渗漏"
    assert Unit.objects.get(pk=completing.unit_id).state == Unit.State.RENOVATING


def test_only_inspectors_accept(completing, users):
    with pytest.raises(PermissionDenied):
        services.pass_acceptance(renovation=completing, actor=users["clerk"])
    assert not Inspection.objects.exists()


def test_the_second_inspection_waits_for_its_day(accepted, users):
    with pytest.raises(DomainError) as caught:
        services.pass_second_inspection(
            renovation=accepted, actor=users["engineer"], now=at(2026, 7, 19, 23, 59)
        )
    assert caught.value.code == "second_inspection_not_due"
    services.fail_second_inspection(
        renovation=accepted, actor=users["engineer"], findings="外墙渗水", now=at(2026, 7, 20, 0, 0)
    )
    accepted.refresh_from_db()
    assert accepted.status == S.ACCEPTED
    services.pass_second_inspection(renovation=accepted, actor=users["engineer"], now=at(2026, 8, 1))
    accepted.refresh_from_db()
    assert accepted.status == S.SECOND_INSPECTION
    assert list(Inspection.objects.filter(kind="second").values_list("result", flat=True)) == [
        "defects",
        "passed",
    ]


def test_refund_is_the_deposit_less_the_itemised_deductions(inspected, users):
    violation = ViolationFactory(renovation=inspected)
    engineer, manager = users["engineer"], users["manager"]
    services.propose_deduction(
        renovation=inspected, actor=engineer, amount="200", reason="超时施工罚款", violation=violation
    )
    services.propose_deduction(renovation=inspected, actor=engineer, amount="300.50", reason="走廊墙面修复")
    renovation = services.approve_refund(
        renovation=inspected, actor=manager, method="bank_transfer", idempotency_key=new_key(), now=at(2026, 7, 22)
    )
    assert renovation.status == S.REFUNDED
    rows = list(DepositMovement.objects.order_by("pk").values_list("kind", "amount"))
    assert rows == [
        ("received", Decimal("3000.00")),
        ("deduction", Decimal("200.00")),
        ("deduction", Decimal("300.50")),
        ("refund", Decimal("2499.50")),
    ]
    deductions = list(Deduction.objects.order_by("pk").select_related("movement__bill"))
    assert [d.movement.amount for d in deductions] == [Decimal("200.00"), Decimal("300.50")]
    assert deductions[0].violation == violation
    # Each deduction is revenue: a paid bill on the deposit-deduction item.
    revenue = [d.movement.bill for d in deductions]
    assert [(b.amount, b.status, b.charge_item.code) for b in revenue] == [
        (Decimal("200.00"), Bill.Status.PAID, "deposit_deduction"),
        (Decimal("300.50"), Bill.Status.PAID, "deposit_deduction"),
    ]
    assert "2499.50" in renovation.events.last().note


def test_a_deduction_larger_than_the_deposit_is_refused(inspected, users):
    with pytest.raises(DomainError) as caught:
        services.propose_deduction(
            renovation=inspected, actor=users["engineer"], amount="3000.01", reason="大额"
        )
    assert caught.value.code == "deductions_exceed_deposit"
    services.propose_deduction(renovation=inspected, actor=users["engineer"], amount="2000", reason="修复")
    with pytest.raises(DomainError):
        services.propose_deduction(
            renovation=inspected, actor=users["engineer"], amount="1000.01", reason="再扣"
        )
    assert Deduction.objects.count() == 1


def test_the_whole_deposit_may_be_deducted(inspected, users):
    services.propose_deduction(
        renovation=inspected, actor=users["engineer"], amount="3000", reason="全额扣除"
    )
    services.approve_refund(
        renovation=inspected, actor=users["manager"], method="cash", idempotency_key=new_key()
    )
    assert not DepositMovement.objects.filter(kind="refund").exists()
    assert Deduction.objects.get().movement.amount == Decimal("3000.00")


def test_deductions_need_an_amount_and_a_reason(inspected, users):
    for amount, reason in (("0", "原因"), ("-5", "原因"), ("abc", "原因"), ("10.005", "原因"), ("10", " ")):
        with pytest.raises(DomainError):
            services.propose_deduction(
                renovation=inspected, actor=users["engineer"], amount=amount, reason=reason
            )
    with pytest.raises(PermissionDenied):
        services.propose_deduction(renovation=inspected, actor=users["frontdesk"], amount="10", reason="原因")
    assert not Deduction.objects.exists()


def test_a_withdrawn_deduction_is_not_taken(inspected, users):
    deduction = services.propose_deduction(
        renovation=inspected, actor=users["engineer"], amount="100", reason="误报"
    )
    services.withdraw_deduction(deduction=deduction, actor=users["engineer"])
    services.approve_refund(
        renovation=inspected, actor=users["manager"], method="cash", idempotency_key=new_key()
    )
    assert DepositMovement.objects.get(kind="refund").amount == Decimal("3000.00")
    assert [e.action for e in inspected.events.all()][-3:] == [
        "propose_deduction",
        "withdraw_deduction",
        "approve_refund",
    ]


def test_a_second_refund_is_refused_and_the_same_request_is_not_repeated(inspected, users):
    key = new_key()
    services.approve_refund(renovation=inspected, actor=users["manager"], method="cash", idempotency_key=key)
    again = services.approve_refund(
        renovation=inspected, actor=users["manager"], method="cash", idempotency_key=key
    )
    assert again.status == S.REFUNDED
    with pytest.raises(TransitionError):
        services.approve_refund(
            renovation=inspected, actor=users["manager"], method="cash", idempotency_key=new_key()
        )
    assert DepositMovement.objects.filter(kind="refund").count() == 1
    assert inspected.events.filter(action="approve_refund").count() == 1


def test_only_a_manager_approves_the_refund(inspected, users):
    with pytest.raises(PermissionDenied):
        services.approve_refund(
            renovation=inspected, actor=users["engineer"], method="cash", idempotency_key=new_key()
        )
    assert DepositMovement.objects.count() == 1


def test_after_the_refund_the_renovation_closes(inspected, users):
    services.approve_refund(
        renovation=inspected, actor=users["manager"], method="cash", idempotency_key=new_key()
    )
    renovation = services.close_renovation(
        renovation=inspected, actor=users["frontdesk"], now=at(2026, 7, 25)
    )
    assert (renovation.status, renovation.closed_at) == (S.CLOSED, at(2026, 7, 25))
