"""A technician's archive is the units and people of their own tickets (assigned to them or to
their team, as Ticket.objects.visible_to already decides), not the whole estate: pages, API,
the global search."""

import pytest
from django.urls import reverse

from residents.models import Occupancy, Person, Unit
from staff.models import StaffProfile
from tests.factories import OccupancyFactory, TeamFactory, UnitFactory, make_staff
from tests.tickets.conftest import ensure_default_categories
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _categories(db):
    ensure_default_categories()  # a transactional test before this one may have flushed them


@pytest.fixture
def team(estate_a):
    return TeamFactory(estate=estate_a, name="维修组")


@pytest.fixture
def tech(users, team):
    StaffProfile.objects.filter(user=users["technician"]).update(team=team)
    return users["technician"]


@pytest.fixture
def units(building_a, unit_a, unit_a2, tech, team, users):
    """unit_a: a ticket assigned to the technician; unit_team: one assigned to their team;
    unit_a2: a ticket of someone else's; unit_quiet: no ticket at all."""
    unit_team = UnitFactory(building=building_a, entrance="2", number="1103")
    unit_quiet = UnitFactory(building=building_a, entrance="2", number="1104")
    TicketFactory(unit=unit_a, assignee=tech)
    TicketFactory(unit=unit_team, team=team)
    TicketFactory(unit=unit_a2, assignee=users["supervisor"])
    for unit in (unit_a, unit_team, unit_a2, unit_quiet):
        OccupancyFactory(unit=unit)
    return {"mine": unit_a, "team": unit_team, "other": unit_a2, "quiet": unit_quiet}


def test_unit_queryset_narrows_to_own_and_team_tickets(tech, units):
    visible = set(Unit.objects.visible_to(tech))
    assert visible == {units["mine"], units["team"]}


def test_person_and_occupancy_querysets_follow_the_units(tech, units):
    people = set(Person.objects.visible_to(tech))
    occupants = {o.person for o in Occupancy.objects.filter(unit__in=[units["mine"], units["team"]])}
    assert people == occupants
    assert {o.unit for o in Occupancy.objects.visible_to(tech)} == {units["mine"], units["team"]}


def test_reporter_of_an_own_ticket_is_visible(tech, units, estate_a):
    reporter = Person.objects.create(estate=estate_a, name="路过的报修人")
    TicketFactory(unit=None, location="大堂", estate=estate_a, reporter=reporter, assignee=tech)
    assert reporter in Person.objects.visible_to(tech)


def test_other_staff_still_see_the_whole_estate(users, units):
    assert set(Unit.objects.visible_to(users["frontdesk"])) >= set(units.values())


def test_unit_pages_are_narrowed(client_as, tech, units):
    client = client_as(tech)
    listing = client.get(reverse("residents:unit_list")).content.decode()
    assert units["mine"].code in listing and units["team"].code in listing
    assert units["other"].code not in listing and units["quiet"].code not in listing
    assert client.get(reverse("residents:unit_detail", args=[units["mine"].pk])).status_code == 200
    assert client.get(reverse("residents:unit_detail", args=[units["other"].pk])).status_code == 404


def test_search_is_narrowed(client_as, tech, units):
    html = client_as(tech).get(reverse("search"), {"q": "3-2-11"}).content.decode()
    assert units["mine"].code in html
    assert units["other"].code not in html and units["quiet"].code not in html


def test_api_is_narrowed(api_as, tech, units):
    ids = {row["id"] for row in api_as(tech).get("/api/units/").json()["results"]}
    assert ids == {units["mine"].pk, units["team"].pk}
    assert api_as(tech).get(f"/api/units/{units['quiet'].pk}/").status_code == 404


def test_technician_without_a_team_sees_only_what_is_assigned_to_them(estate_a, units):
    loner = make_staff("technician", estate_a, username="loner")
    TicketFactory(unit=units["quiet"], assignee=loner)
    assert set(Unit.objects.visible_to(loner)) == {units["quiet"]}
