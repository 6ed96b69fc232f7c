"""Residents of the same estate see nothing of each other, on any portal page or API call.

Two residents of estate A: `resident` in unit_a and `resident2` in unit_a2, each with a ticket,
a file, a callback, a bill, a payment with its receipt, a meter reading and an archive document.
Every URL of the URLconf under /portal/ and /api/ (and every API router action) is requested as
`resident`, with resident2's object ids wherever the URL takes one. A test fails if a response
carries resident2's data (numbers, unit code, names, ids in the JSON, links to their objects) or
anything but 403/404 for their object. A new URL without a fixture mapping fails loudly (see
tests/servicecenter/urlwalk.py).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from residents.models import Occupancy
from tests.factories import OccupancyFactory, PersonFactory, make_staff
from tests.module_world import estate_a, resident, resident2, unit_a, unit_a2, users  # noqa: F401
from tests.servicecenter.urlwalk import (
    API_OBJECTS,
    URL_KWARGS,
    all_api_actions,
    all_urls,
    api_kwargs,
    build_shared,
    build_unit_world,
    url_kwargs,
)

ROUTER_URL_NAMES = {a.url_name for a in all_api_actions()}


def _pages():
    """Portal and API URLs that are not router routes (format-suffix twins left out)."""
    return sorted(
        (
            u
            for u in all_urls()
            if (u.is_portal or u.is_api) and u.name not in ROUTER_URL_NAMES and "format" not in u.args
        ),
        key=lambda u: u.name,
    )


def _actions():
    return sorted(all_api_actions(), key=lambda a: (a.key, a.method))


@pytest.fixture(scope="module")
def two_residents(module_people, module_media):
    """Built once for the module; each test's changes are rolled back with it."""
    users = module_people.users
    own = build_unit_world(
        unit=module_people.unit_a, resident_user=module_people.resident, staff=users, tag="A1"
    )
    other = build_unit_world(
        unit=module_people.unit_a2, resident_user=module_people.resident2, staff=users, tag="A2"
    )
    shared = build_shared(estate=module_people.estate_a, staff=users, world=own)
    return own, other, shared


def _markers(world: dict) -> list[str]:
    """Strings that only the world's own unit has."""
    return [
        world["ticket"].number,
        world["ticket"].description,
        world["unit"].code,
        world["person"].name,
        world["receipt_number"],
        world["payment"].payer_name,
        world["meter_reading"].meter.serial,
        world["document"].title,
        world["attachment"].original_name,
        world["pass"].number,
        world["pass"].holder_name,
        world["moveout"].number,
        world["moveout"].items,
        world["parcel"].tracking_number,
    ]


def _links(world: dict, shared: dict) -> list[str]:
    """The portal addresses of the world's objects."""
    return [
        reverse(name, kwargs=url_kwargs(url, world, shared))
        for url in all_urls()
        if url.is_portal and url.args
        for name in [url.name]
        if name in URL_KWARGS
    ]


# JSON keys that hold the id of a model, and which object of the world that is.
_ID_KEYS = {
    "unit": "unit",
    "unit_id": "unit",
    "ticket": "ticket",
    "ticket_id": "ticket",
    "bill": "bill",
    "bill_id": "bill",
    "payment": "payment",
    "payment_id": "payment",
    "person": "person",
    "person_id": "person",
    "reporter": "person",
    "occupancy": "occupancy",
    "callback": "callback",
    "meter": "meter_reading",
    "pass_id": "pass",
}


def _json_leaks(data, world: dict, *, listed: str | None) -> list[str]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                target = _ID_KEYS.get(key)
                if target and isinstance(value, int):
                    obj = world[target].meter if key == "meter" else world[target]
                    if value == obj.pk:
                        found.append(f"{key}={value}")
                if key == "id" and listed and value == world[listed].pk:
                    found.append(f"id={value}")
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


def _assert_no_leak(response, other: dict, shared: dict, *, where: str, listed: str | None = None):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    leaked = [m for m in _markers(other) if m and m in text]
    leaked += [link for link in _links(other, shared) if f'"{link}"' in text or f"'{link}'" in text]
    if response.get("Content-Type", "").startswith("application/json") and text:
        leaked += _json_leaks(json.loads(text), other, listed=listed)
    assert not leaked, f"{where} shows resident2's data: {leaked}"


@pytest.mark.parametrize("url", _pages(), ids=lambda u: u.name)
def test_portal_page_shows_nothing_of_the_other_unit(two_residents, resident, url):
    own, other, shared = two_residents
    client = Client()
    client.force_login(resident)
    path = reverse(url.name, kwargs=url_kwargs(url, other, shared))
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path, {})
    if url.args:
        assert response.status_code in (403, 404), (
            f"{url.name} answers {response.status_code} for resident2's object"
        )
    _assert_no_leak(response, other, shared, where=url.name)


