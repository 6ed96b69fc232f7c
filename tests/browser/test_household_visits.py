"""Issue #14 in the browser: the owner asks on a phone to add a family member and the desk
approves it; a housekeeper logs a visit from the zone's list of households due a visit."""

import pytest

from relations.models import Visit
from residents.models import HouseholdRequest, Occupancy
from tests.browser.conftest import shot
from tests.factories import make_id_number, make_zone

pytestmark = pytest.mark.django_db(transaction=True)

MEMBER_ID = make_id_number(77, birth="20150615")


def test_the_owner_asks_and_the_desk_approves(page_as, live_server, users, resident, unit_a):
    page = page_as(resident, lang="zh-hans", width=360)
    page.goto(f"{live_server.url}/portal/household/")
    page.locator("[data-testid=household-ask] summary").click()
    page.fill(f"#ask-{unit_a.pk}-name", "王小明")
    page.select_option(f"#ask-{unit_a.pk}-role", "household_member")
    page.fill(f"#ask-{unit_a.pk}-id_number", MEMBER_ID)
    page.fill(f"#ask-{unit_a.pk}-move_in_date", "2026-03-01")
    page.locator("[data-testid=household-ask] button[type=submit]").click()
    page.wait_for_selector("[data-testid=household-request-status]")
    shot(page, "household-request-portal-zh-hans-360")
    request = HouseholdRequest.objects.get()
    assert request.status == "requested"

    desk = page_as(users["frontdesk"], lang="en", width=1280)
    desk.goto(f"{live_server.url}/archive/household-requests/")
    desk.locator("[data-testid=household-request-list] a").first.click()
    shot(desk, "household-request-desk-en-1280")
    desk.locator("[data-testid=household-approve]").click()
    desk.wait_for_selector("[data-testid=household-request-list], .empty")
    request.refresh_from_db()
    assert request.status == "approved"
    assert Occupancy.objects.filter(unit=unit_a, person__name="王小明", role="household_member").exists()


def test_a_housekeeper_logs_a_visit_from_the_due_list(
    page_as, live_server, users, resident, unit_a, building_a
):
    housekeeper = users["housekeeper"]
    make_zone(unit_a.estate, housekeeper, building_a)
    page = page_as(housekeeper, lang="zh-hans", width=360)
    page.goto(f"{live_server.url}/relations/visits/due/")
    assert page.locator("[data-testid=due-row]").count() == 1
    shot(page, "visits-due-zh-hans-360")
    page.locator("[data-testid=log-visit]").first.click()
    page.fill("#id_met", "业主本人")
    page.fill("#id_topics", "物业费")
    page.select_option("#id_channel", "home")
    page.locator("[data-testid=visit-form] button[type=submit]").click()
    page.wait_for_url("**/relations/visits/*/")
    shot(page, "visit-detail-zh-hans-360")
    visit = Visit.objects.get()
    assert (visit.unit, visit.visited_by, visit.topics) == (unit_a, housekeeper, "物业费")
    page.goto(f"{live_server.url}/relations/visits/due/")
    assert page.locator("[data-testid=due-row]").count() == 0
