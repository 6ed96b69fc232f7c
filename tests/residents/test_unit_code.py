"""A unit's code ("3-2-1101") is built by the residents service, not by Unit.save()."""

from decimal import Decimal

import pytest

from residents import services
from residents.models import Unit

pytestmark = pytest.mark.django_db


def test_unit_code_joins_building_entrance_and_room_and_skips_a_missing_entrance():
    assert services.unit_code(building_code="3", entrance="2", number="1101") == "3-2-1101"
    assert services.unit_code(building_code="12", entrance="", number="0301") == "12-0301"


def test_create_unit_sets_the_estate_and_code(users, building_a):
    unit = services.create_unit(
        actor=users["manager"], building=building_a, entrance="4", number="0502", area=Decimal("80")
    )
    unit.refresh_from_db()
    assert (unit.estate_id, unit.code) == (building_a.estate_id, "3-4-0502")


def test_update_unit_renumbers_the_code(users, unit_a):
    services.update_unit(actor=users["manager"], unit=unit_a, number="1201")
    unit_a.refresh_from_db()
    assert unit_a.code == "3-2-1201"


def test_update_building_renumbers_its_units(users, building_a, unit_a, unit_a2):
    services.update_building(actor=users["manager"], building=building_a, code="7")
    assert sorted(Unit.objects.filter(building=building_a).values_list("code", flat=True)) == [
        "7-2-1101",
        "7-2-1102",
    ]


def test_a_plain_save_no_longer_rebuilds_the_code(unit_a):
    # The rule lives in the service: save() stores what it is given.
    unit_a.number = "9999"
    unit_a.save()
    unit_a.refresh_from_db()
    assert unit_a.code == "3-2-1101"
