"""Reception hours per estate: the API (GET/PUT keyed by estate) and the supervisor's page."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from staff.models import ReceptionHours

pytestmark = pytest.mark.django_db

URL = "/api/staff/reception-hours/{}/"
BODY = {
    "weekday_opens": "08:00",
    "weekday_closes": "19:00",
    "weekend_opens": "09:30",
    "weekend_closes": "16:00",
}


def test_the_defaults_are_read_until_set(api_as, users, estate_a):
    ReceptionHours.objects.filter(estate=estate_a).delete()
    response = api_as(users["supervisor"]).get(URL.format(estate_a.pk))
    assert response.status_code == 200
    assert response.json() == {
        "estate": estate_a.pk,
        "weekday_opens": "08:30:00",
        "weekday_closes": "18:00:00",
        "weekend_opens": "09:00:00",
        "weekend_closes": "17:00:00",
    }


@pytest.mark.parametrize("role", ["supervisor", "manager"])
def test_a_supervisor_or_manager_sets_them(api_as, users, estate_a, role):
    response = api_as(users[role]).put(URL.format(estate_a.pk), BODY, format="json")
    assert response.status_code == 200, response.content
    hours = ReceptionHours.objects.get(estate=estate_a)
    assert (hours.weekday_opens, hours.weekday_closes, hours.weekend_opens, hours.weekend_closes) == (
        time(8),
        time(19),
        time(9, 30),
        time(16),
    )


@pytest.mark.parametrize("closes", ["weekday_closes", "weekend_closes"])
def test_a_day_must_close_after_it_opens(api_as, users, estate_a, closes):
    before = ReceptionHours.objects.filter(estate=estate_a).values().first()
    body = {**BODY, closes: "07:00"}
    response = api_as(users["supervisor"]).put(URL.format(estate_a.pk), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_reception_hours" and closes in response.json()
    assert ReceptionHours.objects.filter(estate=estate_a).values().first() == before


def test_a_missing_or_malformed_time_is_a_400(api_as, users, estate_a):
    client = api_as(users["supervisor"])
    assert (
        client.put(URL.format(estate_a.pk), {**BODY, "weekday_opens": "8 o'clock"}, format="json").status_code
        == 400
    )
    body = dict(BODY)
    body.pop("weekend_closes")
    assert client.put(URL.format(estate_a.pk), body, format="json").status_code == 400


def test_another_estate_is_404(api_as, users, estate_b):
    client = api_as(users["supervisor"])
    assert client.get(URL.format(estate_b.pk)).status_code == 404
    assert client.put(URL.format(estate_b.pk), BODY, format="json").status_code == 404


def test_other_staff_may_not_set_them(api_as, users, estate_a):
    for role in ("frontdesk", "technician", "company"):
        assert api_as(users[role]).put(URL.format(estate_a.pk), BODY, format="json").status_code == 403
    assert api_as(users["company"]).get(URL.format(estate_a.pk)).status_code == 200


def test_the_page_saves_and_shows_errors(client, users, estate_a):
    client.force_login(users["supervisor"])
    url = reverse("staff:reception_hours")
    page = client.get(url, {"estate": estate_a.pk})
    assert page.status_code == 200 and 'value="08:30"' in page.content.decode()
    refused = client.post(f"{url}?estate={estate_a.pk}", {**BODY, "weekend_closes": "08:00"})
    assert refused.status_code == 200 and "The desk closes after it opens." in refused.content.decode()
    saved = client.post(f"{url}?estate={estate_a.pk}", BODY)
    assert saved.status_code == 302
    assert ReceptionHours.objects.get(estate=estate_a).weekday_closes == time(19)


def test_the_page_is_for_supervisors_and_managers(client, users, estate_a, estate_b):
    client.force_login(users["frontdesk"])
    assert client.get(reverse("staff:reception_hours")).status_code == 403
    client.force_login(users["supervisor"])
    assert client.get(reverse("staff:reception_hours"), {"estate": estate_b.pk}).status_code == 404
