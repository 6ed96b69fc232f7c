# ruff: noqa: F811  (the move-in fixtures are imported, then named as arguments)
"""A handover in a real browser, at the desk on a 360 px tablet/phone: the front desk schedules the
move-in and works the checklist (the ID checked against the archive, the signed covenant scanned),
the clerk takes the deposit on the move-in page and the fees at the cashier, the front desk goes
to the inspection, records the opening meter readings, passes it and hands over the keys. The unit
is then handed over and the owner is its occupant."""

import faulthandler
import os
import sys

import pytest
from django.utils import timezone

from billing.models import Meter
from moveins.models import MoveIn
from residents.models import Occupancy, Unit
from tests.browser.conftest import shot
from tests.moveins.conftest import (  # noqa: F401  (fixtures)
    OWNER_ID,
    owner,
    service_fee,
    teams,
    vacant_unit,
)

pytestmark = pytest.mark.django_db(transaction=True)
PNG_SIZE = (40, 30)


@pytest.fixture(autouse=True)
def _dump_a_hang():
    # An earlier attempt hung on the keys' POST: if anything hangs, the stacks say where.
    faulthandler.dump_traceback_later(
        int(os.environ.get("HANG_DUMP_SECONDS", "60")), exit=False, file=sys.stderr
    )
    yield
    faulthandler.cancel_dump_traceback_later()


def _png(tmp_path):
    from PIL import Image

    path = tmp_path / "covenant.png"
    Image.new("RGB", PNG_SIZE, (20, 120, 200)).save(path)
    return path


def _post_and_wait(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_handover_from_documents_to_keys(
    page_as, live_server, users, service_fee, teams, vacant_unit, owner, tmp_path
):
    unit = vacant_unit
    Meter.objects.create(estate=unit.estate, unit=unit, kind=Meter.Kind.WATER, initial_reading="12.00")
    Meter.objects.create(estate=unit.estate, unit=unit, kind=Meter.Kind.ELECTRICITY, initial_reading="80.00")
    scan = _png(tmp_path)

    # The front desk schedules the move-in: the unit by its code, then the owner.
    desk = page_as(users["frontdesk"], lang="zh-hans", width=360, height=740)
    desk.goto(live_server.url + "/move-ins/new/")
    desk.fill("input[name=unit_code]", unit.code)
    _post_and_wait(desk, "button.primary[type=submit]")
    desk.select_option("select[name=owner]", str(owner.pk))
    shot(desk, "movein-schedule-zh-360")
    _post_and_wait(desk, "#movein-form button.primary")
    move_in = MoveIn.objects.get(unit=unit)
    detail = f"{live_server.url}/move-ins/{move_in.pk}/"
    assert desk.url.startswith(detail)

    # The owner arrives: the checklist, line by line.
    _post_and_wait(desk, "#actions [data-action=start]")
    move_in.refresh_from_db()
    assert move_in.status == MoveIn.Status.DOCUMENTS
    shot(desk, "movein-checklist-zh-360")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 360
    for item in move_in.checklist.filter(is_required=True).order_by("sort_order", "pk"):
        line = desk.locator(f"[data-testid=check-{item.pk}]")
        if item.is_id_check:
            line.locator("input[name=id_number]").fill(OWNER_ID)
        if item.needs_signed_copy:
            line.locator("input[name=signed_copy]").set_input_files(str(scan))
        with desk.expect_navigation():
            line.locator("button[type=submit]").click()
    assert not move_in.checklist.filter(is_required=True, done_at__isnull=True).exists(), desk.inner_text(
        "main"
    )
    _post_and_wait(desk, "#checklist [data-action=finish_documents]")
    move_in.refresh_from_db()
    assert move_in.status == MoveIn.Status.FEES, desk.inner_text("main")
    assert move_in.charges.count() == 2  # three months' service fee and the key deposit
    shot(desk, "movein-charges-zh-360")

    # The clerk: the deposit on the move-in page, the service fee at the cashier.
    clerk = page_as(users["clerk"], lang="en", width=360, height=740)
    clerk.goto(detail)
    _post_and_wait(clerk, "[data-testid=deposit-form] button[type=submit]")
    clerk.goto(f"{live_server.url}/billing/cashier/?unit={unit.pk}")
    for box in clerk.locator("#payment-form input[name=bills]").all():
        box.check()
    _post_and_wait(clerk, "[data-testid=take-payment]")
    clerk.goto(detail)
    shot(clerk, "movein-paid-en-360")

    # The front desk: to the inspection, the opening readings, passed, the keys.
    desk.goto(detail)
    _post_and_wait(desk, "#charges [data-action=confirm_fees]")
    move_in.refresh_from_db()
    assert move_in.status == MoveIn.Status.INSPECTION, desk.inner_text("main")
    water = Meter.objects.get(unit=unit, kind=Meter.Kind.WATER)
    electricity = Meter.objects.get(unit=unit, kind=Meter.Kind.ELECTRICITY)
    desk.fill(f"input[name=meter-{water.pk}]", "12.50")
    desk.fill(f"input[name=meter-{electricity.pk}]", "81.00")
    shot(desk, "movein-inspection-zh-360")
    _post_and_wait(desk, "[data-testid=readings-form] button[type=submit]")
    assert move_in.opening_readings.count() == 2, desk.inner_text("main")
    _post_and_wait(desk, "#inspection [data-action=pass_inspection]")
    move_in.refresh_from_db()
    assert move_in.status == MoveIn.Status.KEYS, desk.inner_text("main")
    shot(desk, "movein-keys-zh-360")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 360
    _post_and_wait(desk, "[data-testid=keys-form] [data-action=hand_over_keys]")
    move_in.refresh_from_db()
    assert move_in.status == MoveIn.Status.COMPLETED, desk.inner_text("main")
    assert move_in.keys.count() == 3
    unit.refresh_from_db()
    assert unit.state == Unit.State.HANDED_OVER
    assert Occupancy.objects.current(timezone.localdate()).filter(unit=unit, person=owner).exists()
    shot(desk, "movein-completed-zh-360")

    # The same page in English on the phone.
    english = page_as(users["frontdesk"], lang="en", width=360, height=740)
    english.goto(detail)
    assert english.evaluate("document.documentElement.scrollWidth") <= 360
    shot(english, "movein-completed-en-360")
