"""The pages of rectification orders and incidents: scoped, permissioned, a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from staff import services_incidents
from staff.models import Team
from tests.factories import TeamFactory, make_staff
from tests.staff.quality_helpers import make_order

pytestmark = pytest.mark.django_db


def _incident(estate, actor, title="地库漏水"):
    incident = services_incidents.record_incident(
        actor=actor,
        estate=estate,
        kind="water_leak",
        title=title,
        occurred_at=timezone.now() - timedelta(hours=1),
    )
    services_incidents.add_timeline_entry(actor=actor, incident=incident, text="关闭总阀")
    return incident


def test_the_incident_page_shows_the_timeline_and_hides_other_estates(client_as, estate_a, estate_b, users):
    incident = _incident(estate_a, users["supervisor"])
    other = _incident(estate_b, make_staff("supervisor", estate_b, username="sup-b"), title="B区停电")
    client = client_as(users["supervisor"])
    page = client.get(f"/staff/incidents/{incident.pk}/")
    assert page.status_code == 200
    assert "关闭总阀" in page.content.decode()
    assert client.get(f"/staff/incidents/{other.pk}/").status_code == 404
    listing = client.get("/staff/incidents/").content.decode()
    assert "地库漏水" in listing and "B区停电" not in listing


def test_the_pages_are_for_supervisors_and_managers(client_as, users):
    assert client_as(users["frontdesk"]).get("/staff/incidents/").status_code == 403
    assert client_as(users["technician"]).get("/staff/quality/orders/").status_code == 403


def test_the_lists_take_a_fixed_number_of_queries(client_as, estate_a, users, django_assert_max_num_queries):
    for index in range(5):
        _incident(estate_a, users["supervisor"], title=f"事件{index}")
        make_order(
            team=TeamFactory(estate=estate_a, kind=Team.Kind.CLEANING, name=f"保洁{index}"),
            inspector=users["supervisor"],
        )
    client = client_as(users["manager"])
    with django_assert_max_num_queries(20):
        orders = client.get("/staff/quality/orders/?status=issued")
    with django_assert_max_num_queries(20):
        incidents = client.get("/staff/incidents/")
    assert orders.content.decode().count("<tr>") == 6  # the header row and five
    assert incidents.content.decode().count("<tr>") == 6  # the header row and five
