"""The manager dashboard in a real browser: every trend chart is drawn (a canvas inside each chart
container) under the strict CSP, with no console error, in English and in Chinese; the company's
comparison table; the print layout."""

import pytest
from django.utils import timezone

from tests.browser.conftest import shot
from tests.browser.test_csp import violations, watched
from tests.tickets.factories import register

pytestmark = pytest.mark.django_db(transaction=True)
CHARTS = ("tickets", "fees", "arrears", "works", "survey")


def _charts_drawn(page):
    for chart in CHARTS:
        page.wait_for_selector(f"#chart-{chart} canvas")
    return page.eval_on_selector_all(".chart", "els => els.map(el => el.querySelectorAll('canvas').length)")


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_charts_render_under_the_policy(page_as, live_server, users, unit_a, lang):
    register(users["supervisor"], unit_a)
    page = page_as(users["supervisor"], lang=lang, width=1280)
    problems = watched(page)
    page.goto(live_server.url + "/")  # supervisors land on the dashboard
    assert page.url.endswith("/dashboard/")
    assert all(count >= 1 for count in _charts_drawn(page))
    # Every KPI shows its status as a word beside its colour (no figures yet: "no data").
    assert page.locator("[data-testid=kpi-board] .rag").count() == 12
    assert page.locator("[data-testid=glance] strong").first.inner_text() == "1"
    shot(page, f"dashboard-{lang}-1280")
    assert violations(page) == [] and problems == []


def test_the_company_compares_estates_and_the_page_prints_on_a4(
    page_as, live_server, users, unit_a, estate_b
):
    page = page_as(users["company"], lang="zh-hans", width=1280)
    problems = watched(page)
    page.goto(f"{live_server.url}/dashboard/?estate={unit_a.estate.pk}&month={timezone.localdate():%Y-%m}")
    _charts_drawn(page)
    assert page.locator("[data-testid=comparison] table.compare tbody tr").count() == 2
    assert page.locator("[data-testid=ranking] tbody tr").count() == 2
    shot(page, "dashboard-company-zh-hans-1280")
    # Print: A4 portrait is about 794 CSS pixels wide; nothing may stick out to the right.
    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('.panel, .chart, table')].map(el => el.getBoundingClientRect().right))"
    )
    assert widest <= 794
    assert page.locator(".sidenav").is_hidden()
    shot(page, "dashboard-company-print-a4")
    assert violations(page) == [] and problems == []
