"""Billing fixtures: a tariff for estate A and helpers to issue bills with known amounts."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing import services
from billing.models import Bill, ChargeItem
from tests.billing.factories import BillFactory, BillingPolicyFactory, ChargeItemFactory, ChargeRateFactory

TZ = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10, minute=0) -> datetime:
    """An aware local time (services take `now`)."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def new_key() -> str:
    """A fresh idempotency key: every write that moves money takes one."""
    return uuid.uuid4().hex


def make_item(
    estate, code="property", *, rate="2.50", effective_from=date(2020, 1, 1), **fields
) -> ChargeItem:
    """A charge item with one rate (none when `rate=None`)."""
    item = ChargeItemFactory(estate=estate, code=code, **fields)
    if rate is not None:
        ChargeRateFactory(charge_item=item, rate=Decimal(rate), effective_from=effective_from)
    return item


def make_bill(
    unit, amount, *, period=date(2025, 1, 1), item=None, due=None, status=Bill.Status.OPEN, code="misc"
) -> Bill:
    """A bill with a known amount, made directly (tests of payments do not depend on the generator)."""
    extra = {"due_date": due} if due else {}
    return BillFactory(
        unit=unit,
        charge_item=item or ChargeItemFactory(estate=unit.estate, code=code),
        period=period,
        amount=Decimal(amount),
        status=status,
        **extra,
    )


@pytest.fixture
def property_fee(estate_a):
    return make_item(estate_a, "property", rate="2.50", vacant_discount_applies=True)


@pytest.fixture
def policy(estate_a):
    return BillingPolicyFactory(estate=estate_a, payment_terms_days=30, vacant_discount_percent=Decimal("30"))


@pytest.fixture
def generate(estate_a):
    def run(period=date(2025, 3, 1), now=None, estate=None):
        return services.generate_bills(estate=estate or estate_a, period=period, now=now or at(2025, 3, 1))

    return run


@pytest.fixture
def resident(resident):
    """The shared fixture's occupancy starts on a random recent date; billing tests run in 2025."""
    from residents.models import Occupancy

    Occupancy.objects.filter(person__user=resident).update(start_date=date(2020, 1, 1))
    return resident


@pytest.fixture
def resident2(resident2):
    from residents.models import Occupancy

    Occupancy.objects.filter(person__user=resident2).update(start_date=date(2020, 1, 1))
    return resident2
