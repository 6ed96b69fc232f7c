"""A renovation in a real browser, from the desk to the gate: the front desk registers a
non-regular application with a worker, the engineering supervisor and the manager approve it, the
clerk records the agreement, takes the deposit and the fees at the cashier and issues the permit;
then a guard checks the worker's pass on a 360 px phone (valid) and again after the works are
stopped (not valid)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from renovations import services
from renovations.models import Renovation, ScopeItem
from tests.browser.conftest import shot
from tests.factories import make_id_number
from tests.renovations.factories import current_owner

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def act(page, name: str, *, reason: str = "") -> None:
    """Perform a workflow action offered on the renovation page (a button, or a small form)."""
    trigger = page.locator(f"#actions [data-action={name}]")
    if trigger.evaluate("e => e.tagName") == "BUTTON":
        trigger.click()
    else:
        details = page.locator(f"#actions details:has(summary[data-action={name}])")
        if not details.evaluate("e => e.open"):
            trigger.click()
        if reason:
            details.locator("textarea").fill(reason)
        details.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_renovation_from_the_desk_to_the_gate(page_as, live_server, users, unit_a, tmp_path):
    owner = current_owner(unit_a)
    today = timezone.localdate()
    plumbing = ScopeItem.objects.get(estate=unit_a.estate, name="水电改造")
    walls = ScopeItem.objects.get(estate=unit_a.estate, name="墙面粉刷/涂料")

    # The front desk registers the application: a non-regular item and one worker.
    desk = page_as(users["frontdesk"], lang="en")
    desk.goto(live_server.url + "/renovations/new/")
    desk.fill("input[name=unit_code]", unit_a.code)
    desk.click("button.primary[type=submit]")
    desk.wait_for_selector("#renovation-form")
    desk.select_option("select[name=owner]", str(owner.pk))
    desk.fill("input[name=contractor_company]", "深圳市安居装饰工程有限公司")
    desk.fill("input[name=contractor_licence]", "91440300MA5F1A2B3C")
    desk.fill("input[name=contractor_contact]", "李工")
    desk.fill("input[name=contractor_phone]", "13912345678")
    desk.check(f"input[name=scope_items][value='{plumbing.pk}']")
    desk.check(f"input[name=scope_items][value='{walls.pk}']")
    desk.fill("input[name=planned_start]", today.isoformat())
    desk.fill("input[name=planned_end]", (today + timedelta(days=60)).isoformat())
    desk.fill("input[name=workers-0-name]", "刘建国")
    desk.fill("input[name=workers-0-mobile]", "13612340001")
    desk.fill("input[name=workers-0-id_number]", make_id_number(501, birth="19850315"))
    desk.fill("input[name=workers-0-trade]", "水电工")
    shot(desk, "renovation-new-en-1280")
    desk.click("#renovation-form .actions button.primary")
    desk.wait_for_selector("#actions")
    renovation = Renovation.objects.get(unit=unit_a)
    assert not renovation.is_regular
    detail = f"{live_server.url}/renovations/{renovation.pk}/"
    act(desk, "send_to_engineering")
    renovation.refresh_from_db()
    assert renovation.status == Renovation.Status.ENGINEERING_REVIEW

    # The engineering supervisor, then the manager.
    engineer = page_as(users["engineer"], lang="zh-hans")
    engineer.goto(detail)
    shot(engineer, "renovation-engineering-review-zh-1280")
    act(engineer, "engineering_approve")
    manager = page_as(users["manager"], lang="en")
    manager.goto(detail)
    act(manager, "approve")
    renovation.refresh_from_db()
    assert renovation.status == Renovation.Status.APPROVED
    assert renovation.charges.count() == 3  # deposit, rubbish removal, one pass card

    # The clerk: the signed agreement, the deposit, the fees at the cashier, the permit.
    agreement = tmp_path / "agreement.pdf"
    agreement.write_bytes(PDF)
    clerk = page_as(users["clerk"], lang="en")
    clerk.goto(detail)
    clerk.locator("#actions summary[data-action=record_agreement]").click()
    clerk.set_input_files("#actions input[name=scanned_copy]", str(agreement))
    clerk.locator("#actions details:has(summary[data-action=record_agreement]) button[type=submit]").click()
    clerk.wait_for_load_state()
    clerk.click("[data-testid=deposit-form] button[type=submit]")
    clerk.wait_for_load_state()
    clerk.goto(f"{live_server.url}/billing/cashier/?unit={unit_a.pk}")
    for box in clerk.locator("#payment-form input[name=bills]").all():
        box.check()
    clerk.click("[data-testid=take-payment]")
    clerk.wait_for_load_state()
    clerk.goto(detail)
    shot(clerk, "renovation-paid-en-1280")
    act(clerk, "issue_permit")
    renovation.refresh_from_db()
    assert renovation.status == Renovation.Status.PERMITTED, clerk.inner_text("main")
    shot(clerk, "renovation-permitted-en-1280")
    number = renovation.workers.get().current_pass.number

    # The gate, on a phone: valid now.
    for lang in ("en", "zh-hans"):
        gate = page_as(users["technician"], lang=lang, width=360, height=740)
        gate.goto(f"{live_server.url}/passes/verify/?number={number}")
        result = gate.locator("[data-testid=gate-result]")
        assert "gate-valid" in result.get_attribute("class")
        assert "刘建国" in result.inner_text()
        assert gate.evaluate("document.documentElement.scrollWidth") <= 360
        shot(gate, f"gate-valid-{lang}-360")

    # A patrol finds works outside the scope and stops them: the pass no longer lets him in.
    services.record_violation(
        unit=unit_a,
        actor=users["housekeeper"],
        kind="out_of_scope",
        source="staff",
        description="未经审批拆改墙体",
        renovation=renovation,
        stop_order=True,
    )
    renovation.refresh_from_db()
    assert renovation.status == Renovation.Status.STOPPED
    for lang in ("en", "zh-hans"):
        gate = page_as(users["technician"], lang=lang, width=360, height=740)
        gate.goto(f"{live_server.url}/passes/verify/?number={number}")
        result = gate.locator("[data-testid=gate-result]")
        assert "gate-invalid" in result.get_attribute("class")
        shot(gate, f"gate-stopped-{lang}-360")
