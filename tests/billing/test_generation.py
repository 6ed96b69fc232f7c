from datetime import date
from decimal import Decimal

import pytest

from billing import services
from billing.models import Bill, ChargeEnrollment, ChargeItem, ChargeRate, Meter
from residents.models import Unit
from servicecenter.exceptions import DomainError
from tests.billing.conftest import at, make_item
from tests.billing.factories import MeterFactory, UnitBillingTermsFactory
from tests.factories import BuildingFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_property_fee_is_rate_times_area(unit_a, property_fee, generate):
    generate()
    bill = Bill.objects.get(unit=unit_a, charge_item=property_fee)
    assert bill.amount == Decimal("223.75")  # 89.50 m² × 2.50
    assert (bill.quantity, bill.rate, bill.days_billed, bill.days_in_period) == (
        Decimal("89.50"),
        Decimal("2.5"),
        31,
        31,
    )
    assert bill.period == date(2025, 3, 1)
    assert bill.status == Bill.Status.OPEN


def test_amount_rounds_half_up_once(estate_a, building_a, generate):
    unit = UnitFactory(building=building_a, area=Decimal("10.05"))
    item = make_item(estate_a, "odd", rate="1.0500")  # 10.05 × 1.05 = 10.5525 → 10.55
    item2 = make_item(estate_a, "odd2", rate="0.0500")  # 10.05 × 0.05 = 0.5025 → 0.50
    unit3 = UnitFactory(building=building_a, area=Decimal("0.50"))
    item3 = make_item(estate_a, "half", rate="0.0100", unit_use=Unit.Use.STORAGE)  # never applies
    generate()
    assert Bill.objects.get(unit=unit, charge_item=item).amount == Decimal("10.55")
    assert Bill.objects.get(unit=unit, charge_item=item2).amount == Decimal("0.50")
    assert not Bill.objects.filter(unit=unit3, charge_item=item3).exists()
    assert services.compute_amount(
        rate=Decimal("0.05"), quantity=Decimal("0.5"), days=1, days_in_period=1, discount_percent=Decimal(0)
    ) == Decimal("0.03")  # 0.025 rounds half up


def test_generation_is_idempotent(unit_a, unit_a2, property_fee, generate):
    first = generate()
    second = generate()
    assert first.created == 2
    assert second.created == 0
    assert second.already_billed == 2
    assert Bill.objects.filter(period=date(2025, 3, 1)).count() == 2


def test_unique_constraint_refuses_a_second_bill_for_the_same_month(unit_a, property_fee, generate):
    from django.db import IntegrityError

    generate()
    original = Bill.objects.get(unit=unit_a)
    original.pk = None
    with pytest.raises(IntegrityError):
        original.save()


def test_partial_month_is_prorated_by_days(unit_a, property_fee, generate):
    UnitBillingTermsFactory(estate=unit_a.estate, unit=unit_a, fees_start_date=date(2025, 3, 17))
    generate()
    bill = Bill.objects.get(unit=unit_a)
    assert bill.days_billed == 15  # 17..31 March
    assert bill.amount == Decimal("108.27")  # 223.75 × 15 / 31 = 108.266…


def test_units_whose_fees_have_not_started_or_are_unsold_get_nothing(unit_a, unit_a2, property_fee, generate):
    UnitBillingTermsFactory(estate=unit_a.estate, unit=unit_a, fees_start_date=date(2025, 4, 1))
    Unit.objects.filter(pk=unit_a2.pk).update(state=Unit.State.UNSOLD)
    assert generate().created == 0


def test_vacant_units_get_the_estate_discount(unit_a, property_fee, policy, generate):
    Unit.objects.filter(pk=unit_a.pk).update(state=Unit.State.VACANT)
    generate()
    bill = Bill.objects.get(unit=unit_a)
    assert bill.discount_percent == Decimal("30")
    assert bill.amount == Decimal("156.63")  # 223.75 × 0.7 = 156.625


def test_vacant_discount_only_on_items_that_allow_it(unit_a, policy, estate_a, generate):
    item = make_item(
        estate_a, "elevator", rate="20", basis=ChargeItem.Basis.PER_UNIT_MONTH, kind=ChargeItem.Kind.ELEVATOR
    )
    Unit.objects.filter(pk=unit_a.pk).update(state=Unit.State.VACANT)
    generate()
    assert Bill.objects.get(unit=unit_a, charge_item=item).amount == Decimal("20.00")


