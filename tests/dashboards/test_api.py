"""GET /api/dashboard/metrics/: the same board as the page, scoped to one's estates, the month
checked (malformed or future: 400 with a clear message), the glance only for the current month."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboards import kpis
from dashboards.models import KpiTarget
from servicecenter.periods import add_months, month_start
from tests.tickets.factories import register

pytestmark = pytest.mark.django_db
URL = "/api/dashboard/metrics/"


def test_a_supervisor_reads_the_board_and_todays_glance(api_as, users, unit_a):
    register(users["supervisor"], unit_a)
    KpiTarget.objects.create(estate=unit_a.estate, code="success_rate", target=Decimal("0.70"))
    response = api_as(users["supervisor"]).get(URL, {"estate": unit_a.estate.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["estate"] == unit_a.estate.pk
    assert body["month"] == f"{timezone.localdate():%Y-%m}"
    assert [row["code"] for row in body["board"]] == [kpi.code for kpi in kpis.KPIS]
    success = next(row for row in body["board"] if row["code"] == "success_rate")
    assert success["target"] == "0.7000"
    assert success["definition"] == "tickets.selectors.success_rate"
    assert body["glance"]["open_by_status"] == {"new": 1}
    assert body["glance"]["links"]["open"] == f"/tickets/?estate={unit_a.estate.pk}"


def test_a_past_month_has_no_glance(api_as, users, estate_a):
    body = api_as(users["manager"]).get(URL, {"estate": estate_a.pk, "month": "2025-03"}).json()
    assert body["month"] == "2025-03" and body["glance"] is None
    timely = next(row for row in body["board"] if row["code"] == "timely_handling_rate")
    assert timely["value"] is None and timely["colour"] == "none"
    assert "created_after=2025-03-01" in timely["url"]


def test_another_estate_is_404(api_as, users, estate_a, estate_b):
    assert api_as(users["supervisor"]).get(URL, {"estate": estate_b.pk}).status_code == 404
    assert api_as(users["company"]).get(URL, {"estate": estate_b.pk}).status_code == 200


def test_a_resident_gets_404_and_a_technician_403(api_as, users, resident, estate_a):
    assert api_as(resident).get(URL, {"estate": estate_a.pk}).status_code == 404
    assert api_as(users["technician"]).get(URL, {"estate": estate_a.pk}).status_code == 403
    assert api_as(users["frontdesk"]).get(URL, {"estate": estate_a.pk}).status_code == 403


@pytest.mark.parametrize("month", ["2025-13", "2025/03", "x", "0001-01"])
def test_a_malformed_month_is_400(api_as, users, estate_a, month):
    response = api_as(users["manager"]).get(URL, {"estate": estate_a.pk, "month": month})
    assert response.status_code == 400
    assert "Enter a month as YYYY-MM" in str(response.json())


def test_a_future_month_is_400(api_as, users, estate_a):
    future = add_months(month_start(timezone.localdate()), 1)
    client = api_as(users["manager"])
    response = client.get(URL, {"estate": estate_a.pk, "month": f"{future:%Y-%m}"})
    assert response.status_code == 400
    assert "has not begun yet" in str(response.json())


def test_a_malformed_estate_is_400(api_as, users):
    assert api_as(users["manager"]).get(URL, {"estate": "１"}).status_code == 400


def test_the_query_count_is_bounded(api_as, users, unit_a, django_assert_max_num_queries):
    client = api_as(users["supervisor"])
    client.get(URL)
    now = timezone.now()
    for hours in range(8):
        register(users["supervisor"], unit_a, now=now - timedelta(hours=hours))
    with django_assert_max_num_queries(40):
        assert client.get(URL).status_code == 200
