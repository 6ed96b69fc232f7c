"""Query budgets of the slowest pages of issue #16, each with several rows so that an N+1 shows."""

from datetime import date

import pytest
from django.urls import reverse

from residents.models import Occupancy
from servicecenter.scoping import enter_portal, forget_access, portal_unit_ids
from tests.billing.factories import BillFactory
from tests.factories import OccupancyFactory, UnitFactory
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket


@pytest.fixture
def resident_of_three(resident, unit_a, building_a):
    """The resident occupies unit A and two more units, each with an open bill and tickets."""
    person = resident.persons.get()
    units = [unit_a]
    for _ in range(2):
        unit = UnitFactory(building=building_a)
        OccupancyFactory(unit=unit, person=person, role=Occupancy.Role.OWNER)
        units.append(unit)
    for unit in units:
        BillFactory(unit=unit, period=date(2025, 1, 1))
        TicketFactory.create_batch(2, unit=unit)
    return units


@pytest.mark.django_db
def test_portal_home_reads_the_resident_units_once(
    client_as, resident, resident_of_three, unit_b, django_assert_max_num_queries
):
    TicketFactory(unit=unit_b)  # another estate's ticket: never on this resident's page
    client = client_as(resident)
    client.get(reverse("portal:home"))
    with django_assert_max_num_queries(9):
        page = client.get(reverse("portal:home"))
    assert page.status_code == 200
    body = page.content.decode()
    for unit in resident_of_three:
        assert unit.code in body
    assert unit_b.code not in body


@pytest.mark.django_db
def test_portal_unit_ids_only_inside_a_portal_request(resident, unit_a, unit_a2):
    mine, theirs = TicketFactory(unit=unit_a), TicketFactory(unit=unit_a2)
    assert portal_unit_ids(resident) is None
    enter_portal(resident, unit_ids=(unit_a.pk,))
    assert portal_unit_ids(resident) == (unit_a.pk,)
    assert list(Ticket.objects.visible_to(resident)) == [mine]
    assert theirs.pk != mine.pk
    forget_access(resident)
    assert portal_unit_ids(resident) is None


@pytest.mark.django_db
def test_unit_page_runs_fixed_queries_whatever_the_unit_holds(
    client_as, users, unit_a, django_assert_max_num_queries
):
    for _ in range(3):
        OccupancyFactory(unit=unit_a, role=Occupancy.Role.TENANT)
    for month in range(1, 7):
        BillFactory(unit=unit_a, period=date(2025, month, 1))
    TicketFactory.create_batch(4, unit=unit_a)
    client = client_as(users["manager"])
    url = reverse("residents:unit_detail", args=[unit_a.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert page.status_code == 200
    # Six open bills of 100.00 each, totalled from the list the panel already holds.
    assert "600.00" in page.content.decode()