def test_rate_change_applies_from_its_date_and_never_rewrites_old_bills(
    unit_a, property_fee, generate, users
):
    generate(period=date(2025, 3, 1))
    services.set_charge_rate(
        charge_item=property_fee,
        rate=Decimal("3.00"),
        effective_from=date(2025, 4, 1),
        actor=users["manager"],
    )
    generate(period=date(2025, 4, 1), now=at(2025, 4, 1))
    march = Bill.objects.get(unit=unit_a, period=date(2025, 3, 1))
    april = Bill.objects.get(unit=unit_a, period=date(2025, 4, 1))
    assert march.amount == Decimal("223.75") and march.rate == Decimal("2.5")
    assert april.amount == Decimal("268.50") and april.rate == Decimal("3")
    with pytest.raises(DomainError):
        services.set_charge_rate(
            charge_item=property_fee,
            rate=Decimal("4"),
            effective_from=date(2025, 4, 1),
            actor=users["manager"],
        )
    assert ChargeRate.objects.filter(charge_item=property_fee).count() == 2


def test_item_without_a_rate_is_reported_not_billed(unit_a, estate_a, generate):
    make_item(estate_a, "norate", rate=None)
    result = generate()
    assert result.created == 0
    assert result.items_without_rate == ["norate"]


def test_elevator_fee_only_in_buildings_with_a_lift(estate_a, unit_a, generate):
    low = UnitFactory(building=BuildingFactory(estate=estate_a, code="9", has_elevator=False))
    item = make_item(
        estate_a,
        "elevator",
        rate="15",
        basis=ChargeItem.Basis.PER_UNIT_MONTH,
        kind=ChargeItem.Kind.ELEVATOR,
        applies_to=ChargeItem.AppliesTo.ELEVATOR_BUILDINGS,
    )
    generate()
    assert Bill.objects.filter(unit=unit_a, charge_item=item).exists()
    assert not Bill.objects.filter(unit=low, charge_item=item).exists()


def test_parking_fee_per_enrolled_space_prorated(estate_a, unit_a, unit_a2, users, generate):
    item = make_item(
        estate_a,
        "parking",
        rate="300",
        basis=ChargeItem.Basis.PER_UNIT_MONTH,
        kind=ChargeItem.Kind.PARKING,
        applies_to=ChargeItem.AppliesTo.ENROLLED_UNITS,
    )
    services.enroll_unit(
        unit=unit_a, charge_item=item, quantity=Decimal(2), start_date=date(2024, 1, 1), actor=users["clerk"]
    )
    services.enroll_unit(unit=unit_a2, charge_item=item, start_date=date(2025, 3, 16), actor=users["clerk"])
    generate()
    assert Bill.objects.get(unit=unit_a, charge_item=item).amount == Decimal("600.00")
    assert Bill.objects.get(unit=unit_a2, charge_item=item).amount == Decimal("154.84")  # 300 × 16/31
    with pytest.raises(DomainError):
        services.enroll_unit(unit=unit_a, charge_item=item, start_date=date(2025, 6, 1), actor=users["clerk"])
    assert ChargeEnrollment.objects.filter(unit=unit_a).count() == 1


def test_metered_water_is_rate_times_consumption(estate_a, unit_a, users, generate):
    item = make_item(
        estate_a, "water", rate="3.4500", basis=ChargeItem.Basis.METERED, kind=ChargeItem.Kind.WATER
    )
    meter = MeterFactory(estate=estate_a, unit=unit_a, kind=Meter.Kind.WATER, initial_reading=Decimal("100"))
    services.record_meter_reading(meter=meter, period=date(2025, 2, 1), value="112.5", actor=users["clerk"])
    reading = services.record_meter_reading(
        meter=meter, period=date(2025, 3, 1), value="120.5", actor=users["clerk"]
    )
    assert reading.consumption == Decimal("8.00")
    generate()
    bill = Bill.objects.get(unit=unit_a, charge_item=item)
    assert (bill.quantity, bill.amount) == (Decimal("8.00"), Decimal("27.60"))


def test_lower_reading_is_rejected_unless_the_meter_was_replaced(estate_a, unit_a, users):
    meter = MeterFactory(
        estate=estate_a, unit=unit_a, kind=Meter.Kind.ELECTRICITY, initial_reading=Decimal("500")
    )
    services.record_meter_reading(meter=meter, period=date(2025, 2, 1), value="650", actor=users["clerk"])
    with pytest.raises(DomainError) as error:
        services.record_meter_reading(meter=meter, period=date(2025, 3, 1), value="640", actor=users["clerk"])
    assert error.value.code == "reading_lower_than_previous"
    new = services.replace_meter(
        meter=meter,
        replaced_on=date(2025, 3, 10),
        final_value="660",
        new_initial_value="0",
        actor=users["clerk"],
    )
    with pytest.raises(DomainError):  # the old meter takes no more readings
        services.record_meter_reading(meter=meter, period=date(2025, 4, 1), value="700", actor=users["clerk"])
    reading = services.record_meter_reading(
        meter=new, period=date(2025, 3, 1), value="40", actor=users["clerk"]
    )
    assert reading.consumption == Decimal("40.00")
    assert meter.readings.get(period=date(2025, 3, 1)).consumption == Decimal("10.00")


