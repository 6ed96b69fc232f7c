"""Unit tests for the archive services the desk pages call: occupancies and registering people."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from residents import services
from residents.models import Occupancy, Person, Unit
from servicecenter.exceptions import DomainError
from tests.factories import OccupancyFactory, PersonFactory, UnitFactory, make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(users):
    return users["clerk"]


@pytest.fixture
def person_a(estate_a):
    return PersonFactory(estate=estate_a, name="张伟")


# --- add_occupancy -------------------------------------------------------------------------------


def test_add_occupancy_links_person_and_unit(clerk, unit_a, person_a):
    occupancy = services.add_occupancy(
        actor=clerk, unit=unit_a, person=person_a, role=Occupancy.Role.OWNER, start_date=date(2024, 5, 1)
    )
    assert (occupancy.unit, occupancy.person, occupancy.role, occupancy.start_date, occupancy.end_date) == (
        unit_a,
        person_a,
        "owner",
        date(2024, 5, 1),
        None,
    )


def test_add_occupancy_defaults_the_start_to_today(clerk, unit_a, person_a):
    occupancy = services.add_occupancy(actor=clerk, unit=unit_a, person=person_a, role=Occupancy.Role.TENANT)
    assert occupancy.start_date == date.today()


def test_add_occupancy_rejects_a_person_of_another_estate(clerk, unit_a, estate_b):
    stranger = PersonFactory(estate=estate_b)
    with pytest.raises(DomainError, match="different estates"):
        services.add_occupancy(actor=clerk, unit=unit_a, person=stranger, role=Occupancy.Role.OWNER)
    assert not Occupancy.objects.exists()


def test_add_occupancy_rejects_an_unknown_role(clerk, unit_a, person_a):
    with pytest.raises(DomainError, match="Unknown occupancy role"):
        services.add_occupancy(actor=clerk, unit=unit_a, person=person_a, role="landlord")
    assert not Occupancy.objects.exists()


def test_add_occupancy_rejects_an_end_before_the_start(clerk, unit_a, person_a):
    with pytest.raises(DomainError, match="end date is before"):
        services.add_occupancy(
            actor=clerk,
            unit=unit_a,
            person=person_a,
            role=Occupancy.Role.TENANT,
            start_date=date(2024, 5, 1),
            end_date=date(2024, 4, 30),
        )
    assert not Occupancy.objects.exists()


def test_add_occupancy_rejects_the_same_open_role_twice(clerk, unit_a, person_a):
    services.add_occupancy(actor=clerk, unit=unit_a, person=person_a, role=Occupancy.Role.OWNER)
    with pytest.raises(DomainError, match="already has this role"):
        services.add_occupancy(actor=clerk, unit=unit_a, person=person_a, role=Occupancy.Role.OWNER)
    assert Occupancy.objects.count() == 1


def test_add_occupancy_allows_a_second_role_and_a_past_stint(clerk, unit_a, person_a):
    services.add_occupancy(actor=clerk, unit=unit_a, person=person_a, role=Occupancy.Role.OWNER)
    services.add_occupancy(actor=clerk, unit=unit_a, person=person_a, role=Occupancy.Role.TENANT)
    services.add_occupancy(
        actor=clerk,
        unit=unit_a,
        person=person_a,
        role=Occupancy.Role.OWNER,
        start_date=date(2010, 1, 1),
        end_date=date(2012, 1, 1),
    )
    assert Occupancy.objects.count() == 3


@pytest.mark.parametrize(
    ("state", "role", "expected"),
    [
        (Unit.State.VACANT, Occupancy.Role.TENANT, Unit.State.OCCUPIED),
        (Unit.State.HANDED_OVER, Occupancy.Role.HOUSEHOLD_MEMBER, Unit.State.OCCUPIED),
        # An owner taking the keys does not mean someone lives there yet.
        (Unit.State.VACANT, Occupancy.Role.OWNER, Unit.State.VACANT),
        (Unit.State.RENOVATING, Occupancy.Role.TENANT, Unit.State.RENOVATING),
    ],
)
def test_add_occupancy_moves_an_empty_unit_to_occupied_for_residents(
    clerk, building_a, state, role, expected
):
    unit = UnitFactory(building=building_a, state=state)
    person = PersonFactory(estate=unit.estate)
    services.add_occupancy(actor=clerk, unit=unit, person=person, role=role)
    unit.refresh_from_db()
    assert unit.state == expected


# --- end_occupancy -------------------------------------------------------------------------------


def test_end_occupancy_sets_the_end_date(clerk, unit_a):
    occupancy = OccupancyFactory(unit=unit_a, start_date=date(2020, 1, 1))
    services.end_occupancy(actor=clerk, occupancy=occupancy, end_date=date(2024, 6, 30))
    occupancy.refresh_from_db()
    assert occupancy.end_date == date(2024, 6, 30)
    assert not Occupancy.objects.current(on=date(2024, 7, 1)).filter(pk=occupancy.pk).exists()


def test_end_occupancy_defaults_to_today(clerk, unit_a):
    occupancy = OccupancyFactory(unit=unit_a, start_date=date(2020, 1, 1))
    services.end_occupancy(actor=clerk, occupancy=occupancy)
    occupancy.refresh_from_db()
    assert occupancy.end_date == date.today()


def test_end_occupancy_rejects_an_already_ended_one(clerk, unit_a):
    occupancy = OccupancyFactory(unit=unit_a, start_date=date(2020, 1, 1), end_date=date(2021, 1, 1))
    with pytest.raises(DomainError, match="already ended"):
        services.end_occupancy(actor=clerk, occupancy=occupancy, end_date=date(2024, 1, 1))
    occupancy.refresh_from_db()
    assert occupancy.end_date == date(2021, 1, 1)


def test_end_occupancy_rejects_an_end_before_the_start(clerk, unit_a):
    occupancy = OccupancyFactory(unit=unit_a, start_date=date(2024, 1, 1))
    with pytest.raises(DomainError, match="end date is before"):
        services.end_occupancy(actor=clerk, occupancy=occupancy, end_date=date(2023, 12, 31))
    occupancy.refresh_from_db()
    assert occupancy.end_date is None


# --- create_person_with_occupancy ----------------------------------------------------------------


def test_create_person_with_occupancy_saves_both(clerk, unit_a):
    person = services.create_person_with_occupancy(
        actor=clerk,
        estate=unit_a.estate,
        name=" 陈静 ",
        mobile="+86 135 1234 5678",
        id_number=make_id_number(8).lower(),
        unit=unit_a,
        role=Occupancy.Role.TENANT,
    )
    assert person.name == "陈静"
    assert person.mobile == "13512345678"
    assert person.decrypted_id_number() == make_id_number(8)
    assert list(person.occupancies.values_list("unit_id", "role")) == [(unit_a.pk, "tenant")]


def test_create_person_without_a_unit_adds_no_occupancy(clerk, estate_a):
    person = services.create_person_with_occupancy(actor=clerk, estate=estate_a, name="陈静")
    assert person.pk and not person.occupancies.exists()


def test_create_person_with_occupancy_saves_nothing_when_the_link_fails(clerk, unit_b, estate_a):
    with pytest.raises(DomainError):
        services.create_person_with_occupancy(actor=clerk, estate=estate_a, name="陈静", unit=unit_b)
    assert not Person.objects.exists()


def test_create_person_with_occupancy_reports_the_field_of_a_bad_value(clerk, unit_a):
    with pytest.raises(ValidationError) as caught:
        services.create_person_with_occupancy(
            actor=clerk, estate=unit_a.estate, name="陈静", mobile="123", unit=unit_a
        )
    assert set(caught.value.message_dict) == {"mobile"}
    assert not Person.objects.exists() and not Occupancy.objects.exists()


def test_the_same_id_number_is_allowed_in_two_estates_but_not_twice_in_one(clerk, estate_a, estate_b):
    number = make_id_number(42)
    services.create_person_with_occupancy(actor=clerk, estate=estate_a, name="甲", id_number=number)
    services.create_person_with_occupancy(actor=clerk, estate=estate_b, name="甲", id_number=number)
    with pytest.raises(ValidationError) as caught:
        services.create_person_with_occupancy(actor=clerk, estate=estate_a, name="乙", id_number=number)
    assert set(caught.value.message_dict) == {"id_number"}
    assert Person.objects.filter(estate=estate_a).count() == 1
