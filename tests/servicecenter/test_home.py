"""The manager's move-in spot checks of this month, per estate: on the dashboard, where the manager
lands from the home page (issue #15)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from moveins import services
from moveins.models import MoveIn, SpotCheck
from tests.factories import make_staff
from tests.moveins.factories import MoveInFactory

pytestmark = pytest.mark.django_db


def _panel(html: str) -> str:
    start = html.index('data-testid="spot-checks"')
    return html[start : html.index("</section>", start)]


def test_the_manager_sees_this_months_spot_checks_per_estate(
    client_as, users, estate_a, estate_b, unit_a, django_assert_max_num_queries
):
    manager = make_staff("manager", estate_a, estate_b, username="two-estates")
    record = MoveInFactory(unit=unit_a, status=MoveIn.Status.COMPLETED)
    services.record_spot_check(actor=manager, move_in=record, result=SpotCheck.Result.IN_ORDER)
    client = client_as(manager)
    client.get(reverse("dashboards:index"))
    # The dashboard: its board, glance and twelve months of trend, plus these spot checks.
    with django_assert_max_num_queries(260):
        html = client.get(reverse("home"), follow=True).content.decode()
    panel = _panel(html)
    month = timezone.localdate().strftime("%Y-%m")
    assert f"{reverse('moveins:spot_checks')}?estate={estate_a.pk}&amp;month={month}" in panel
    assert f"?estate={estate_b.pk}&amp;month={month}" in panel
    counts = [part.split("<")[0] for part in panel.split('data-testid="spot-check-count">')[1:]]
    expected = ["1 / 1", "0 / 1"] if estate_a.code < estate_b.code else ["0 / 1", "1 / 1"]
    assert counts == expected


def test_the_panel_is_only_for_those_who_make_spot_checks(client_as, users):
    for role in ("frontdesk", "clerk", "supervisor"):
        html = client_as(users[role]).get(reverse("home"), follow=True).content.decode()
        assert 'data-testid="spot-checks"' not in html, role
    page = client_as(users["manager"]).get(reverse("home"), follow=True).content.decode()
    assert 'data-testid="spot-checks"' in page