def test_reading_after_the_month_is_billed_is_refused(estate_a, unit_a, users, generate):
    make_item(estate_a, "water", rate="3", basis=ChargeItem.Basis.METERED, kind=ChargeItem.Kind.WATER)
    meter = MeterFactory(estate=estate_a, unit=unit_a, kind=Meter.Kind.WATER)
    services.record_meter_reading(meter=meter, period=date(2025, 3, 1), value="10", actor=users["clerk"])
    generate()
    meter2 = services.replace_meter(
        meter=meter,
        replaced_on=date(2025, 3, 20),
        final_value=None,
        new_initial_value="0",
        actor=users["clerk"],
    )
    with pytest.raises(DomainError):
        services.record_meter_reading(meter=meter2, period=date(2025, 3, 1), value="5", actor=users["clerk"])


def test_bulk_readings_save_the_good_and_report_the_bad(estate_a, unit_a, unit_a2, users):
    m1 = MeterFactory(estate=estate_a, unit=unit_a, kind=Meter.Kind.WATER, initial_reading=Decimal("50"))
    m2 = MeterFactory(estate=estate_a, unit=unit_a2, kind=Meter.Kind.WATER, initial_reading=Decimal("50"))
    result = services.record_meter_readings(
        entries=[(m1, "60"), (m2, "40")], period=date(2025, 3, 1), actor=users["clerk"]
    )
    assert [r.meter_id for r in result.saved] == [m1.pk]
    assert m2.pk in result.errors


def test_generation_runs_a_fixed_number_of_queries(
    estate_a, building_a, property_fee, generate, django_assert_max_num_queries
):
    for _ in range(30):
        UnitFactory(building=building_a)
    with django_assert_max_num_queries(20):
        result = generate()
    assert result.created == 30


def test_one_off_bill_is_charged_once_per_source(unit_a, estate_a, users):
    item = make_item(
        estate_a, "repair", rate=None, basis=ChargeItem.Basis.ONE_OFF, kind=ChargeItem.Kind.ONE_OFF
    )
    first = services.create_one_off_bill(
        unit=unit_a,
        charge_item=item,
        amount="80.00",
        actor=users["clerk"],
        source_reference="ticket:7",
        now=at(2025, 3, 5),
    )
    again = services.create_one_off_bill(
        unit=unit_a,
        charge_item=item,
        amount="80.00",
        actor=users["clerk"],
        source_reference="ticket:7",
        now=at(2025, 3, 5),
    )
    assert first.pk == again.pk
    assert first.amount == Decimal("80.00") and not first.is_recurring
    with pytest.raises(DomainError):
        services.create_one_off_bill(unit=unit_a, charge_item=item, amount="-1", actor=users["clerk"])


def test_late_fees_are_off_by_default(unit_a, property_fee, generate):
    generate(period=date(2025, 1, 1), now=at(2025, 1, 1))
    generate(period=date(2025, 3, 1), now=at(2025, 3, 1))
    assert not Bill.objects.filter(charge_item__kind=ChargeItem.Kind.LATE_FEE).exists()


def test_late_fees_accrue_per_day_up_to_the_cap(unit_a, property_fee, policy, generate):
    policy.late_fees_enabled = True
    policy.late_fee_daily_rate = Decimal("0.003")
    policy.late_fee_cap_percent = Decimal("10")
    policy.save()
    generate(period=date(2025, 1, 1), now=at(2025, 1, 1))  # 223.75, due 31 January
    generate(period=date(2025, 2, 1), now=at(2025, 2, 1))  # January: 0 days overdue → no fee
    assert not Bill.objects.filter(charge_item__kind=ChargeItem.Kind.LATE_FEE).exists()
    generate(period=date(2025, 3, 1), now=at(2025, 3, 1))
    # February: January's bill 28 days × 0.3 % × 223.75 = 18.795 → 18.80, capped at 22.38;
    # February's own bill (due 3 March) is not yet overdue in February.
    fee = Bill.objects.get(charge_item__kind=ChargeItem.Kind.LATE_FEE, period=date(2025, 3, 1))
    assert fee.amount == Decimal("18.80")
    generate(period=date(2025, 4, 1), now=at(2025, 4, 1))
    april = Bill.objects.get(charge_item__kind=ChargeItem.Kind.LATE_FEE, period=date(2025, 4, 1))
    # January's bill has 22.38 − 18.80 = 3.58 of room left; February's bill accrued 28 days in March.
    assert april.amount == Decimal("3.58") + Decimal("18.80")
    generate(period=date(2025, 4, 1), now=at(2025, 4, 1))
    assert Bill.objects.filter(charge_item__kind=ChargeItem.Kind.LATE_FEE).count() == 2
