"""The desk's first minute: log in through the form, find a resident by phone from the top bar."""

import pytest

from tests.browser.conftest import shot
from tests.factories import OccupancyFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_frontdesk_logs_in_and_finds_a_resident_by_phone(browser, live_server, page_as, users, unit_a):
    person = PersonFactory(estate=unit_a.estate, name="张三丰", mobile="13912345678")
    OccupancyFactory(unit=unit_a, person=person)
    users["frontdesk"].set_password("pw-frontdesk-1")
    users["frontdesk"].save()

    page = page_as(None, lang="en")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "frontdesk")
    page.fill("#id_password", "pw-frontdesk-1")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")

    page.fill(".global-search input[name=q]", "5678")  # last four: a fragment finds nobody
    page.press(".global-search input[name=q]", "Enter")
    page.wait_for_selector("text=张三丰")
    body = page.content()
    assert "139****5678" in body
    assert "13912345678" not in body
    shot(page, "search-en-1280")


@pytest.mark.parametrize(("lang", "expected"), [("zh-hans", "登录"), ("en", "Log in")])
def test_login_page_at_phone_width_in_both_languages(page_as, live_server, lang, expected):
    page = page_as(None, lang=lang, width=360)
    page.goto(live_server.url + "/accounts/login/")
    assert page.locator("h1").inner_text() == expected
    box = page.locator(".login-box").bounding_box()
    assert box["width"] <= 360
    shot(page, f"login-{lang}-360")
