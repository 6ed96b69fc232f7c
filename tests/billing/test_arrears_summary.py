"""Issue #16: the per-unit arrears summary. Every money service leaves it equal to a fresh sum of
the unit's bills; the nightly sweep re-dates it; the arrears report, its export and API give the
same figures from it as from the bills; `check_arrears` finds and repairs a tampered row."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing import selectors, services
from billing.models import ArrearsSnapshot, Bill, BillingPolicy, ChargeItem, UnitArrears
from billing.tasks import refresh_arrears_summary
from tests.billing.conftest import at, make_bill, make_item, new_key
from tests.factories import BuildingFactory, UnitFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2025, 6, 15)


def summary_of(unit) -> dict:
    row = UnitArrears.objects.get(unit=unit)
    return {"as_of": row.as_of, **{name: getattr(row, name) for name in UnitArrears.COMPUTED_FIELDS}}


def assert_matches_ledger(unit, now) -> dict:
    """The unit's row is dated `now`'s day and equal to a fresh sum of its bills for that day."""
    today = timezone.localdate(now)
    stored = summary_of(unit)
    expected = {"as_of": today, **services.compute_unit_arrears([unit.pk], today=today)[unit.pk]}
    assert stored == expected
    return stored


def pay(unit, amount, user, *, now, **kwargs):
    kwargs.setdefault("method", "cash")
    return services.record_payment(
        idempotency_key=new_key(), unit=unit, amount=amount, actor=user, now=now, **kwargs
    )


# --- Each service keeps the summary equal to the ledger ---------------------------------------


def test_one_off_bill_payment_void_and_refund_keep_the_summary(unit_a, users):
    item = make_item(unit_a.estate, "repair", basis=ChargeItem.Basis.ONE_OFF)
    now = at(2025, 3, 1)
    services.create_one_off_bill(
        unit=unit_a,
        charge_item=item,
        amount="300.00",
        actor=users["clerk"],
        due_date=date(2025, 2, 20),
        now=now,
    )
    row = assert_matches_ledger(unit_a, now)
    assert (row["total_outstanding"], row["total_arrears"], row["overdue_bill_count"]) == (
        D("300.00"),
        D("300.00"),
        1,
    )
    assert row["band_d0_30"] == D("300.00") and row["oldest_due_date"] == date(2025, 2, 20)

    partial = pay(unit_a, "100.00", users["clerk"], now=at(2025, 3, 2)).payment
    assert assert_matches_ledger(unit_a, at(2025, 3, 2))["total_arrears"] == D("200.00")

    services.void_payment(payment=partial, actor=users["manager"], reason="typo", now=at(2025, 3, 2, 12))
    assert assert_matches_ledger(unit_a, at(2025, 3, 2, 12))["total_arrears"] == D("300.00")

    full = pay(unit_a, "350.00", users["clerk"], now=at(2025, 3, 3)).payment  # 50.00 to prepaid
    row = assert_matches_ledger(unit_a, at(2025, 3, 3))
    assert (row["total_outstanding"], row["open_bills"], row["oldest_due_date"]) == (D("0.00"), 0, None)

    services.refund_payment(payment=full, actor=users["manager"], reason="sold", now=at(2025, 3, 20))
    row = assert_matches_ledger(unit_a, at(2025, 3, 20))
    assert row["total_arrears"] == D("300.00") and row["open_bills"] == 1


def test_void_write_off_and_reissue_keep_the_summary(unit_a, users):
    wrong = make_bill(unit_a, "80.00", period=date(2025, 1, 1), code="a")
    bad_debt = make_bill(unit_a, "60.00", period=date(2025, 1, 1), code="b")
    to_fix = make_bill(unit_a, "500.00", period=date(2025, 2, 1), code="c", due=date(2025, 2, 28))
    manager = users["manager"]

    services.void_bill(bill=wrong, actor=manager, reason="not ours", now=at(2025, 3, 1))
    assert assert_matches_ledger(unit_a, at(2025, 3, 1))["total_outstanding"] == D("560.00")

    services.write_off_bill(bill=bad_debt, actor=manager, reason="bad debt", now=at(2025, 3, 2))
    assert assert_matches_ledger(unit_a, at(2025, 3, 2))["total_outstanding"] == D("500.00")

    replacement = services.reissue_bill(
        bill=to_fix, amount="450.00", actor=manager, reason="wrong area", now=at(2025, 3, 3)
    )
    row = assert_matches_ledger(unit_a, at(2025, 3, 3))
    # The replacement is due no earlier than the day it is issued: nothing is overdue now.
    assert (row["total_outstanding"], row["total_arrears"], row["total_not_yet_due"]) == (
        D("450.00"),
        D("0.00"),
        D("450.00"),
    )
    assert row["oldest_due_date"] == replacement.due_date


def test_late_fee_charged_at_payment_and_waived_keeps_the_summary(unit_a, users):
    BillingPolicy.objects.create(
        estate=unit_a.estate,
        late_fees_enabled=True,
        late_fee_daily_rate=D("0.001"),
        late_fee_grace_days=0,
        late_fee_cap_percent=D("10"),
    )
    make_bill(unit_a, "1000.00", period=date(2025, 3, 1), due=date(2025, 3, 31))
    pay(unit_a, "1000.00", users["clerk"], now=at(2025, 4, 27))  # the 27.00 late fee stays owed
    row = assert_matches_ledger(unit_a, at(2025, 4, 27))
    assert (row["total_outstanding"], row["open_bills"]) == (D("27.00"), 1)
    fee_bill = Bill.objects.get(charge_item__kind=ChargeItem.Kind.LATE_FEE)
    services.waive_late_fee(bill=fee_bill, actor=users["manager"], reason="first delay", now=at(2025, 4, 28))
    assert assert_matches_ledger(unit_a, at(2025, 4, 28))["total_outstanding"] == D("0.00")


def test_generation_with_late_fees_and_prepaid_keeps_the_summary(
    unit_a, unit_a2, users, property_fee, policy
):
    make_bill(unit_a, "200.00", period=date(2025, 1, 1), due=date(2025, 2, 10), code="old")
    # unit_a2 has 40.00 prepaid: the sweep after the run spends it on the new bill.
    make_bill(unit_a2, "10.00", period=date(2025, 1, 1), code="small")
    pay(unit_a2, "50.00", users["clerk"], now=at(2025, 2, 1))
    policy.late_fees_enabled = True
    policy.late_fee_daily_rate = D("0.001")
    policy.late_fee_cap_percent = D("10")
    policy.save()
    now = at(2025, 3, 1)
    result = services.generate_bills(estate=unit_a.estate, period=date(2025, 3, 1), now=now)
    assert result.created == 2 and result.late_fee_bills == 1 and result.units_prepaid_applied == 1
    row_a = assert_matches_ledger(unit_a, now)
    row_a2 = assert_matches_ledger(unit_a2, now)
    late_fee = Bill.objects.get(unit=unit_a, charge_item__kind=ChargeItem.Kind.LATE_FEE).amount
    march = Bill.objects.get(unit=unit_a, charge_item=property_fee).amount
    assert row_a["total_outstanding"] == D("200.00") + late_fee + march
    march_a2 = Bill.objects.get(unit=unit_a2, charge_item=property_fee).amount
    assert row_a2["total_outstanding"] == march_a2 - D("40.00")


def test_apply_prepaid_balances_keeps_the_summary(unit_a, users):
    make_bill(unit_a, "30.00", period=date(2025, 1, 1), code="first")
    pay(unit_a, "100.00", users["clerk"], now=at(2025, 2, 1))  # 70.00 to prepaid
    make_bill(unit_a, "50.00", period=date(2025, 2, 1), code="second")
    services.apply_prepaid_balances(estate=unit_a.estate, now=at(2025, 3, 1))
    row = assert_matches_ledger(unit_a, at(2025, 3, 1))
    assert (row["total_outstanding"], row["open_bills"]) == (D("0.00"), 0)


# --- The report reads the summary, with the same figures ----------------------------------------


@pytest.fixture
def arrears_data(unit_a, unit_a2, building_a):
    """Bills of every age band, current and earlier years, partly paid, and a second building."""
    other = UnitFactory(
        building=BuildingFactory(estate=building_a.estate, code="5", name="5栋"), number="0101"
    )
    for days, amount, period, unit in (
        (10, "10.00", date(2025, 5, 1), unit_a),
        (31, "30.00", date(2025, 4, 1), unit_a),
        (120, "40.00", date(2025, 2, 1), unit_a2),
        (200, "50.00", date(2024, 11, 1), unit_a2),
        (400, "60.00", date(2024, 5, 1), other),
        (-5, "70.00", date(2025, 6, 1), other),  # not yet due
        (-9, "15.00", date(2025, 6, 1), unit_a),  # not yet due
    ):
        make_bill(unit, amount, period=period, due=TODAY - timedelta(days=days), code=f"c{days}")
    make_bill(unit_a2, "25.00", period=date(2025, 1, 1), status=Bill.Status.WRITTEN_OFF, code="gone")
    partly = make_bill(unit_a, "100.00", period=date(2025, 3, 1), due=date(2025, 3, 31), code="partly")
    Bill.objects.filter(pk=partly.pk).update(amount_paid=D("35.50"), status=Bill.Status.PARTIALLY_PAID)
    return other


def _everything(estate, building_id):
    report = selectors.arrears_report(estate=estate, today=TODAY)
    return (
        report.totals,
        report.buildings,
        list(selectors.arrears_by_unit(estate=estate, today=TODAY)),
        list(selectors.arrears_by_unit(estate=estate, today=TODAY, building_id=building_id)),
        list(selectors.arrears_by_unit(estate=estate, today=TODAY, overdue_only=False)),
    )


def test_the_report_from_the_summary_equals_the_report_from_the_bills(estate_a, building_a, arrears_data):
    assert not selectors.summary_is_current(estate=estate_a, today=TODAY)
    from_bills = _everything(estate_a, building_a.pk)
    assert from_bills[0]["arrears"] == D("254.50")  # the data is what the test thinks

    services.refresh_all_unit_arrears(now=at(2025, 6, 15, 0, 5))
    assert selectors.summary_is_current(estate=estate_a, today=TODAY)
    from_summary = _everything(estate_a, building_a.pk)
    assert from_summary == from_bills
    # The same keys in the same order (the API's JSON and the export read them).
    assert [list(row) for row in from_summary[2]] == [list(row) for row in from_bills[2]]
    assert [list(row) for row in from_summary[1]] == [list(row) for row in from_bills[1]]


def test_the_report_reads_only_the_summary_when_it_is_current(
    estate_a, arrears_data, django_assert_max_num_queries
):
    services.refresh_all_unit_arrears(now=at(2025, 6, 15, 0, 5))
    Bill.objects.update(amount_paid=0)  # behind the services' back: the summary does not see it
    with django_assert_max_num_queries(4):
        report = selectors.arrears_report(estate=estate_a, today=TODAY)
    assert report.totals["arrears"] == D("254.50")


def test_a_row_of_another_day_sends_the_report_back_to_the_bills(estate_a, unit_a, users, arrears_data):
    services.refresh_all_unit_arrears(now=at(2025, 6, 15, 0, 5))
    # Yesterday's stamp is not today's: until the sweep runs, the bills are summed.
    assert not selectors.summary_is_current(estate=estate_a, today=TODAY + timedelta(days=1))
    pay(unit_a, "5.00", users["clerk"], now=at(2025, 6, 16, 9))  # dated the 16th
    assert not selectors.summary_is_current(estate=estate_a, today=TODAY)
    assert selectors.arrears_report(estate=estate_a, today=TODAY).totals["arrears"] == D("249.50")


def test_the_sweep_task_stamps_every_estate_and_is_idempotent(estate_a, estate_b, unit_a, unit_b):
    make_bill(unit_a, "12.00", due=timezone.localdate() - timedelta(days=3))
    assert refresh_arrears_summary() == 2
    assert refresh_arrears_summary() == 2
    today = timezone.localdate()
    assert set(ArrearsSnapshot.objects.values_list("estate_id", "as_of")) == {
        (estate_a.pk, today),
        (estate_b.pk, today),
    }
    assert UnitArrears.objects.get(unit=unit_a).total_arrears == D("12.00")
    assert UnitArrears.objects.get(unit=unit_b).open_bills == 0


def test_the_api_and_the_page_read_the_summary(client_as, api_as, users, estate_a, arrears_data):
    from django.urls import reverse

    # The API and the page report on the real today, for which the sweep below stamps the estate.
    api_before = api_as(users["manager"]).get("/api/arrears/", {"estate": estate_a.pk}).json()
    page_before = client_as(users["manager"]).get(reverse("billing:arrears"), {"estate": estate_a.pk})
    services.refresh_all_unit_arrears()
    assert selectors.summary_is_current(estate=estate_a, today=timezone.localdate())
    api_after = api_as(users["manager"]).get("/api/arrears/", {"estate": estate_a.pk}).json()
    assert api_before == api_after and api_after["count"] == 3
    page_after = client_as(users["manager"]).get(reverse("billing:arrears"), {"estate": estate_a.pk})
    assert page_after.status_code == 200 and "3-2-1101" in page_after.content.decode()
    assert page_after.context["report"].totals == page_before.context["report"].totals


# --- check_arrears ------------------------------------------------------------------------------


def test_check_arrears_finds_a_tampered_row_and_fixes_it(unit_a, unit_a2, users, capsys):
    make_bill(unit_a, "80.00", due=date(2025, 1, 28))
    pay(unit_a, "30.00", users["clerk"], now=at(2025, 3, 1))
    call_command("check_arrears")  # nothing differs: no error
    UnitArrears.objects.filter(unit=unit_a).update(total_arrears=D("1.00"))
    make_bill(unit_a2, "20.00", due=date(2025, 1, 28))  # behind the services' back, no row yet
    capsys.readouterr()
    with pytest.raises(CommandError) as raised:
        call_command("check_arrears")
    assert raised.value.returncode == 1
    out = capsys.readouterr().out
    assert f"unit {unit_a.pk}: total_arrears: 1.00 ≠ 50.00" in out
    assert f"unit {unit_a2.pk}:" in out
    assert UnitArrears.objects.get(unit=unit_a).total_arrears == D("1.00")  # no --fix: untouched

    with pytest.raises(CommandError):
        call_command("check_arrears", "--fix")
    assert UnitArrears.objects.get(unit=unit_a2).total_outstanding == D("20.00")
    call_command("check_arrears")  # repaired: the next check is clean
    assert "0 differ" in capsys.readouterr().out


def test_the_migration_fills_every_unit_as_the_services_would(
    estate_a, unit_a, unit_a2, unit_b, arrears_data
):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("billing.migrations.0005_unit_arrears_summary")
    migration.fill_summary(apps, None)
    today = timezone.localdate()
    assert UnitArrears.objects.count() == 4  # every unit, owing or not
    assert set(UnitArrears.objects.values_list("as_of", flat=True)) == {today}
    assert services.check_unit_arrears().differences == {}
    assert UnitArrears.objects.get(unit=arrears_data).building_id == arrears_data.building_id
    assert selectors.summary_is_current(estate=estate_a, today=today)


# --- The arrears API: totals and count without the per-building sums or the joins ---------------


@pytest.mark.parametrize("summarised", [False, True])
def test_the_totals_alone_equal_the_report_totals(estate_a, building_a, arrears_data, summarised):
    if summarised:
        services.refresh_all_unit_arrears(now=at(2025, 6, 15, 0, 5))
    assert selectors.summary_is_current(estate=estate_a, today=TODAY) is summarised
    report = selectors.arrears_report(estate=estate_a, today=TODAY)
    totals = selectors.arrears_totals(estate=estate_a, today=TODAY)
    assert totals == report.totals and list(totals) == list(report.totals)
    assert totals["outstanding"] == D("339.50") and totals["overdue_bills"] == 6
    for building_id in (None, building_a.pk):
        for overdue_only in (True, False):
            rows = selectors.arrears_by_unit(
                estate=estate_a, today=TODAY, building_id=building_id, overdue_only=overdue_only
            )
            count = selectors.arrears_unit_count(
                estate=estate_a, today=TODAY, building_id=building_id, overdue_only=overdue_only
            )
            assert count == len(list(rows)) > 0


def test_the_arrears_api_query_count_does_not_grow_with_the_units(
    api_as, users, estate_a, building_a, arrears_data, django_assert_max_num_queries
):
    client = api_as(users["manager"])
    counts = []

    def read():
        services.refresh_all_unit_arrears()
        with django_assert_max_num_queries(8) as captured:
            data = client.get("/api/arrears/", {"estate": estate_a.pk, "page_size": 2}).json()
        # The summary is read: no query sums the bills.
        assert not [q for q in captured.captured_queries if "billing_bill" in q["sql"]]
        counts.append(len(captured.captured_queries))
        return data

    client.get("/api/arrears/", {"estate": estate_a.pk})  # warms the process cache of the user's reach
    first = read()
    assert first["count"] == 3 and len(first["results"]) == 2
    for number in range(20):
        unit = UnitFactory(building=building_a, number=f"09{number:02d}")
        make_bill(unit, "5.00", period=date(2025, 1, 1), due=timezone.localdate() - timedelta(days=40))
    more = read()
    assert more["count"] == 23 and len(more["results"]) == 2
    assert D(more["summary"]["arrears"]) == D(first["summary"]["arrears"]) + 100
    assert counts[0] == counts[1]
