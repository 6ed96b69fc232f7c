"""A move-out in a real browser: the desk registers it on a 360 px phone, approving is refused
while the unit owes money, the manager releases it anyway with a reason, and the guard sees the
moving pass with its items and plate at the gate."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from frontdesk.models import MoveOut
from tests.billing.conftest import make_bill
from tests.browser.conftest import shot
from tests.frontdesk.moveout_helpers import occupant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_move_out_from_the_desk_to_the_gate(page_as, live_server, users, unit_a, lang):
    occupancy = occupant(unit_a, name="王小明")
    make_bill(unit_a, "120.50", due=date(2025, 1, 28))
    desk = page_as(users["frontdesk"], lang=lang, width=360)
    desk.goto(f"{live_server.url}/desk/move-outs/new/?unit={unit_a.pk}")
    desk.select_option("#id_occupancy", str(occupancy.pk))
    desk.check("input[name=kind][value=move_out]")
    desk.fill("#id_planned_date", (timezone.localdate() + timedelta(days=1)).isoformat())
    desk.fill("#id_window_start", "09:00")
    desk.fill("#id_window_end", "12:00")
    desk.fill("#id_items", "冰箱、沙发、纸箱十个")
    desk.fill("#id_vehicle_plate", "粤B12345")
    desk.fill("#id_helpers", "3")
    desk.click("form[data-testid=moveout-form] button[type=submit]")
    desk.wait_for_load_state()
    moveout = MoveOut.objects.get()
    assert desk.locator("[data-testid=arrears]").is_visible()
    assert "120.50" in desk.content()
    shot(desk, f"moveout-arrears-{lang}-360")

    manager = page_as(users["manager"], lang=lang, width=360)
    manager.goto(f"{live_server.url}/desk/move-outs/{moveout.pk}/")
    manager.fill("#override-reason", "业主书面承诺月底前结清")
    manager.click("form[data-testid=override-form] button[type=submit]")
    manager.wait_for_load_state()
    moveout.refresh_from_db()
    assert moveout.status == MoveOut.Status.APPROVED
    shot(manager, f"moveout-approved-{lang}-360")

    guard = page_as(users["technician"], lang=lang, width=360)
    guard.goto(f"{live_server.url}/passes/verify/?number={moveout.release_pass.number}")
    notes = guard.locator("[data-testid=gate-notes]")
    assert "粤B12345" in notes.inner_text()
    shot(guard, f"moveout-gate-{lang}-360")
