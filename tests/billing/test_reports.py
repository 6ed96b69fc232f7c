from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing import selectors, services
from tests.billing.conftest import at, make_bill, new_key

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 15)


def test_collection_rate_definition():
    assert selectors.collection_rate(charged=Decimal("1000.00"), collected=Decimal("873.45")) == Decimal(
        "87.35"
    )
    assert selectors.collection_rate(charged=Decimal("0"), collected=Decimal("5")) is None


def test_monthly_statement_on_fixed_data(unit_a, unit_a2, users):
    march = date(2025, 3, 1)
    m1 = make_bill(unit_a, "200.00", period=march, code="property")
    make_bill(unit_a2, "300.00", period=march, code="property")
    voided = make_bill(unit_a2, "999.00", period=march, code="parking")
    services.void_bill(bill=voided, actor=users["manager"], reason="not a parking user")
    old = make_bill(unit_a, "50.00", period=date(2024, 11, 1), code="property")
    earlier = make_bill(unit_a2, "40.00", period=date(2025, 1, 1), code="property")
    clerk = users["clerk"]
    services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="200.00",
        method="cash",
        actor=clerk,
        bill_ids=[m1.pk],
        now=at(2025, 3, 5),
    )
    services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a2,
        amount="100.00",
        method="cash",
        actor=clerk,
        bill_ids=[],
        now=at(2025, 3, 6),
    )
    services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="50.00",
        method="wechat",
        actor=clerk,
        bill_ids=[old.pk],
        now=at(2025, 3, 7),
    )
    # Paid in April: collected for March's bill, but not within March.
    services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a2,
        amount="300.00",
        method="cash",
        actor=clerk,
        now=at(2025, 4, 2),
    )
    # Voided on the day: nets out.
    wrong = services.record_payment(
        idempotency_key=new_key(), unit=unit_a, amount="10.00", method="cash", actor=clerk, now=at(2025, 3, 8)
    ).payment
    services.void_payment(payment=wrong, actor=users["manager"], reason="typo", now=at(2025, 3, 8, 12))

    report = selectors.monthly_statement(estate=unit_a.estate, month=march)
    total = report.total
    assert total.charged == Decimal("500.00")  # the void bill is not charged
    # unit_a2's 100.00 went to January's 40.00 first (oldest), then 60.00 to March.
    assert total.collected_for_period == Decimal("260.00")
    assert total.collected_earlier_this_year == Decimal("40.00")
    assert total.collected_old_arrears == Decimal("50.00")
    assert total.rate == Decimal("52.00")
    assert earlier.pk


def test_ageing_buckets_and_current_vs_old(unit_a, unit_a2):
    def bill(days_overdue, amount, period):
        return make_bill(
            unit_a, amount, period=period, due=TODAY - timedelta(days=days_overdue), code=f"c{days_overdue}"
        )

    bill(10, "10.00", date(2025, 5, 1))
    bill(30, "20.00", date(2025, 5, 1))
    bill(31, "30.00", date(2025, 4, 1))
    bill(120, "40.00", date(2025, 2, 1))
    bill(200, "50.00", date(2024, 11, 1))
    bill(400, "60.00", date(2024, 5, 1))
    make_bill(unit_a2, "70.00", period=date(2025, 6, 1), due=TODAY + timedelta(days=5))  # not yet due
    report = selectors.arrears_report(estate=unit_a.estate, today=TODAY)
    t = report.totals
    assert (t["d0_30"], t["d31_90"], t["d91_180"], t["d181_365"], t["over_365"]) == tuple(
        Decimal(v) for v in ("30.00", "30.00", "40.00", "50.00", "60.00")
    )
    assert t["arrears"] == Decimal("210.00") and t["not_yet_due"] == Decimal("70.00")
    assert t["current_arrears"] == Decimal("100.00") and t["old_arrears"] == Decimal("110.00")
    rows = list(selectors.arrears_by_unit(estate=unit_a.estate, today=TODAY))
    assert [(r["unit__code"], r["arrears"]) for r in rows] == [("3-2-1101", Decimal("210.00"))]
    assert report.buildings[0]["arrears"] == Decimal("210.00")


def test_partial_payment_reduces_arrears(unit_a, users):
    make_bill(unit_a, "100.00", period=date(2025, 1, 1), due=date(2025, 1, 31))
    services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="30.00",
        method="cash",
        actor=users["clerk"],
        now=at(2025, 3, 1),
    )
    assert selectors.arrears_report(estate=unit_a.estate, today=TODAY).totals["arrears"] == Decimal("70.00")


def test_cash_journal_by_method_and_clerk(unit_a, users, estate_a):
    day = date(2025, 3, 10)
    services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="100.00",
        method="cash",
        actor=users["clerk"],
        now=at(2025, 3, 10, 9),
    )
    services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="50.00",
        method="wechat",
        actor=users["manager"],
        now=at(2025, 3, 10, 11),
    )
    p = services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="20.00",
        method="cash",
        actor=users["clerk"],
        now=at(2025, 3, 10, 12),
    ).payment
    services.void_payment(payment=p, actor=users["manager"], reason="typo", now=at(2025, 3, 10, 13))
    services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="999.00",
        method="cash",
        actor=users["clerk"],
        now=at(2025, 3, 11, 9),
    )
    services.refund_prepaid_balance(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="30.00",
        method="cash",
        actor=users["manager"],
        reason="x",
        now=at(2025, 3, 10, 15),
    )
    journal = selectors.cash_journal(estate=estate_a, day=day)
    methods = {r["method"]: (r["count"], r["gross"], r["voided"], r["net"]) for r in journal.by_method}
    assert methods == {
        "cash": (2, Decimal("120.00"), Decimal("20.00"), Decimal("100.00")),
        "wechat": (1, Decimal("50.00"), Decimal("0.00"), Decimal("50.00")),
    }
    clerks = {r["received_by__username"]: r["net"] for r in journal.by_clerk}
    assert clerks == {"clerk": Decimal("100.00"), "manager": Decimal("50.00")}
    assert journal.totals["net"] == Decimal("150.00") and journal.totals["refunds"] == Decimal("30.00")


def test_unit_account_runs_fixed_queries(unit_a, users, django_assert_num_queries):
    for month in range(1, 13):
        make_bill(unit_a, "10.00", period=date(2024, month, 1))
    for _ in range(5):
        services.record_payment(
            idempotency_key=new_key(), unit=unit_a, amount="5.00", method="cash", actor=users["clerk"]
        )
    with django_assert_num_queries(4):
        account = selectors.unit_account(unit=unit_a, today=TODAY)
    assert account.outstanding == Decimal("95.00") and len(account.recent_payments) == 5


@pytest.mark.parametrize("shown", [3, 20])
def test_unit_account_totals_cover_bills_not_shown(unit_a, shown):
    """The unit page shows the first bills only; its totals are over every unpaid bill, summed in
    the database when some are left out and from the list when it holds them all."""
    for month in range(1, 6):
        make_bill(unit_a, "10.25", period=date(2024, month, 1))
    make_bill(unit_a, "7.00", period=date(2099, 1, 1))
    account = selectors.unit_account(unit=unit_a, today=TODAY, bills=shown)
    assert len(account.open_bills) == min(shown, 6)
    assert account.outstanding == Decimal("58.25")
    assert account.overdue == Decimal("51.25")
