"""The charges through billing (each taken once), the agreement, the manager's waiver, the permit
only when paid or waived, the unit renovating from the permit, the start of the works."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from billing import services as billing
from billing.models import Bill, DepositAccount, DepositMovement
from renovations import services
from renovations.models import Renovation, RenovationCharge, RenovationDocument
from renovations.selectors import charges_outstanding
from residents.models import Pass, Unit
from servicecenter.exceptions import DomainError
from tests.billing.conftest import new_key
from tests.renovations.conftest import at, worker
from tests.renovations.factories import RenovationFactory
from tests.renovations.helpers import approved, pay_everything, pdf

pytestmark = pytest.mark.django_db
S = Renovation.Status


@pytest.fixture
def renovation(unit_a, owner, users, rules, regular_item):
    """Approved, with two workers: deposit 3000, rubbish 500, pass cards 2 × 10."""
    return approved(unit_a, owner, users, [regular_item], workers=[worker(1), worker(2)])


def _sign(renovation, clerk):
    return services.record_agreement(
        renovation=renovation, actor=clerk, scanned_copy=pdf(), now=at(2026, 2, 12)
    )


def test_approval_sets_the_charges_and_bills_the_fees(renovation):
    charges = {c.kind: c for c in renovation.charges.select_related("bill")}
    assert {k: c.amount for k, c in charges.items()} == {
        "deposit": Decimal("3000.00"),
        "rubbish": Decimal("500.00"),
        "pass_cards": Decimal("20.00"),
    }
    assert charges["deposit"].bill is None
    assert charges["rubbish"].bill.source_reference == f"renovation:{renovation.pk}:rubbish"
    assert charges["pass_cards"].bill.amount == Decimal("20.00")
    assert [(o.kind, o.amount) for o in charges_outstanding(renovation)] == [
        ("deposit", Decimal("3000.00")),
        ("pass_cards", Decimal("20.00")),
        ("rubbish", Decimal("500.00")),
    ]


def test_each_fee_is_billed_once(renovation, users):
    # Approving again is refused by the workflow; the billing side is also keyed by the source.
    services_bills = Bill.objects.filter(source_reference__startswith=f"renovation:{renovation.pk}:")
    assert services_bills.count() == 2
    from renovations.services.permits import _create_charges

    _create_charges(renovation, actor=users["manager"], now=at(2026, 2, 11))
    assert services_bills.count() == 2
    assert renovation.charges.count() == 3


def test_same_deposit_key_twice_gives_one_movement(renovation, clerk):
    key = new_key()
    first = services.take_renovation_deposit(
        renovation=renovation, actor=clerk, method="cash", idempotency_key=key
    )
    again = services.take_renovation_deposit(
        renovation=renovation, actor=clerk, method="cash", idempotency_key=key
    )
    assert again.pk == first.pk
    assert DepositMovement.objects.filter(kind="received").count() == 1
    account = DepositAccount.objects.get()
    assert (account.purpose, account.reference) == ("renovation", f"renovation:{renovation.pk}")
    assert first.amount == Decimal("3000.00") and first.receipt is not None
    with pytest.raises(DomainError) as caught:
        services.take_renovation_deposit(
            renovation=renovation, actor=clerk, method="cash", idempotency_key=new_key()
        )
    assert caught.value.code == "deposit_taken"
    assert DepositMovement.objects.count() == 1


def test_the_deposit_needs_the_cashier_permission(renovation, users):
    with pytest.raises(PermissionDenied):
        services.take_renovation_deposit(
            renovation=renovation, actor=users["engineer"], method="cash", idempotency_key=new_key()
        )
    assert not DepositMovement.objects.exists()


def test_unpaid_charges_block_the_permit(renovation, clerk):
    _sign(renovation, clerk)
    with pytest.raises(DomainError) as caught:
        services.issue_permit(renovation=renovation, actor=clerk, now=at(2026, 2, 13))
    assert caught.value.code == "charges_unpaid"
    # The deposit alone is not enough: the fee bills are still open.
    services.take_renovation_deposit(
        renovation=renovation, actor=clerk, method="cash", idempotency_key=new_key()
    )
    assert [o.kind for o in charges_outstanding(renovation)] == ["pass_cards", "rubbish"]
    with pytest.raises(DomainError):
        services.issue_permit(renovation=renovation, actor=clerk, now=at(2026, 2, 13))
    renovation.refresh_from_db()
    assert renovation.status == S.APPROVED
    assert unit_state(renovation) == Unit.State.OCCUPIED


def unit_state(renovation) -> str:
    return Unit.objects.get(pk=renovation.unit_id).state


def test_a_partly_paid_fee_still_blocks(renovation, clerk):
    rubbish = renovation.charges.get(kind="rubbish").bill
    billing.record_payment(
        unit=renovation.unit,
        amount="100.00",
        method="cash",
        actor=clerk,
        idempotency_key=new_key(),
        bill_ids=[rubbish.pk],
    )
    owed = {o.kind: o.amount for o in charges_outstanding(renovation)}
    assert owed["rubbish"] == Decimal("400.00")


def test_the_agreement_is_needed_too(renovation, clerk):
    pay_everything(renovation, clerk)
    assert charges_outstanding(renovation) == []
    with pytest.raises(DomainError) as caught:
        services.issue_permit(renovation=renovation, actor=clerk, now=at(2026, 2, 13))
    assert caught.value.code == "agreement_not_signed"


def test_paid_and_signed_the_permit_is_issued(renovation, clerk):
    pay_everything(renovation, clerk)
    document = _sign(renovation, clerk)
    assert document.kind == RenovationDocument.Kind.AGREEMENT
    renovation.refresh_from_db()
    assert renovation.agreement_signed_by == clerk and renovation.agreement_signed_at == at(2026, 2, 12)
    renovation = services.issue_permit(renovation=renovation, actor=clerk, now=at(2026, 2, 13))
    assert renovation.status == S.PERMITTED
    assert renovation.permitted_at == at(2026, 2, 13)
    assert "08:00-12:00, 14:00-18:00" in renovation.working_hours
    assert unit_state(renovation) == Unit.State.RENOVATING
    assert renovation.unit_state_before == Unit.State.OCCUPIED
    assert Pass.objects.filter(kind=Pass.Kind.RENOVATION_WORKER, unit=renovation.unit).count() == 2


def test_the_agreement_needs_its_scanned_copy_and_is_recorded_once(renovation, clerk):
    with pytest.raises(DomainError) as caught:
        services.record_agreement(renovation=renovation, actor=clerk, scanned_copy=None)
    assert caught.value.code == "agreement_copy_required"
    _sign(renovation, clerk)
    with pytest.raises(DomainError):
        _sign(renovation, clerk)
    assert renovation.documents.filter(kind="agreement").count() == 1


def test_a_manager_waiver_with_a_reason_allows_the_permit(renovation, users):
    clerk, manager = users["clerk"], users["manager"]
    _sign(renovation, clerk)
    with pytest.raises(DomainError) as caught:
        services.waive_renovation_charges(renovation=renovation, actor=manager, reason=" ")
    assert caught.value.code == "reason_required"
    services.waive_renovation_charges(
        renovation=renovation, actor=manager, reason="社区困难家庭，经理批准减免"
    )
    renovation.refresh_from_db()
    assert renovation.fees_waived_by == manager
    assert renovation.fees_waiver_reason == "社区困难家庭，经理批准减免"
    assert (
        services.issue_permit(renovation=renovation, actor=clerk, now=at(2026, 2, 13)).status == S.PERMITTED
    )


def test_only_a_manager_may_waive(renovation, clerk):
    with pytest.raises(PermissionDenied):
        services.waive_renovation_charges(renovation=renovation, actor=clerk, reason="熟人")
    renovation.refresh_from_db()
    assert renovation.fees_waived_at is None


def test_a_renovating_unit_keeps_its_earlier_state_for_after_the_works(
    unit_a, owner, users, rules, regular_item
):
    Unit.objects.filter(pk=unit_a.pk).update(state=Unit.State.HANDED_OVER)
    renovation = approved(unit_a, owner, users, [regular_item])
    pay_everything(renovation, users["clerk"])
    _sign(renovation, users["clerk"])
    renovation = services.issue_permit(renovation=renovation, actor=users["clerk"], now=at(2026, 2, 13))
    assert renovation.unit_state_before == Unit.State.HANDED_OVER


def test_works_start_on_the_planned_start_and_not_before(renovation, clerk):
    pay_everything(renovation, clerk)
    _sign(renovation, clerk)
    services.issue_permit(renovation=renovation, actor=clerk, now=at(2026, 2, 13))
    with pytest.raises(DomainError) as caught:
        services.start_works(renovation=renovation, actor=clerk, now=at(2026, 3, 1, 23, 59))
    assert caught.value.code == "not_started_yet"
    renovation = services.start_works(renovation=renovation, actor=clerk, now=at(2026, 3, 2, 0, 0))
    assert renovation.status == S.IN_PROGRESS


def test_the_daily_sweep_starts_due_permits_once(unit_a, unit_a2, rules):
    due = RenovationFactory(unit=unit_a, status=S.PERMITTED, planned_start=date(2026, 3, 2))
    later = RenovationFactory(unit=unit_a2, status=S.PERMITTED, planned_start=date(2026, 3, 3))
    assert services.start_due_works(now=at(2026, 3, 2, 6, 0)) == 1
    assert services.start_due_works(now=at(2026, 3, 2, 7, 0)) == 0
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (S.IN_PROGRESS, S.PERMITTED)
    event = due.events.get()
    assert (event.action, event.actor) == ("start_on_schedule", None)


def test_withdrawal_is_refused_once_money_was_taken(renovation, users):
    services.take_renovation_deposit(
        renovation=renovation, actor=users["clerk"], method="cash", idempotency_key=new_key()
    )
    with pytest.raises(DomainError) as caught:
        services.withdraw_renovation(renovation=renovation, actor=users["manager"], reason="业主不装了")
    assert caught.value.code == "money_taken"
    renovation.refresh_from_db()
    assert renovation.status == S.APPROVED


def test_withdrawal_before_payment_voids_the_fee_bills(renovation, users):
    with pytest.raises(DomainError) as caught:
        services.withdraw_renovation(renovation=renovation, actor=users["frontdesk"], reason="业主不装了")
    assert caught.value.code == "bills_issued"
    services.withdraw_renovation(renovation=renovation, actor=users["manager"], reason="业主不装了")
    bills = Bill.objects.filter(source_reference__startswith=f"renovation:{renovation.pk}:")
    assert set(bills.values_list("status", flat=True)) == {Bill.Status.VOID}
    assert RenovationCharge.objects.filter(renovation=renovation).count() == 3