@pytest.mark.parametrize("action", _actions(), ids=lambda a: f"{a.key}:{a.method}")
def test_api_call_shows_nothing_of_the_other_unit(two_residents, resident, action):
    own, other, shared = two_residents
    client = APIClient()
    client.force_authenticate(resident)
    path = reverse(action.url_name, kwargs=api_kwargs(action, other, shared))
    response = getattr(client, action.method)(path, {}, format="json")
    key = API_OBJECTS.get(action.basename)
    if action.detail and key in other:
        assert response.status_code in (403, 404), (
            f"{action.key} answers {response.status_code} for resident2's {key}"
        )
    listed = key if key in other and action.action == "list" else None
    _assert_no_leak(response, other, shared, where=action.key, listed=listed)


def test_the_walk_sees_the_residents_own_data(two_residents, resident):
    """The isolation tests above would pass on empty pages; these show the pages are not empty."""
    own, other, shared = two_residents
    client = Client()
    client.force_login(resident)
    assert own["ticket"].number in client.get(reverse("portal:ticket_list")).content.decode()
    assert own["receipt_number"] in client.get(reverse("portal:billing_payments")).content.decode()
    bill_page = client.get(reverse("portal:billing_bill", args=[own["bill"].pk]))
    assert bill_page.status_code == 200
    api = APIClient()
    api.force_authenticate(resident)
    ids = [row["id"] for row in api.get("/api/bills/").json()["results"]]
    assert sorted(ids) == sorted([own["bill"].pk, own["fee_call"].bill_id, own["invoiced_bill"].pk])
    assert "title-A1" in client.get(reverse("portal:invoice_requests")).content.decode()
    assert api.get(f"/api/tickets/{own['ticket'].pk}/").status_code == 200


@pytest.mark.parametrize("who", ["former_resident", "staff"])
def test_portal_is_404_without_a_current_occupancy(two_residents, resident, users, who):
    own, other, shared = two_residents
    if who == "former_resident":
        Occupancy.objects.filter(person__user=resident).update(end_date="2020-01-01", start_date="2019-01-01")
        user = resident
    else:
        user = users["technician"]  # the technician who works both units' tickets
    client = Client()
    client.force_login(user)
    for url in _pages():
        if not url.is_portal:
            continue
        path = reverse(url.name, kwargs=url_kwargs(url, own, shared))
        assert client.get(path).status_code == 404, url.name


def test_former_resident_sees_nothing_in_the_api(two_residents, resident):
    own, other, shared = two_residents
    Occupancy.objects.filter(person__user=resident).update(end_date="2020-01-01", start_date="2019-01-01")
    client = APIClient()
    client.force_authenticate(resident)
    for prefix in ("tickets", "bills", "payments", "units", "occupancies", "meter-readings"):
        response = client.get(f"/api/{prefix}/")
        assert response.status_code in (200, 403), prefix
        if response.status_code == 200:
            assert response.json()["results"] == [], prefix
    assert client.get(f"/api/tickets/{own['ticket'].pk}/").status_code == 404


def test_staff_member_living_in_the_estate_sees_only_their_own_unit_in_the_portal(
    two_residents, estate_a, unit_a2
):
    """A frontdesk clerk who also lives in unit_a2: the portal is the resident's view, not the
    desk's, so it shows unit_a2 only even though the clerk's desk pages show the whole estate."""
    own, other, shared = two_residents
    clerk = make_staff("frontdesk", estate_a, username="frontdesk-neighbour")
    person = PersonFactory(estate=estate_a, name="邻居前台")
    person.user = clerk
    person.save(update_fields=["user"])
    OccupancyFactory(unit=unit_a2, person=person, role=Occupancy.Role.TENANT)
    client = Client()
    client.force_login(clerk)
    listing = client.get(reverse("portal:ticket_list")).content.decode()
    assert other["ticket"].number in listing and own["ticket"].number not in listing
    assert client.get(reverse("portal:billing_bill", args=[own["bill"].pk])).status_code == 404
    assert client.get(reverse("portal:billing_receipt", args=[own["payment"].pk])).status_code == 404


def test_a_url_without_a_fixture_mapping_fails_loudly():
    from tests.servicecenter.urlwalk import ApiAction, Url

    new_page = Url(name="portal:new_thing", route="portal/things/<int:pk>/", args=("pk",))
    with pytest.raises(AssertionError, match="no entry in URL_KWARGS"):
        url_kwargs(new_page, {}, {})
    new_route = ApiAction(
        basename="thing", action="retrieve", method="get", url_name="thing-detail", detail=True, extra_args=()
    )
    with pytest.raises(AssertionError, match="no entry in API_OBJECTS"):
        api_kwargs(new_route, {}, {})
