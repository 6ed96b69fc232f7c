"""The desk form shows the open tickets of the same unit and category as the resident is picked,
and links the second caller to one of them; a repair offers no noise category (issue #12)."""

import pytest

from tests.browser.conftest import shot
from tests.factories import OccupancyFactory, PersonFactory
from tests.tickets.conftest import ensure_default_categories
from tests.tickets.factories import TicketFactory
from tickets.models import TicketCategory, TicketCoReporter

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("lang", "width"), [("zh-hans", 360), ("en", 1280)])
def test_a_second_caller_is_linked_to_the_open_ticket(page_as, live_server, users, unit_a, lang, width):
    ensure_default_categories()
    plumbing = TicketCategory.objects.get(code="plumbing")
    noise = TicketCategory.objects.get(code="noise")
    existing = TicketFactory(unit=unit_a, category=plumbing, number="LJY-20261130-0001")
    person = PersonFactory(estate=unit_a.estate, name="赵敏", mobile="13912345678")
    OccupancyFactory(unit=unit_a, person=person)
    page = page_as(users["frontdesk"], lang=lang, width=width)
    page.goto(live_server.url + "/tickets/new/")
    page.select_option("select[name=kind]", "repair")
    assert page.locator(f"select[name=category] option[value='{noise.pk}']").is_disabled()
    page.select_option("select[name=kind]", "complaint")
    assert not page.locator(f"select[name=category] option[value='{noise.pk}']").is_disabled()
    page.select_option("select[name=kind]", "repair")
    page.select_option("select[name=category]", str(plumbing.pk))
    page.fill("input[name=lookup]", "5678")
    page.wait_for_selector("#lookup-results li[role=option]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=possible-duplicates]")
    assert existing.number in page.inner_text("[data-testid=possible-duplicates]")
    page.fill("textarea[name=description]", "楼上也在漏水")
    shot(page, f"possible-duplicates-{lang}-{width}")
    page.click(f"[data-testid=link-{existing.pk}]")
    page.wait_for_selector("[data-testid=co-reporters]")
    assert "赵敏" in page.inner_text("[data-testid=co-reporters]")
    co = TicketCoReporter.objects.get()
    assert (co.ticket_id, co.person_id) == (existing.pk, person.pk)
