"""The pages this round added, driven in Chromium as people use them, with screenshots in both
languages: replying to a complainant and calling them from the ticket, the KPI breakdowns, a
unit's deposit ledger, and the resident's household page on a phone."""

import pytest
from django.utils import timezone

from tests.browser.conftest import shot
from tests.factories import PersonFactory, make_resident
from tests.tickets.factories import category, register
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def complaint(users, unit_a):
    from tests.tickets.conftest import ensure_default_categories

    ensure_default_categories()
    person = PersonFactory(estate=unit_a.estate, name="李四", mobile="13800138000")
    return register(users["frontdesk"], unit_a, kind="complaint", category=category("noise"), reporter=person)


@pytest.mark.parametrize(("lang", "width"), [("zh-hans", 360), ("en", 1280)])
def test_frontdesk_replies_to_a_complainant_and_calls_them(
    page_as, live_server, users, complaint, lang, width
):
    page = page_as(users["frontdesk"], lang=lang, width=width)
    page.goto(f"{live_server.url}/tickets/{complaint.pk}/")
    assert "13800138000" not in page.content()  # masked until a call is made
    page.locator("details:has(#reply-channel) summary").click()
    page.select_option("#reply-channel", "phone")
    page.fill("#reply-note", "已致电说明处理安排")
    page.locator("form:has(#reply-channel) button[type=submit]").click()
    page.wait_for_selector(".event-replied")
    assert Ticket.objects.get(pk=complaint.pk).first_replied_at is not None
    shot(page, f"ticket-reply-{lang}-{width}")

    page.click("[data-testid=call-reporter]")
    link = page.locator("a[href^='tel:']")
    assert link.get_attribute("href") == "tel:13800138000"
    shot(page, f"call-dial-{lang}-{width}")


def test_manager_reads_kpis_by_team_staff_member_and_zone(page_as, live_server, users, complaint, estate_a):
    page = page_as(users["manager"], lang="zh-hans", width=1280)
    month = timezone.localdate().strftime("%Y-%m")
    page.goto(f"{live_server.url}/tickets/metrics/?estate={estate_a.pk}&month={month}")
    headings = page.locator("h2").all_inner_texts()
    assert {"按班组", "按员工", "按片区"} <= set(headings)
    shot(page, "ticket-kpis-zh-hans-1280")


def test_clerk_takes_a_deposit_on_the_ledger_page(page_as, live_server, users, unit_a):
    page = page_as(users["clerk"], lang="en", width=1280)
    page.goto(f"{live_server.url}/billing/deposits/{unit_a.pk}/")
    page.fill("input[name=amount]", "3000.00")
    page.locator("form:has(input[name=amount]) button[type=submit]").click()
    page.wait_for_selector("text=3,000.00")
    shot(page, "deposit-ledger-en-1280")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_owner_sees_the_household_on_a_phone(page_as, live_server, unit_a, lang):
    owner = make_resident(unit_a, username=f"owner-{lang}")
    make_resident(unit_a, username=f"tenant-{lang}", role="tenant")
    page = page_as(owner, lang=lang, width=360)
    page.goto(f"{live_server.url}/portal/household/")
    body = page.content()
    assert f"owner-{lang}-person" in body and f"tenant-{lang}-person" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, f"portal-household-{lang}-360")
