"""Factories for the archive and staff models, shared by every app's tests."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from residents.models import Building, Estate, Occupancy, Person, Unit
from residents.services import unit_code
from servicecenter.validators import id_number_checksum
from staff.models import StaffProfile, Team, Zone, ZoneBuilding


def make_id_number(serial: int, birth: str = "19800101", region: str = "110101") -> str:
    first17 = f"{region}{birth}{serial % 1000:03d}"
    return first17 + id_number_checksum(first17)


class EstateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Estate
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试花园{n}")
    code = factory.Sequence(lambda n: f"E{n:03d}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    estate = factory.SubFactory(EstateFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    name = factory.LazyAttribute(lambda o: f"{o.code}栋")
    floors = 18


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    estate = factory.LazyAttribute(lambda o: o.building.estate)
    entrance = "1"
    # Floors 1-18 and doors 01-04 repeat together every 36 units; after that the sequence number keeps
    # each unit's number unique in its building.
    number = factory.Sequence(lambda n: f"{(n % 18) + 1}{(n % 4) + 1:02d}{'' if n < 36 else n}")
    code = factory.LazyAttribute(
        lambda o: unit_code(building_code=o.building.code, entrance=o.entrance, number=o.number)
    )
    floor = 1
    area = Decimal("89.50")
    state = Unit.State.OCCUPIED


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    estate = factory.SubFactory(EstateFactory)
    name = factory.Sequence(lambda n: f"住户{n}")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")

    @factory.post_generation
    def id_number(obj, create, extracted, **kwargs):
        if extracted:
            obj.set_id_number(extracted)
            if create:
                obj.save()


class OccupancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occupancy

    unit = factory.SubFactory(UnitFactory)
    person = factory.SubFactory(PersonFactory, estate=factory.SelfAttribute("..unit.estate"))
    role = Occupancy.Role.OWNER
    start_date = factory.Faker("date_between", start_date="-3y", end_date="-1d")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    estate = factory.SubFactory(EstateFactory)
    kind = Team.Kind.MAINTENANCE
    name = factory.Sequence(lambda n: f"维修组{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


def make_staff(role: str, *estates, username: str | None = None, team=None, **extra):
    """A user in the role's group with a staff profile on the given estates."""
    user = UserFactory(username=username or f"{role}-{'-'.join(e.code for e in estates) or 'all'}", **extra)
    user.groups.add(Group.objects.get(name=role))
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    profile.estates.add(*estates)
    if team is not None:
        profile.team = team
        profile.save(update_fields=["team"])
    return user


def make_resident(unit, *, username: str, role: str = Occupancy.Role.OWNER, person=None):
    """A portal user linked to a person who currently occupies `unit`."""
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name="resident"))
    person = person or PersonFactory(estate=unit.estate, name=f"{username}-person")
    person.user = user
    person.save(update_fields=["user"])
    OccupancyFactory(unit=unit, person=person, role=role)
    return user


def make_zone(estate, housekeeper, *buildings, name="一区"):
    zone = Zone.objects.create(estate=estate, name=name, housekeeper=housekeeper)
    for building in buildings:
        ZoneBuilding.objects.create(zone=zone, building=building)
    return zone
