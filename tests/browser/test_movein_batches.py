"""A bulk move-in in a real browser: the manager adds a day's slots to a batch, the front desk
books a move-in into one on a 360 px phone, and the board, the printable board and the warranty
report render (screenshots in zh and en)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from moveins.models import MoveIn, MoveInSlot
from tests.browser.conftest import shot
from tests.factories import UnitFactory
from tests.moveins.factories import DefectFactory, InspectionFactory, MoveInBatchFactory, MoveInFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_slots_booking_and_board(page_as, live_server, users, estate_a, building_a):
    today = timezone.localdate()
    batch = MoveInBatchFactory(
        estate=estate_a, name="一期集中入伙", starts_on=today, ends_on=today + timedelta(days=10)
    )
    move_in = MoveInFactory(unit=UnitFactory(building=building_a), scheduled_for=None)
    rectifying = MoveInFactory(
        unit=UnitFactory(building=building_a), batch=batch, status=MoveIn.Status.RECTIFICATION
    )
    DefectFactory(inspection=InspectionFactory(move_in=rectifying), location="卫生间")
    MoveInFactory(unit=UnitFactory(building=building_a), batch=batch, status=MoveIn.Status.COMPLETED)

    page = page_as(users["manager"], lang="en", width=1280)
    page.goto(f"{live_server.url}/move-ins/batches/{batch.pk}/")
    day = today + timedelta(days=2)
    page.fill("#id_day", day.isoformat())
    page.fill("#id_start", "09:00")
    page.fill("#id_end", "11:00")
    page.fill("#id_minutes", "60")
    page.fill("#id_capacity", "2")
    page.click("text=Add the slots")
    page.wait_for_load_state()
    assert MoveInSlot.objects.filter(batch=batch).count() == 2
    assert page.locator("[data-testid=slot-list] tbody tr").count() == 2
    shot(page, "movein-batch-en-1280")

    desk = page_as(users["frontdesk"], lang="zh-hans", width=360)
    desk.goto(f"{live_server.url}/move-ins/batches/{batch.pk}/")
    desk.fill("#id_number", move_in.number)
    desk.locator("form[action$='/book/'] button[type=submit]").click()
    desk.wait_for_load_state()
    move_in.refresh_from_db()
    assert move_in.slot is not None and move_in.batch == batch
    assert desk.locator("[data-testid=booking-list]").inner_text().count(move_in.number) == 1
    shot(desk, "movein-batch-zh-360")

    desk.goto(f"{live_server.url}/move-ins/batches/{batch.pk}/print/")
    assert "卫生间" not in desk.content()  # the board counts, it does not list defects
    shot(desk, "movein-batch-print-zh-360")

    page.goto(f"{live_server.url}/move-ins/warranty-report/")
    assert page.locator("[data-testid=warranty-totals]").inner_text().startswith("Defects")
    shot(page, "movein-warranty-report-en-1280")
    phone = page_as(users["manager"], lang="zh-hans", width=360)
    phone.goto(f"{live_server.url}/move-ins/warranty-report/")
    shot(phone, "movein-warranty-report-zh-360")
