"""Factories for renovations. They write rows directly (any state, known dates and amounts);
tests of the lifecycle call `renovations.services` as the application does."""

from datetime import date

import factory
from django.utils import timezone

from renovations.models import (
    Patrol,
    Renovation,
    RenovationRules,
    RenovationWorker,
    ScopeItem,
    Violation,
)
from residents.models import Occupancy
from tests.factories import EstateFactory, OccupancyFactory, UnitFactory, make_id_number


class ScopeItemFactory(factory.django.DjangoModelFactory):
    """A regular item (墙面粉刷) unless `non_regular=True` (拆改墙体: needs the engineering review)."""

    class Meta:
        model = ScopeItem
        django_get_or_create = ("estate", "name")

    class Params:
        non_regular = factory.Trait(
            is_regular=False,
            area=ScopeItem.Area.STRUCTURE,
            name=factory.Sequence(lambda n: f"拆改墙体{n}"),
        )

    estate = factory.SubFactory(EstateFactory)
    name = factory.Sequence(lambda n: f"墙面粉刷{n}")
    area = ScopeItem.Area.FINISHING
    is_regular = True


class RenovationRulesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RenovationRules
        django_get_or_create = ("estate",)

    estate = factory.SubFactory(EstateFactory)


def current_owner(unit):
    """The unit's current owner (a new owner occupancy since 2020 when it has none)."""
    occupancy = (
        Occupancy.objects.current()
        .filter(unit=unit, role__in=Occupancy.BILL_ROLES)
        .select_related("person")
        .first()
    )
    if occupancy is None:
        occupancy = OccupancyFactory(unit=unit, role=Occupancy.Role.OWNER, start_date=date(2020, 1, 1))
    return occupancy.person


class RenovationFactory(factory.django.DjangoModelFactory):
    """An application (submitted unless told otherwise) by the unit's current owner, for March and
    April 2026, with one scope item of its estate matching `is_regular`."""

    class Meta:
        model = Renovation
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory)
    estate = factory.LazyAttribute(lambda o: o.unit.estate)
    owner = factory.LazyAttribute(lambda o: current_owner(o.unit))
    number = factory.Sequence(lambda n: f"F-ZX2026-{n:04d}")
    status = Renovation.Status.SUBMITTED
    is_regular = True
    description = "厨卫翻新，墙面重新粉刷"
    contractor_company = "深圳市安居装饰工程有限公司"
    contractor_licence = "91440300MA5XXXXX1A"
    contractor_contact = "李工"
    contractor_phone = "13912345678"
    planned_start = date(2026, 3, 2)
    planned_end = date(2026, 4, 30)
    created_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def scope_items(obj, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [ScopeItemFactory(estate=obj.estate, non_regular=not obj.is_regular)]
        obj.scope_items.set(extracted)


class RenovationWorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RenovationWorker
        skip_postgeneration_save = True

    renovation = factory.SubFactory(RenovationFactory)
    name = factory.Sequence(lambda n: f"工人{n}")
    mobile = factory.Sequence(lambda n: f"137{n:08d}")
    trade = "瓦工"

    @factory.post_generation
    def id_number(obj, create, extracted, **kwargs):
        obj.set_id_number(extracted or make_id_number(obj.pk or 1, birth="19850315"))
        if create:
            obj.save(update_fields=["id_number_ciphertext", "id_number_hash", "id_number_masked"])


class PatrolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patrol

    renovation = factory.SubFactory(RenovationFactory, status=Renovation.Status.IN_PROGRESS)
    estate = factory.LazyAttribute(lambda o: o.renovation.estate)
    date = date(2026, 3, 10)
    result = Patrol.Result.PENDING


class ViolationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Violation

    renovation = factory.SubFactory(RenovationFactory, status=Renovation.Status.IN_PROGRESS)
    unit = factory.LazyAttribute(lambda o: o.renovation.unit)
    estate = factory.LazyAttribute(lambda o: o.unit.estate)
    kind = Violation.Kind.OUT_OF_HOURS
    source = Violation.Source.PATROL
    description = "午休时间电钻施工"
    status = Violation.Status.OPEN
    found_at = factory.LazyFunction(timezone.now)
