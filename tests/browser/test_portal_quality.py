"""The resident portal's quality bar (issue #14): every portal page a resident opens from a
phone passes an automated accessibility check (axe-core, from the npm registry, vendored under
tests/browser/vendor) and weighs under 100 KB before images, in English and Chinese at 360 px.

The pages are every GET page of the `portal` namespace that takes no argument, read from the
URLconf, so a new portal page is checked without being listed here."""

import contextlib
from pathlib import Path

import pytest

from tests.billing.conftest import make_bill
from tests.browser.conftest import shot
from tests.servicecenter.urlwalk import all_urls

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
PAGE_BUDGET_BYTES = 100 * 1024
# Serious and critical problems fail the check; minor and moderate ones are reported.
FAILING_IMPACTS = {"serious", "critical"}
# Pages that need a query or a POST to show anything are exercised by their own journeys.
SKIP = {"portal:special_service_book"}


def _portal_pages(user) -> list[str]:
    """The portal's GET pages without arguments (POST-only actions answer 405 and are left out)."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    names = []
    for url in all_urls():
        if not url.is_portal or url.args or url.name in SKIP:
            continue
        if client.get(reverse(url.name)).status_code == 200:
            names.append(url.name)
    return sorted(names)


def _check(page, url: str) -> tuple[list[dict], int]:
    weights: list[int] = []

    def count(response):
        if response.request.resource_type in {"image", "media", "font"}:
            return
        with contextlib.suppress(Exception):  # a redirect or an aborted request has no body
            weights.append(len(response.body()))

    page.on("response", count)
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", count)
    assert response is not None and response.status < 400, (url, response and response.status)
    page.evaluate(AXE)  # through DevTools: the page's CSP allows no inline script
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    assert result["passes"], "axe ran no check"
    failing = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]
    return failing, sum(weights)


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_every_portal_page_is_accessible_and_light(page_as, live_server, resident, unit_a, lang):
    from django.urls import reverse

    make_bill(unit_a, "88.00", code="property")
    page = page_as(resident, lang=lang, width=360)
    problems, heavy = {}, {}
    names = _portal_pages(resident)
    assert "portal:home" in names and len(names) > 8
    for name in names:
        failing, weight = _check(page, f"{live_server.url}{reverse(name)}")
        if failing:
            problems[name] = failing
        if weight > PAGE_BUDGET_BYTES:
            heavy[name] = weight
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    shot(page, f"portal-last-page-{lang}-360")
    assert not problems, problems
    assert not heavy, heavy
