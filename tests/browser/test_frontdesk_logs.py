"""The desk's landing page in a real browser on a 360 px phone: a visitor registered through the
fast form appears under "inside now" and leaves with one tap; a parcel is logged and picked up."""

import pytest

from frontdesk.models import Parcel, Visitor
from tests.browser.conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_visitor_and_parcel_from_the_desk_home(page_as, live_server, users, unit_a, lang):
    page = page_as(users["frontdesk"], lang=lang, width=360)
    page.goto(live_server.url + "/desk/")
    page.fill("#id_visitor-unit_code", unit_a.code)
    page.fill("#id_visitor-name", "陈晓东")
    page.fill("#id_visitor-phone", "13800138000")
    page.locator("#visitors button[type=submit].primary").click()
    page.wait_for_load_state()
    assert page.locator("#visitors table").inner_text().count("陈晓东") == 1
    page.fill("#id_parcel-unit_code", unit_a.code)
    page.fill("#id_parcel-carrier", "顺丰")
    page.fill("#id_parcel-tracking_number", "SF0001")
    page.locator("#parcels button[type=submit].primary").click()
    page.wait_for_load_state()
    shot(page, f"frontdesk-home-{lang}-360")
    page.locator("#visitors table button[type=submit]").first.click()
    page.wait_for_load_state()
    assert Visitor.objects.get().status == Visitor.Status.LEFT
    page.fill("#parcels input[name=collected_by]", "张业主")
    page.locator("#parcels table button[type=submit]").first.click()
    page.wait_for_load_state()
    assert Parcel.objects.get().collected_by == "张业主"
