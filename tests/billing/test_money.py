"""Issue #8, money: idempotency keys on every money write, late fees charged at payment (one rule),
waivers, paid-service bills and deposits."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from billing import services
from billing.latefees import late_fee, late_fees_for
from billing.models import (
    Bill,
    BillEvent,
    BillingPolicy,
    ChargeItem,
    IdempotencyRecord,
    LateFeeAccrual,
    Payment,
    Receipt,
)
from servicecenter.exceptions import DomainError
from tests.billing.conftest import at, make_bill, new_key
from tests.tickets.factories import TicketFactory
from tickets import services as ticket_services
from tickets.models import Ticket, TicketCategory

pytestmark = pytest.mark.django_db

D = Decimal


def charging_policy(estate, *, rate="0.001", grace=5, cap="10", enabled=True) -> BillingPolicy:
    policy, _created = BillingPolicy.objects.update_or_create(
        estate=estate,
        defaults={
            "late_fees_enabled": enabled,
            "late_fee_daily_rate": D(rate),
            "late_fee_grace_days": grace,
            "late_fee_cap_percent": D(cap),
        },
    )
    return policy


def pay(unit, amount, user, *, now, **kwargs):
    kwargs.setdefault("method", "cash")
    return services.record_payment(
        idempotency_key=new_key(), unit=unit, amount=amount, actor=user, now=now, **kwargs
    )


# --- The one rule ---------------------------------------------------------------------------


def fee_on(policy, on, **kwargs):
    values = {"amount": D("1000.00"), "outstanding": D("1000.00"), "due_date": date(2025, 3, 31)}
    values.update(kwargs)
    return late_fee(policy=policy, on=on, **values)


def test_no_late_fee_within_grace_and_from_the_first_day_after_it(estate_a):
    policy = charging_policy(estate_a, grace=5)
    assert fee_on(policy, date(2025, 4, 5)).amount == 0  # the fifth grace day
    first = fee_on(policy, date(2025, 4, 6))
    assert (first.days, first.amount) == (1, D("1.00"))  # 1000 × 0.001 × 1
    assert fee_on(policy, date(2025, 4, 15)).days == 10


def test_late_fee_rounds_half_up_once(estate_a):
    policy = charging_policy(estate_a, rate="0.0003", grace=0)
    # 333.35 × 0.0003 × 5 = 0.500025 → 0.50; × 15 = 1.500075 → 1.50
    assert fee_on(policy, date(2025, 4, 5), outstanding=D("333.35")).amount == D("0.50")
    # 250.00 × 0.0003 × 15 = 1.125 → 1.13 (half up, not to even)
    assert fee_on(policy, date(2025, 4, 15), outstanding=D("250.00")).amount == D("1.13")


def test_late_fee_stops_at_the_cap_counting_what_was_charged(estate_a):
    policy = charging_policy(estate_a, grace=0, cap="10")
    assert fee_on(policy, date(2025, 12, 31)).amount == D("100.00")  # 10 % of 1000, not 275
    already = fee_on(policy, date(2025, 12, 31), charged=D("95.00"), charged_through=date(2025, 6, 30))
    assert already.amount == D("5.00")
    assert fee_on(policy, date(2025, 12, 31), charged=D("100.00")).amount == 0


def test_days_already_charged_are_not_charged_again(estate_a):
    policy = charging_policy(estate_a, grace=0)
    fee = fee_on(policy, date(2025, 4, 20), charged_through=date(2025, 4, 15))
    assert (fee.days, fee.start) == (5, date(2025, 4, 16))
    assert fee_on(policy, date(2025, 4, 15), charged_through=date(2025, 4, 15)).amount == 0


def test_disabled_late_fees_accrue_nothing(estate_a):
    policy = charging_policy(estate_a, enabled=False)
    assert fee_on(policy, date(2025, 12, 31)).amount == 0
    assert fee_on(BillingPolicy(estate=estate_a), date(2025, 12, 31)).amount == 0  # the default


# --- Charged when the overdue bill is paid ---------------------------------------------------


def test_paying_27_days_late_charges_the_late_fee_as_its_own_bill(unit_a, users):
    charging_policy(unit_a.estate, rate="0.001", grace=0, cap="10")
    bill = make_bill(unit_a, "1000.00", period=date(2025, 3, 1), due=date(2025, 3, 31))
    outcome = pay(unit_a, "1027.00", users["clerk"], now=at(2025, 4, 27))
    fee_bill = Bill.objects.get(charge_item__kind=ChargeItem.Kind.LATE_FEE)
    assert fee_bill.amount == D("27.00") and fee_bill.quantity == 27
    assert fee_bill.source_reference == f"late_fee:{bill.pk}:20250427"
    bill.refresh_from_db()
    assert bill.status == fee_bill.status == Bill.Status.PAID
    assert sorted(a.amount for a in outcome.payment.allocations.all()) == [D("27.00"), D("1000.00")]
    accrual = LateFeeAccrual.objects.get()
    assert (accrual.source_bill, accrual.fee_bill, accrual.days, accrual.through_date) == (
        bill,
        fee_bill,
        27,
        date(2025, 4, 27),
    )


def test_a_payment_that_covers_only_the_bill_leaves_the_late_fee_owed(unit_a, users):
    charging_policy(unit_a.estate, rate="0.001", grace=0)
    bill = make_bill(unit_a, "1000.00", period=date(2025, 3, 1), due=date(2025, 3, 31))
    pay(unit_a, "1000.00", users["clerk"], now=at(2025, 4, 10), bill_ids=[bill.pk])
    fee_bill = Bill.objects.get(charge_item__kind=ChargeItem.Kind.LATE_FEE)
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    assert (fee_bill.status, fee_bill.amount, fee_bill.amount_paid) == (Bill.Status.OPEN, D("10.00"), 0)


def test_no_late_fee_when_paid_in_time_or_disabled(unit_a, users):
    charging_policy(unit_a.estate, grace=0, enabled=False)
    make_bill(unit_a, "100.00", period=date(2025, 3, 1), due=date(2025, 3, 31))
    pay(unit_a, "100.00", users["clerk"], now=at(2025, 5, 31))
    charging_policy(unit_a.estate, grace=0)
    make_bill(unit_a, "100.00", period=date(2025, 6, 1), due=date(2025, 6, 30))
    pay(unit_a, "100.00", users["clerk"], now=at(2025, 6, 30))
    assert not Bill.objects.filter(charge_item__kind=ChargeItem.Kind.LATE_FEE).exists()


def test_the_monthly_assessment_does_not_charge_days_a_payment_charged(unit_a, users, generate):
    charging_policy(unit_a.estate, rate="0.001", grace=0, cap="50")
    bill = make_bill(unit_a, "1000.00", period=date(2025, 1, 1), due=date(2025, 1, 31))
    # A part-payment on 20 February charges 1–20 February on the full 1000.
    pay(unit_a, "400.00", users["clerk"], now=at(2025, 2, 20), bill_ids=[bill.pk])
    assert LateFeeAccrual.objects.get().amount == D("20.00")
    # The March run charges only 21–28 February, on the 600 still unpaid: 600 × 0.001 × 8 = 4.80.
    generate(period=date(2025, 3, 1), now=at(2025, 3, 1))
    later = LateFeeAccrual.objects.exclude(through_date=date(2025, 2, 20)).get()
    assert (later.days, later.amount, later.through_date) == (8, D("4.80"), date(2025, 2, 28))
    # Running it again charges nothing more.
    generate(period=date(2025, 3, 1), now=at(2025, 3, 1))
    assert LateFeeAccrual.objects.count() == 2


def test_one_late_fee_charge_per_bill_and_day_is_a_database_rule(unit_a, users):
    charging_policy(unit_a.estate, grace=0)
    bill = make_bill(unit_a, "1000.00", period=date(2025, 3, 1), due=date(2025, 3, 31))
    pay(unit_a, "100.00", users["clerk"], now=at(2025, 4, 10, hour=9))
    pay(unit_a, "100.00", users["clerk"], now=at(2025, 4, 10, hour=15))  # same day: nothing new
    assert LateFeeAccrual.objects.count() == 1
    accrual = LateFeeAccrual.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        LateFeeAccrual.objects.create(
            source_bill=bill,
            fee_bill=accrual.fee_bill,
            period=accrual.period,
            through_date=accrual.through_date,
            days=1,
            base_amount=D("1"),
            amount=D("1"),
        )


def test_cashier_page_shows_the_late_fee_and_its_days(client_as, users, unit_a):
    charging_policy(unit_a.estate, rate="0.001", grace=0)
    bill = make_bill(unit_a, "1000.00", period=date(2020, 1, 1), due=date(2020, 1, 31))
    page = client_as(users["clerk"]).get(f"/billing/cashier/?unit={unit_a.pk}")
    fee = late_fees_for([bill], on=page.context["today"])[bill.pk]
    html = page.content.decode()
    assert fee.amount == D("100.00")  # the cap
    assert f'data-testid="late-fee-{bill.pk}">100.00' in html
    assert f"{fee.days} days late" in html
    assert f'data-outstanding="{D("1100.00")}"' in html


# --- Waiver ---------------------------------------------------------------------------------


def _late_fee_bill(unit, users):
    charging_policy(unit.estate, grace=0)
    bill = make_bill(unit, "1000.00", period=date(2025, 3, 1), due=date(2025, 3, 31))
    pay(unit, "1000.00", users["clerk"], now=at(2025, 4, 10), bill_ids=[bill.pk])
    return bill, Bill.objects.get(charge_item__kind=ChargeItem.Kind.LATE_FEE)


def test_manager_waives_a_late_fee_with_a_reason(unit_a, users):
    bill, fee_bill = _late_fee_bill(unit_a, users)
    with pytest.raises(PermissionDenied):
        services.waive_late_fee(bill=fee_bill, actor=users["clerk"], reason="x")
    with pytest.raises(DomainError):
        services.waive_late_fee(bill=fee_bill, actor=users["manager"], reason="  ")
    services.waive_late_fee(bill=fee_bill, actor=users["manager"], reason="首次逾期，经理同意减免")
    fee_bill.refresh_from_db()
    assert fee_bill.status == Bill.Status.VOID
    event = BillEvent.objects.filter(bill=fee_bill).last()
    assert event.actor == users["manager"] and "首次逾期" in event.note
    # The waived days are not charged again (`bill` as it was before the payment: 1000 unpaid).
    assert late_fees_for([bill], on=date(2025, 4, 10))[bill.pk].amount == 0


def test_only_late_fee_bills_can_be_waived(unit_a, users):
    bill = make_bill(unit_a, "100.00")
    with pytest.raises(DomainError) as error:
        services.waive_late_fee(bill=bill, actor=users["manager"], reason="x")
    assert error.value.code == "not_a_late_fee"


def test_waived_late_fee_frees_the_cap(unit_a, users):
    policy = charging_policy(unit_a.estate, grace=0, cap="1")  # cap 10.00 on 1000
    bill = make_bill(unit_a, "1000.00", period=date(2025, 3, 1), due=date(2025, 3, 31))
    pay(unit_a, "1.00", users["clerk"], now=at(2025, 4, 20), bill_ids=[bill.pk])
    fee_bill = Bill.objects.get(charge_item__kind=ChargeItem.Kind.LATE_FEE)
    assert fee_bill.amount == D("10.00")
    bill.refresh_from_db()
    assert late_fees_for([bill], on=date(2025, 4, 25))[bill.pk].amount == 0  # capped
    services.waive_late_fee(bill=fee_bill, actor=users["manager"], reason="减免")
    # 999 × 0.001 × 5 = 4.995 → 5.00 (half up), for the 5 days not yet charged.
    assert late_fees_for([bill], on=date(2025, 4, 25))[bill.pk].amount == D("5.00")
    assert policy.late_fee_cap_percent == 1


# --- Idempotency keys on every money write -------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "   "])
def test_payment_without_a_key_is_refused_and_writes_nothing(unit_a, users, key):
    make_bill(unit_a, "100.00")
    with pytest.raises(DomainError) as error:
        services.record_payment(
            unit=unit_a, amount="100.00", method="cash", actor=users["clerk"], idempotency_key=key
        )
    assert error.value.code == "idempotency_key_required"
    assert not Payment.objects.exists() and not Receipt.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_api_payment_without_the_header_is_400_and_writes_nothing(api_as, users, unit_a):
    make_bill(unit_a, "100.00")
    response = api_as(users["clerk"]).post(
        "/api/payments/", {"unit": unit_a.pk, "amount": "100.00", "method": "cash"}, format="json"
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Payment.objects.exists() and not Receipt.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_prepaid_refund_needs_a_key_and_pays_out_once(unit_a, users):
    pay(unit_a, "300.00", users["clerk"], now=at(2025, 3, 1))
    with pytest.raises(DomainError):
        services.refund_prepaid_balance(
            unit=unit_a,
            amount="100.00",
            method="cash",
            actor=users["manager"],
            reason="售房",
            idempotency_key="",
        )
    first = services.refund_prepaid_balance(
        unit=unit_a,
        amount="100.00",
        method="cash",
        actor=users["manager"],
        reason="售房",
        idempotency_key="r1",
    )
    again = services.refund_prepaid_balance(
        unit=unit_a,
        amount="100.00",
        method="cash",
        actor=users["manager"],
        reason="售房",
        idempotency_key="r1",
    )
    assert first.pk == again.pk
    assert services.prepaid_balance(unit_a.pk) == D("200.00")


# --- API: the accrued late fee and the waiver ------------------------------------------------


def test_bill_api_shows_the_accrued_late_fee_without_n_plus_1(
    api_as, users, unit_a, django_assert_max_num_queries
):
    charging_policy(unit_a.estate, rate="0.001", grace=0, cap="10")
    bills = [make_bill(unit_a, "1000.00", period=date(2020, m, 1), due=date(2020, m, 28)) for m in (1, 2, 3)]
    paid = make_bill(unit_a, "50.00", period=date(2020, 4, 1), status=Bill.Status.PAID)
    client = api_as(users["clerk"])
    with django_assert_max_num_queries(12):
        data = client.get("/api/bills/").json()["results"]
    by_id = {row["id"]: row for row in data}
    assert {by_id[b.pk]["late_fee"] for b in bills} == {"100.00"}
    assert by_id[bills[0].pk]["late_fee_days"] > 1000
    assert by_id[paid.pk]["late_fee"] == "0.00"
    assert client.get(f"/api/bills/{bills[0].pk}/").json()["late_fee"] == "100.00"


def test_api_waive_late_fee(api_as, users, unit_a):
    _bill, fee_bill = _late_fee_bill(unit_a, users)
    url = f"/api/bills/{fee_bill.pk}/waive-late-fee/"
    assert api_as(users["clerk"]).post(url, {"reason": "x"}, format="json").status_code == 403
    response = api_as(users["manager"]).post(url, {"reason": "业主困难"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "void"


# --- Paid services (有偿服务) -----------------------------------------------------------------


def _category():
    # Seeded by a migration, but a transactional test elsewhere may have flushed the table.
    return TicketCategory.objects.get_or_create(
        code="plumbing", defaults={"name": "水电维修", "team_kind": "maintenance"}
    )[0]


def _paid_ticket(unit, price="80.00"):
    return TicketFactory(
        unit=unit,
        category=_category(),
        status=Ticket.Status.IN_PROGRESS,
        is_paid_service=True,
        service_price=D(price),
    )


def test_resolving_a_paid_service_bills_its_price_once(unit_a, users):
    ticket = _paid_ticket(unit_a)
    ticket_services.resolve_ticket(ticket=ticket, actor=users["supervisor"], note="换水龙头")
    bill = Bill.objects.get(source_reference=f"ticket:{ticket.pk}")
    assert (bill.unit, bill.amount, bill.charge_item.kind, bill.is_recurring) == (
        unit_a,
        D("80.00"),
        ChargeItem.Kind.PAID_SERVICE,
        False,
    )
    # Billing it again (a retried hook) returns the same bill.
    again = services.bill_paid_service(ticket_id=ticket.pk, unit=unit_a, price="80.00", actor=None)
    assert again.pk == bill.pk and Bill.objects.filter(source_reference=bill.source_reference).count() == 1


def test_reopening_voids_the_bill_and_resolving_again_bills_the_new_price(unit_a, users):
    ticket = _paid_ticket(unit_a)
    ticket_services.resolve_ticket(ticket=ticket, actor=users["supervisor"], note="修好")
    ticket.refresh_from_db()
    ticket_services.reopen_ticket(ticket=ticket, actor=users["supervisor"], reason="还在漏")
    first = Bill.objects.get(source_reference=f"ticket:{ticket.pk}")
    assert first.status == Bill.Status.VOID
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.IN_PROGRESS, service_price=D("120.00"))
    ticket.refresh_from_db()
    ticket_services.resolve_ticket(ticket=ticket, actor=users["supervisor"], note="换整套")
    live = Bill.objects.exclude(status=Bill.Status.VOID).get(source_reference=f"ticket:{ticket.pk}")
    assert live.amount == D("120.00") and live.pk != first.pk


def test_free_tickets_bill_nothing(unit_a, users):
    ticket = TicketFactory(unit=unit_a, category=_category(), status=Ticket.Status.IN_PROGRESS)
    ticket_services.resolve_ticket(ticket=ticket, actor=users["supervisor"], note="ok")
    assert not Bill.objects.exists()


def test_only_one_live_bill_per_source_is_a_database_rule(unit_a):
    bill = make_bill(unit_a, "10.00")
    Bill.objects.filter(pk=bill.pk).update(source_reference="ticket:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Bill.objects.create(
            estate=unit_a.estate,
            unit=unit_a,
            charge_item=bill.charge_item,
            period=date(2025, 2, 1),
            is_recurring=False,
            amount=D("5"),
            issue_date=date(2025, 2, 1),
            due_date=date(2025, 2, 1),
            source_reference="ticket:1",
        )


# --- Deposits --------------------------------------------------------------------------------


def take_deposit(unit, user, *, key, amount="5000.00", reference="renovation:12"):
    return services.receive_deposit(
        unit=unit,
        purpose="renovation",
        amount=amount,
        method="bank_card",
        actor=user,
        reference=reference,
        idempotency_key=key,
        now=at(2025, 3, 1),
    )


def test_deposit_double_submit_gives_one_receipt(unit_a, users):
    first = take_deposit(unit_a, users["clerk"], key="dep-1")
    again = take_deposit(unit_a, users["clerk"], key="dep-1")
    assert first.pk == again.pk
    assert Receipt.objects.count() == 1
    assert services.deposit_balance(first.account) == D("5000.00")
    with pytest.raises(services.IdempotencyConflict):
        take_deposit(unit_a, users["clerk"], key="dep-1", amount="6000.00")
    with pytest.raises(DomainError) as error:
        take_deposit(unit_a, users["clerk"], key="")
    assert error.value.code == "idempotency_key_required"
    assert Receipt.objects.count() == 1


def test_deposits_need_the_permission(unit_a, users):
    with pytest.raises(PermissionDenied):
        take_deposit(unit_a, users["frontdesk"], key="k")


def test_deductions_are_revenue_on_their_own_item_and_refund_is_idempotent(unit_a, users):
    account = take_deposit(unit_a, users["clerk"], key="dep-1").account
    settle = {
        "account": account,
        "actor": users["manager"],
        "method": "bank_transfer",
        "deductions": [("300.00", "电梯轿厢保护层损坏")],
        "idempotency_key": "settle-1",
        "now": at(2025, 6, 1),
    }
    settlement = services.refund_deposit(**settle)
    retried = services.refund_deposit(**settle)
    assert retried.refund.pk == settlement.refund.pk
    assert settlement.refunded_amount == D("4700.00")
    revenue = settlement.deductions[0].bill
    assert (revenue.charge_item.kind, revenue.amount, revenue.status, revenue.unit) == (
        ChargeItem.Kind.DEPOSIT_DEDUCTION,
        D("300.00"),
        Bill.Status.PAID,
        unit_a,
    )
    assert revenue.description == "电梯轿厢保护层损坏"
    assert Bill.objects.count() == 1  # one revenue line, however often the settlement is retried


def test_deposit_ledger_figures(unit_a, users):
    renovation = take_deposit(unit_a, users["clerk"], key="a", amount="5000.00").account
    take_deposit(unit_a, users["clerk"], key="b", amount="1000.00")  # a top-up on the same account
    key_deposit = services.receive_deposit(
        unit=unit_a,
        purpose="key",
        amount="200.00",
        method="cash",
        actor=users["clerk"],
        idempotency_key="c",
        now=at(2025, 3, 2),
    ).account
    services.refund_deposit(
        account=renovation,
        actor=users["manager"],
        method="cash",
        deductions=[("500.00", "墙面修复"), ("250.00", "垃圾清运")],
        idempotency_key="d",
        now=at(2025, 7, 1),
    )
    from billing import selectors

    ledger = selectors.deposit_ledger(unit=unit_a)
    rows = {row.account.pk: row for row in ledger.rows}
    assert (rows[renovation.pk].taken, rows[renovation.pk].deducted, rows[renovation.pk].refunded) == (
        D("6000.00"),
        D("750.00"),
        D("5250.00"),
    )
    assert rows[renovation.pk].held == 0 and rows[key_deposit.pk].held == D("200.00")
    assert ledger.totals == {
        "taken": D("6200.00"),
        "deducted": D("750.00"),
        "refunded": D("5250.00"),
        "held": D("200.00"),
    }


def test_deposit_page_shows_the_ledger_and_a_double_submit_takes_one_deposit(client_as, users, unit_a):
    client = client_as(users["clerk"])
    url = f"/billing/deposits/{unit_a.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    body = {
        "purpose": "renovation",
        "reference": "renovation:7",
        "amount": "3000.00",
        "method": "cash",
        "note": "",
        "idempotency_key": key,
    }
    assert client.post(url, body).status_code == 302
    assert client.post(url, body).status_code == 302
    assert Receipt.objects.count() == 1
    html = client.get(url).content.decode()
    assert 'data-testid="deposit-held">3,000.00' in html
    account = unit_a.deposit_accounts.get()
    refund = client.post(
        f"/billing/deposits/accounts/{account.pk}/refund/",
        {"method": "cash", "deduction": "100.00", "deduction_reason": "", "idempotency_key": "r"},
    )
    assert refund.status_code == 400  # a deduction needs its reason
    refund = client.post(
        f"/billing/deposits/accounts/{account.pk}/refund/",
        {"method": "cash", "deduction": "100.00", "deduction_reason": "门禁卡丢失", "idempotency_key": "r"},
    )
    assert refund.status_code == 302
    html = client.get(url).content.decode()
    assert (
        'data-testid="deposit-deducted">100.00' in html and 'data-testid="deposit-refunded">2,900.00' in html
    )


def test_deposit_page_is_for_staff_with_the_permission(client_as, users, unit_a, unit_b, resident):
    assert client_as(users["frontdesk"]).get(f"/billing/deposits/{unit_a.pk}/").status_code == 200
    assert client_as(users["frontdesk"]).post(f"/billing/deposits/{unit_a.pk}/", {}).status_code == 403
    assert client_as(users["clerk"]).get(f"/billing/deposits/{unit_b.pk}/").status_code == 404
    assert client_as(resident).get(f"/billing/deposits/{unit_a.pk}/").status_code in (302, 403, 404)
