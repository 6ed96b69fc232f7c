"""Quality supervision and incidents in the browser: a supervisor records an inspection round with a
failed item and its photo and issues a rectification order; an incident is recorded, a timeline
entry added and a ticket linked and seen on the page. Screenshots in English and Chinese."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from staff.models import Incident, QualityInspection, RectificationOrder, Team
from tests.browser.conftest import shot
from tests.factories import TeamFactory
from tests.staff.quality_helpers import make_checklist
from tests.tickets.conftest import ensure_default_categories
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _png(tmp_path):
    path = tmp_path / "lift.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_supervisor_records_an_inspection_and_issues_an_order(
    page_as, live_server, users, estate_a, tmp_path, lang
):
    TeamFactory(estate=estate_a, kind=Team.Kind.CLEANING, name="保洁一组")
    checklist = make_checklist(estate_a, kind=Team.Kind.CLEANING)
    first, second = checklist.items.all()
    page = page_as(users["supervisor"], lang=lang)
    page.goto(live_server.url + "/staff/quality/inspections/")
    page.locator("a[href$='/staff/quality/inspections/new/']").click()
    page.select_option("select[name=checklist]", str(checklist.pk))
    page.locator("form.filters button[type=submit]").click()
    page.locator(f"input[name=result_{second.pk}][value=fail]").check()
    page.fill(f"input[name=note_{second.pk}]", "电梯有异味")
    page.set_input_files(f"input[name=photo_{second.pk}]", str(_png(tmp_path)))
    shot(page, f"quality-inspection-form-{lang}")
    page.locator("form.form button.primary").click()
    page.wait_for_load_state()
    inspection = QualityInspection.objects.get()
    assert page.url.endswith(f"/staff/quality/inspections/{inspection.pk}/")
    assert page.locator("td img").count() == 1
    shot(page, f"quality-inspection-detail-{lang}")
    page.locator("a[href$='/order/']").click()
    deadline = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=deadline]", deadline)
    page.locator("form.form button.primary").click()
    page.wait_for_load_state()
    order = RectificationOrder.objects.get()
    assert page.url.endswith(f"/staff/quality/orders/{order.pk}/")
    assert page.locator("summary[data-action=rectify]").is_visible()
    shot(page, f"quality-order-detail-{lang}")
    assert first.findings.get().passed


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_an_incident_with_a_timeline_entry_and_a_linked_ticket(
    page_as, live_server, users, estate_a, unit_a, lang
):
    ensure_default_categories()
    TicketFactory(unit=unit_a, number="T-LEAK-7", description="楼道积水")
    page = page_as(users["supervisor"], lang=lang)
    page.goto(live_server.url + "/staff/incidents/new/")
    page.select_option("select[name=kind]", "water_leak")
    page.fill("input[name=title]", "地库漏水")
    page.fill("input[name=location]", "B1 车库")
    when = timezone.localtime(timezone.now() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=occurred_at]", when)
    page.fill("textarea[name=description]", "消防管爆裂")
    page.locator("form.form button.primary").click()
    page.wait_for_load_state()
    incident = Incident.objects.get()
    assert page.url.endswith(f"/staff/incidents/{incident.pk}/")
    page.fill("#timeline-form textarea[name=text]", "关闭总阀")
    page.locator("#timeline-form button").click()
    page.wait_for_load_state()
    page.fill("#link-form input[name=number]", "T-LEAK-7")
    page.locator("#link-form button").click()
    page.wait_for_load_state()
    assert page.get_by_text("关闭总阀").is_visible()
    assert page.locator("table a", has_text="T-LEAK-7").is_visible()
    shot(page, f"incident-detail-{lang}")
    narrow = page_as(users["supervisor"], lang=lang, width=360)
    narrow.goto(live_server.url + f"/staff/incidents/{incident.pk}/")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 360
    shot(narrow, f"incident-detail-{lang}-360")
