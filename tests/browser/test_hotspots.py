"""The hotspot heat table renders with shaded cells, and a manager acknowledges a repeat repair."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboards import services_repeats
from dashboards.models import RepeatRepair
from tests.browser.conftest import shot
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_heat_table_and_acknowledging_a_repeat(page_as, live_server, users, unit_a):
    # Both on one day four days ago (09:00 and 11:00 local): one month's column of the heat table
    # whatever the hour the test runs (on the 1st, "3 days ago" and "2 hours ago" straddle months).
    day = timezone.localtime(timezone.now() - timedelta(days=4)).replace(hour=9, minute=0, second=0)
    earlier = TicketFactory(unit=unit_a, created_at=day)
    TicketFactory(unit=unit_a, category=earlier.category, created_at=day + timedelta(hours=2))
    services_repeats.detect_repeat_repairs()
    repeat = RepeatRepair.objects.get()

    page = page_as(users["manager"])
    page.goto(live_server.url + "/dashboard/hotspots/")
    table = page.locator("[data-testid=heat-table]")
    assert table.is_visible()
    hot = table.locator("td.heat-4")
    assert hot.count() == 1
    assert hot.inner_text() == "2"
    assert page.locator("[data-testid=root-causes]").is_visible()
    shot(page, "hotspots-heat-en-1280")

    page.goto(live_server.url + f"/dashboard/hotspots/repeats/{repeat.pk}/")
    page.locator("[data-testid=do-acknowledge]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=repeat-status]").inner_text() == "Acknowledged"
    shot(page, "hotspots-repeat-acknowledged")
    repeat.refresh_from_db()
    assert repeat.status == RepeatRepair.Status.ACKNOWLEDGED
    assert repeat.events.get().actor == users["manager"]
