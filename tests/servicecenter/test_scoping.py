"""The one scoping mechanism: staff see their estates, company all, residents their own units."""

import pytest
from django.contrib.auth.models import AnonymousUser

from residents.models import Building, Estate, Occupancy, Person, Unit
from staff.selectors import housekeeper_for_unit
from tests.factories import BuildingFactory, OccupancyFactory, make_staff, make_zone


@pytest.fixture
def two_estates(unit_a, unit_a2, unit_b):
    OccupancyFactory(unit=unit_a)
    OccupancyFactory(unit=unit_b)
    return unit_a, unit_b


@pytest.mark.django_db
def test_staff_of_estate_a_see_only_estate_a(two_estates, users, estate_a):
    frontdesk = users["frontdesk"]
    assert set(Estate.objects.visible_to(frontdesk)) == {estate_a}
    assert {u.estate_id for u in Unit.objects.visible_to(frontdesk)} == {estate_a.pk}
    assert {p.estate_id for p in Person.objects.visible_to(frontdesk)} == {estate_a.pk}
    assert {o.unit.estate_id for o in Occupancy.objects.visible_to(frontdesk)} == {estate_a.pk}
    assert {b.estate_id for b in Building.objects.visible_to(frontdesk)} == {estate_a.pk}


@pytest.mark.django_db
def test_company_sees_every_estate(two_estates, users, estate_a, estate_b):
    assert set(Estate.objects.visible_to(users["company"])) == {estate_a, estate_b}
    assert Unit.objects.visible_to(users["company"]).count() == 3


@pytest.mark.django_db
def test_staff_on_two_estates_see_both(two_estates, estate_a, estate_b):
    regional = make_staff("supervisor", estate_a, estate_b, username="regional")
    assert Unit.objects.visible_to(regional).count() == 3


@pytest.mark.django_db
def test_resident_sees_only_the_units_they_occupy(
    two_estates, resident, resident2, unit_a, unit_a2, estate_a
):
    assert list(Unit.objects.visible_to(resident)) == [unit_a]
    assert list(Unit.objects.visible_to(resident2)) == [unit_a2]
    assert list(Estate.objects.visible_to(resident)) == [estate_a]
    assert list(Person.objects.visible_to(resident)) == list(Person.objects.filter(user=resident))


@pytest.mark.django_db
def test_resident_loses_access_when_the_occupancy_ends(resident, unit_a):
    from datetime import timedelta

    from django.utils import timezone

    Occupancy.objects.filter(person__user=resident).update(end_date=timezone.localdate() - timedelta(days=1))
    assert not Unit.objects.visible_to(resident).exists()


@pytest.mark.django_db
def test_anonymous_and_profile_less_users_see_nothing(two_estates):
    from tests.factories import UserFactory

    assert not Unit.objects.visible_to(AnonymousUser()).exists()
    assert not Unit.objects.visible_to(UserFactory(username="nobody")).exists()


@pytest.mark.django_db
def test_housekeeper_of_a_unit_comes_from_its_buildings_zone(unit_a, users, estate_a, building_a):
    other_building = BuildingFactory(estate=estate_a, code="9")
    make_zone(estate_a, users["housekeeper"], building_a, name="一区")
    assert housekeeper_for_unit(unit_a) == users["housekeeper"]
    from tests.factories import UnitFactory

    assert housekeeper_for_unit(UnitFactory(building=other_building)) is None
