"""Under the strict Content-Security-Policy the cashier page's script, the Django admin and the
Swagger UI still work, and the browser reports no violation and no console error on any of them."""

import pytest

from tests.browser.conftest import shot
from tests.browser.test_cashier_journey import open_bill
from tests.factories import OccupancyFactory, PersonFactory, make_staff

pytestmark = pytest.mark.django_db(transaction=True)

# Playwright's init scripts run outside the page's policy, so this listener sees every refusal.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI + " " + (event.sample || ""));
});
"""


def watched(page):
    """Collect console errors, uncaught exceptions and CSP violations of a page."""
    problems = []
    page.add_init_script(LISTEN)

    def on_console(message):
        # Chromium asks every site for /favicon.ico; we have none, which is not the point here.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console: {message.text} {message.location.get('url', '')}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_cashier_script_works_under_the_policy(page_as, live_server, users, unit_a):
    OccupancyFactory(
        unit=unit_a, person=PersonFactory(estate=unit_a.estate, name="李四", mobile="13800001111")
    )
    bill = open_bill(unit_a)
    page = page_as(users["clerk"], lang="zh-hans")
    problems = watched(page)
    response = page.goto(live_server.url + "/billing/cashier/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#unit-q", "3-2-11")  # the type-ahead (static/js/cashier.js) fetches suggestions
    suggestion = page.locator("#unit-suggestions a", has_text="3-2-1101")
    suggestion.wait_for()
    suggestion.click()
    page.wait_for_selector("[data-testid=cashier-unit]")
    page.check(f"#bill-{bill.pk}")
    assert page.input_value("#id_amount") == "300.00"  # ticking a bill fills in its total
    # The type-ahead list is styled by static/css/billing.css, not by an inline <style>.
    assert page.eval_on_selector("#unit-suggestions", "el => getComputedStyle(el).listStyleType") == "none"
    shot(page, "csp-cashier-zh-1280")
    assert violations(page) == [] and problems == []


def test_language_switch_and_print_buttons_work_without_inline_handlers(page_as, live_server, users):
    page = page_as(users["clerk"], lang="zh-hans")
    problems = watched(page)
    page.goto(live_server.url + "/billing/journal/")
    page.evaluate("window.print = function () { window.__printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.__printed") is True
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")  # data-autosubmit: static/js/app.js
    assert page.locator("html").get_attribute("lang") == "en"
    assert violations(page) == [] and problems == []


def test_admin_changelist_works_under_the_policy(page_as, live_server, estate_a):
    boss = make_staff("manager", estate_a, username="boss", is_staff=True, is_superuser=True)
    page = page_as(boss, lang="en")
    problems = watched(page)
    page.goto(live_server.url + "/admin/residents/estate/")
    page.wait_for_selector("#result_list")
    page.check("#action-toggle")  # the admin's own actions.js runs
    assert page.is_checked("#result_list tbody input.action-select")
    shot(page, "csp-admin-changelist-en-1280")
    page.goto(live_server.url + "/admin/residents/estate/add/")
    page.wait_for_selector("#estate_form")
    shot(page, "csp-admin-add-en-1280")
    # A form with an inline and a date field: the admin's inlines.js and calendar widget run.
    page.goto(live_server.url + "/admin/billing/chargeitem/add/")
    page.click("#calendarlink0")
    page.wait_for_selector("#calendarbox0", state="visible")
    page.click("#calendarbox0 .calendar-shortcuts a")  # "Today"
    assert page.input_value("#id_rates-0-effective_from")
    shot(page, "csp-admin-inline-calendar-en-1280")
    assert violations(page) == [] and problems == []


def test_swagger_ui_works_under_the_policy(page_as, live_server, users):
    page = page_as(users["manager"], lang="en")
    problems = watched(page)
    response = page.goto(live_server.url + "/api/docs/")
    assert "'nonce-" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20_000)  # the schema was loaded and drawn
    page.locator(".opblock-tag", has_text="tickets").first.click()  # tags start collapsed
    page.locator(".opblock-summary-path", has_text="/api/tickets/{id}/attachments/").first.click()
    page.locator("button.try-out__btn").first.click()
    page.wait_for_selector("input[type=file]")  # the upload field is a file picker (format: binary)
    shot(page, "csp-swagger-ui-en-1280")
    assert violations(page) == [] and problems == []


def test_browsable_api_works_under_the_policy(page_as, live_server, users):
    page = page_as(users["manager"], lang="en")
    problems = watched(page)
    page.goto(live_server.url + "/api/tickets/")
    page.wait_for_selector(".response-info")
    shot(page, "csp-browsable-api-en-1280")
    assert violations(page) == [] and problems == []
