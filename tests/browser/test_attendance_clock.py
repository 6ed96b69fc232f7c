"""The staff phone page for clocking in (360 px), in Chinese and English."""

import pytest

from tests.browser.conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_clock_page_fits_a_phone(page_as, live_server, users, lang):
    page = page_as(users["housekeeper"], lang=lang, width=360)
    page.goto(live_server.url + "/staff/attendance/clock/")
    page.locator("button.big").click()
    page.wait_for_load_state()
    assert page.locator("form[action$='/clock/out/'] button").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    shot(page, f"attendance-clock-{lang}-360")
