"""Ticket journeys in a real browser: the front desk registers a phone complaint with the
type-ahead in well under 30 seconds; a resident reports a repair with a photo on a 360 px phone."""

import time

import pytest

from residents.models import Person
from tests.browser.conftest import shot
from tests.factories import OccupancyFactory, PersonFactory, TeamFactory
from tests.tickets.conftest import ensure_default_categories
from tickets.models import Ticket, TicketCategory

pytestmark = pytest.mark.django_db(transaction=True)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc8!'\x07\x00\x02\xb6\x01\x054\xa6u\xaa\x00\x00\x00\x00IEND\xaeB`\x82"  # 1×1, decodable: uploads are re-encoded


@pytest.fixture(autouse=True)
def _categories():
    ensure_default_categories()  # live-server tests flush the database between tests


def test_frontdesk_registers_a_phone_complaint_with_the_type_ahead(page_as, live_server, users, unit_a):
    security = TeamFactory(estate=unit_a.estate, kind="security", name="安管组")
    person = PersonFactory(estate=unit_a.estate, name="张三丰", mobile="13912345678")
    OccupancyFactory(unit=unit_a, person=person)
    users["frontdesk"].set_password("pw-frontdesk-1")
    users["frontdesk"].save()
    noise = TicketCategory.objects.get(code="noise")

    page = page_as(None, lang="en")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "frontdesk")
    page.fill("#id_password", "pw-frontdesk-1")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")

    started = time.monotonic()
    page.goto(live_server.url + "/tickets/new/")
    page.fill("input[name=lookup]", "5678")
    option = page.wait_for_selector("#lookup-results li[role=option]")
    assert "139****5678" in option.inner_text() and "13912345678" not in page.content()
    page.keyboard.press("Enter")
    assert "3-2-1101" in page.inner_text("#picked")
    assert page.input_value("input[name=reporter]") == str(person.pk)
    page.select_option("select[name=kind]", "complaint")
    page.select_option("select[name=channel]", "phone")
    page.select_option("select[name=category]", str(noise.pk))
    assert page.input_value("select[name=priority]") == "normal"
    assert page.input_value("select[name=team]") == str(security.pk)
    page.fill("textarea[name=description]", "楼上每晚十一点后还在装修，噪音很大")
    shot(page, "ticket-new-en-1280")
    page.click("button.primary[type=submit]")
    page.wait_for_selector("h1 >> text=LJY-")
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"registering took {elapsed:.1f} s"
    shot(page, "ticket-detail-en-1280")

    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.channel, ticket.reporter_id, ticket.unit_id, ticket.team_id) == (
        "complaint",
        "phone",
        person.pk,
        unit_a.pk,
        security.pk,
    )
    page.goto(live_server.url + "/tickets/")
    page.wait_for_selector(f"text={ticket.number}")
    shot(page, "ticket-list-en-1280")


def test_resident_reports_a_repair_with_a_photo_on_a_phone(page_as, live_server, resident, unit_a, tmp_path):
    TeamFactory(estate=unit_a.estate, kind="maintenance", name="维修组")
    water_leak = TicketCategory.objects.get(code="water_leak")
    photo = tmp_path / "leak.png"
    photo.write_bytes(PNG)

    page = page_as(resident, lang="zh-hans", width=360, height=740)
    page.goto(live_server.url + "/portal/tickets/new/")
    page.check("input[name=kind][value=repair]")
    page.select_option("select[name=category]", str(water_leak.pk))
    page.fill("textarea[name=description]", "卫生间天花板一直滴水")
    page.fill("input[name=location]", "卫生间")
    page.set_input_files("input[name=photos]", str(photo))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "portal-ticket-new-zh-360")
    page.click("button.primary[type=submit]")
    page.wait_for_selector("text=卫生间天花板一直滴水")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "portal-ticket-detail-zh-360")

    ticket = Ticket.objects.get()
    assert ticket.channel == "portal" and ticket.reporter == Person.objects.get(user=resident)
    assert ticket.attachments.count() == 1
    page.goto(live_server.url + "/portal/tickets/")
    page.wait_for_selector(f"text={ticket.number}")
