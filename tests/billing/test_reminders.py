from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing import services
from billing.models import CollectionCall, Reminder
from servicecenter.exceptions import DomainError
from staff.models import Notification, OutboundMessage
from tests.billing.conftest import at, make_bill, new_key
from tests.billing.factories import BillingPolicyFactory
from tests.factories import make_staff, make_zone

pytestmark = pytest.mark.django_db

DUE = date(2025, 1, 31)


def run(day: date, hour=10):
    return services.run_reminder_ladder(now=at(day.year, day.month, day.day, hour))


def stages(bill):
    return set(Reminder.objects.filter(bill=bill).values_list("stage", flat=True))


@pytest.fixture
def overdue_bill(unit_a, resident):
    return make_bill(unit_a, "223.75", period=date(2025, 1, 1), due=DUE)


def test_notice_at_issue_in_the_portal(overdue_bill, resident):
    result = run(date(2025, 1, 2))
    assert stages(overdue_bill) == {"notice"}
    assert result.created["notice"] == 1
    note = Notification.objects.get(recipient=resident)
    assert note.kind == "billing_notice" and "3-2-1101" in note.title
    assert not OutboundMessage.objects.exists()  # the notice is in-app only


def test_each_stage_on_its_day(overdue_bill, resident):
    run(date(2025, 1, 2))
    run(DUE + timedelta(days=6))
    assert stages(overdue_bill) == {"notice"}
    run(DUE + timedelta(days=7))
    assert stages(overdue_bill) == {"notice", "reminder"}
    sms = OutboundMessage.objects.get(channel="sms")
    assert sms.notification.recipient == resident
    run(DUE + timedelta(days=30))
    assert "letter" in stages(overdue_bill)
    run(DUE + timedelta(days=60))
    assert "call" in stages(overdue_bill)
    run(DUE + timedelta(days=90))
    assert stages(overdue_bill) == {"notice", "reminder", "letter", "call", "escalation"}


def test_each_stage_happens_once_however_often_the_sweep_runs(overdue_bill, resident):
    day = DUE + timedelta(days=8)
    first = run(day)
    second = run(day, hour=15)
    third = run(day + timedelta(days=1))
    assert Reminder.objects.filter(bill=overdue_bill).count() == 2
    assert sum(second.created.values()) == 0 and sum(third.created.values()) == 0
    assert second.notifications == 0 and third.notifications == 0
    assert first.notifications == 1  # catch-up: only the highest stage reached is announced
    assert Notification.objects.filter(recipient=resident).count() == 1


def test_the_database_refuses_a_second_row_for_a_stage(overdue_bill):
    from django.db import IntegrityError

    run(date(2025, 1, 2))
    with pytest.raises(IntegrityError):
        Reminder.objects.create(
            bill=overdue_bill,
            unit=overdue_bill.unit,
            estate=overdue_bill.estate,
            stage="notice",
            created_at=at(2025, 1, 3),
        )


def test_nothing_after_the_bill_is_paid(overdue_bill, users, resident):
    run(DUE + timedelta(days=8))
    services.record_payment(
        idempotency_key=new_key(),
        unit=overdue_bill.unit,
        amount="223.75",
        method="cash",
        actor=users["clerk"],
        now=at(2025, 2, 20),
    )
    result = run(DUE + timedelta(days=100))
    assert sum(result.created.values()) == 0
    assert stages(overdue_bill) == {"notice", "reminder"}


def test_call_task_goes_to_the_zone_housekeeper(overdue_bill, building_a, estate_a, users):
    keeper = make_staff("housekeeper", estate_a, username="keeper")
    make_zone(estate_a, keeper, building_a)
    run(DUE + timedelta(days=61))
    task = Reminder.objects.get(bill=overdue_bill, stage="call")
    assert task.assignee == keeper
    note = Notification.objects.get(recipient=keeper)
    assert note.kind == "billing_call"


def test_escalation_notifies_the_estate_managers(overdue_bill, users):
    run(DUE + timedelta(days=91))
    assert Notification.objects.filter(recipient=users["manager"], kind="billing_escalation").count() == 1
    run(DUE + timedelta(days=91), hour=16)
    assert Notification.objects.filter(recipient=users["manager"], kind="billing_escalation").count() == 1


def test_no_reminders_where_the_estate_turned_them_off(overdue_bill, estate_a):
    BillingPolicyFactory(estate=estate_a, reminders_enabled=False)
    assert sum(run(DUE + timedelta(days=91)).created.values()) == 0


def test_record_call_outcomes(overdue_bill, users, estate_a, building_a):
    run(DUE + timedelta(days=61))
    unit = overdue_bill.unit
    with pytest.raises(DomainError):
        services.record_call_outcome(
            unit=unit, actor=users["housekeeper"], outcome="promised", now=at(2025, 4, 2)
        )
    services.record_call_outcome(
        unit=unit, actor=users["housekeeper"], outcome="unreachable", now=at(2025, 4, 2)
    )
    services.record_call_outcome(
        unit=unit,
        actor=users["housekeeper"],
        outcome="promised",
        promised_date=date(2025, 4, 15),
        note="pays on payday",
        now=at(2025, 4, 3),
    )
    task = Reminder.objects.get(bill=overdue_bill, stage="call")
    assert (task.outcome, task.promised_date, task.outcome_by) == (
        "promised",
        date(2025, 4, 15),
        users["housekeeper"],
    )
    assert list(CollectionCall.objects.order_by("created_at").values_list("outcome", flat=True)) == [
        "unreachable",
        "promised",
    ]


def test_call_outcome_needs_an_open_call(unit_a, users):
    with pytest.raises(DomainError):
        services.record_call_outcome(unit=unit_a, actor=users["housekeeper"], outcome="refused")


def test_sweep_runs_a_bounded_number_of_queries(estate_a, building_a, users, django_assert_max_num_queries):
    from tests.factories import UnitFactory

    for _ in range(40):
        make_bill(UnitFactory(building=building_a), "100.00", period=date(2025, 1, 1), due=DUE)
    with django_assert_max_num_queries(40):
        result = run(DUE + timedelta(days=95))
    assert result.created["escalation"] == 40 and result.created["notice"] == 40


def test_promised_amounts_in_message(overdue_bill, resident):
    run(DUE + timedelta(days=8))
    note = Notification.objects.get(recipient=resident)
    assert "223.75" in note.body
    assert Decimal("223.75") == overdue_bill.amount
