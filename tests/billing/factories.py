"""Factories for billing, the same factory_boy style as `tests/factories.py` and
`tests/tickets/factories.py`. They write rows directly (any state, known amounts); tests of
generation and payments call the services as the application does."""

from datetime import date
from decimal import Decimal

import factory

from billing.models import Bill, BillingPolicy, ChargeItem, ChargeRate, Meter, UnitBillingTerms
from tests.factories import EstateFactory, UnitFactory


class ChargeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChargeItem
        django_get_or_create = ("estate", "code")

    estate = factory.SubFactory(EstateFactory)
    code = "misc"
    name = factory.LazyAttribute(lambda o: o.code)
    kind = ChargeItem.Kind.PROPERTY_FEE
    basis = ChargeItem.Basis.PER_AREA_MONTH


class ChargeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChargeRate

    charge_item = factory.SubFactory(ChargeItemFactory)
    rate = Decimal("2.50")
    effective_from = date(2020, 1, 1)


class BillFactory(factory.django.DjangoModelFactory):
    """An open bill of January 2025 due on the 28th, unless told otherwise."""

    class Meta:
        model = Bill

    unit = factory.SubFactory(UnitFactory)
    estate = factory.LazyAttribute(lambda o: o.unit.estate)
    charge_item = factory.LazyAttribute(lambda o: ChargeItemFactory(estate=o.unit.estate))
    period = date(2025, 1, 1)
    amount = Decimal("100.00")
    issue_date = factory.LazyAttribute(lambda o: o.period)
    due_date = factory.LazyAttribute(lambda o: date(o.period.year, o.period.month, 28))
    status = Bill.Status.OPEN


class BillingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingPolicy

    estate = factory.SubFactory(EstateFactory)


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    unit = factory.SubFactory(UnitFactory)
    estate = factory.LazyAttribute(lambda o: o.unit.estate)
    kind = Meter.Kind.WATER


class UnitBillingTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitBillingTerms

    unit = factory.SubFactory(UnitFactory)
    estate = factory.LazyAttribute(lambda o: o.unit.estate)
