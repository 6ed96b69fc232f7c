"""A resident on a 360 px phone, in both languages: reads the urgent notice from the portal home
(the read receipt is recorded once) and signs up for the community event."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from relations.models import EventSignup, NoticeRead
from tests.browser.conftest import shot
from tests.relations.notice_helpers import make_event, make_notice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_resident_reads_a_notice_and_signs_up(
    page_as, live_server, users, estate_a, building_a, resident, lang
):
    notice = make_notice(estate_a, users["frontdesk"], buildings=[building_a], urgent=True, publish=True)
    event = make_event(estate_a, users["frontdesk"], publish=True, capacity=30)

    page = page_as(resident, lang=lang, width=360)
    page.goto(f"{live_server.url}/portal/")
    panel = page.get_by_test_id("portal-notices-panel")
    expect(panel).to_contain_text(notice.title)
    expect(panel).to_contain_text(event.title)
    shot(page, f"portal-notices-home-{lang}-360")

    panel.get_by_role("link", name=notice.title).click()
    expect(page.get_by_test_id("notice-body")).to_contain_text("停水")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, f"portal-notice-detail-{lang}-360")
    page.reload()
    assert NoticeRead.objects.filter(notice=notice, user=resident).count() == 1

    page.goto(f"{live_server.url}/portal/events/{event.pk}/")
    expect(page.get_by_test_id("places-left")).to_have_text("30")
    page.get_by_test_id("sign-up").first.click()
    expect(page.get_by_test_id("signed-up")).to_contain_text(resident.persons.get().name)
    expect(page.get_by_test_id("places-left")).to_have_text("29")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, f"portal-event-signed-up-{lang}-360")
    assert EventSignup.objects.filter(community_event=event, person__user=resident).count() == 1
