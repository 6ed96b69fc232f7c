"""Getting into the portal (issue #14) in Chromium: the desk issues an activation code on the
person's page, the resident activates the portal on a phone, logs in with the mobile number and
sees the portal home; the public pages at 360 px in both languages."""

import pytest

from residents.models import Occupancy
from tests.browser.conftest import shot
from tests.factories import OccupancyFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

MOBILE = "13912345678"
PASSWORD = "Lantern-river-42"


@pytest.fixture
def person(unit_a):
    person = PersonFactory(estate=unit_a.estate, name="陈静", mobile=MOBILE)
    OccupancyFactory(unit=unit_a, person=person, role=Occupancy.Role.OWNER)
    return person


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_desk_issues_a_code_and_the_resident_gets_in(page_as, live_server, users, person, lang):
    desk = page_as(users["frontdesk"], lang=lang, width=1280)
    desk.goto(f"{live_server.url}/archive/persons/{person.pk}/")
    desk.click(f"a[href='/archive/persons/{person.pk}/portal-code/']")
    desk.uncheck("#id_by_sms")
    desk.locator("form.stacked button[type=submit]").click()
    code = desk.locator("[data-testid=activation-code]").inner_text().strip()
    assert len(code) == 9  # XXXX-XXXX
    shot(desk, f"portal-code-slip-{lang}")

    phone = page_as(None, lang=lang, width=360, height=780)
    phone.goto(f"{live_server.url}/accounts/activate/")
    shot(phone, f"portal-activate-{lang}-360")
    phone.fill("#id_identifier", MOBILE)
    phone.fill("#id_code", "WRONG-CODE")
    phone.fill("#id_password1", PASSWORD)
    phone.fill("#id_password2", PASSWORD)
    phone.locator("form button[type=submit]").click()
    assert phone.locator(".errorlist").count() == 1
    shot(phone, f"portal-activate-refused-{lang}-360")
    phone.fill("#id_code", code)
    phone.fill("#id_password1", PASSWORD)
    phone.fill("#id_password2", PASSWORD)
    phone.locator("form button[type=submit]").click()
    phone.wait_for_url(f"{live_server.url}/accounts/login/")

    phone.fill("#id_username", MOBILE)
    phone.fill("#id_password", PASSWORD)
    phone.locator("form button[type=submit]").click()
    phone.wait_for_url(f"{live_server.url}/portal/")
    shot(phone, f"portal-home-after-activation-{lang}-360")

    reset = page_as(None, lang=lang, width=360, height=780)
    reset.goto(f"{live_server.url}/accounts/password-reset/")
    reset.fill("#id_mobile", MOBILE)
    reset.locator("form button[type=submit]").click()
    reset.wait_for_url(f"{live_server.url}/accounts/password-reset/confirm/")
    assert reset.input_value("#id_mobile") == MOBILE
    shot(reset, f"portal-reset-confirm-{lang}-360")
