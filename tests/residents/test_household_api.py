"""Household requests through the API (issue #14): the desk's queue, approve and reject, read from
the household request workflow; scoped to the user's estates."""

import pytest

from residents.api.views import HouseholdRequestViewSet
from residents.models import HouseholdRequest, Occupancy
from residents.workflows import HOUSEHOLD_REQUEST
from tests.factories import make_id_number, make_resident
from tests.residents.test_household_requests import ask

pytestmark = pytest.mark.django_db

URL = "/api/household-requests/"


def test_action_permissions_come_from_the_workflow():
    assert HouseholdRequestViewSet.action_permissions == {
        a.name: [a.permission] for a in HOUSEHOLD_REQUEST.user_actions()
    }


def test_list_is_filtered_in_the_db_paginated_and_scoped(
    api_as, users, resident, unit_a, unit_b, django_assert_max_num_queries
):
    mine = [ask(resident, unit_a, id_number=make_id_number(50 + i, birth="20100101")) for i in range(5)]
    users_request = mine[0]
    ask(make_resident(unit_b, username="owner-b"), unit_b)  # another estate's
    HouseholdRequest.objects.filter(pk=mine[1].pk).update(status=HouseholdRequest.Status.REJECTED)
    api = api_as(users["frontdesk"])
    api.get(URL)  # warm the token and permission caches
    with django_assert_max_num_queries(8):
        response = api.get(URL, {"status": "requested"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4 and "results" in body
    assert {row["id"] for row in body["results"]} == {r.pk for r in mine if r.pk != mine[1].pk}
    row = next(r for r in body["results"] if r["id"] == users_request.pk)
    assert row["unit_code"] == unit_a.code and "*" in row["id_number"] and "*" in row["mobile"]
    assert api.get(URL, {"status": "rejected"}).json()["count"] == 1
    assert api.get(URL, {"status": "nonsense"}).status_code == 400


def test_another_estates_request_is_404(api_as, users, unit_b):
    other = ask(make_resident(unit_b, username="owner-b"), unit_b)
    api = api_as(users["manager"])
    assert api.get(f"{URL}{other.pk}/").status_code == 404
    assert api.post(f"{URL}{other.pk}/approve/").status_code == 404
    other.refresh_from_db()
    assert other.status == HouseholdRequest.Status.REQUESTED


def test_approve_adds_the_occupant(api_as, users, resident, unit_a):
    request = ask(resident, unit_a)
    response = api_as(users["frontdesk"]).post(f"{URL}{request.pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    request.refresh_from_db()
    assert request.occupancy.unit_id == unit_a.pk
    assert Occupancy.objects.filter(pk=request.occupancy_id, role="household_member").exists()
    assert request.events.filter(action="approve").count() == 1
    # Decided: a second decision is refused, nothing changes.
    again = api_as(users["frontdesk"]).post(f"{URL}{request.pk}/reject/", {"reason": "x"}, format="json")
    assert again.status_code in (400, 409)
    request.refresh_from_db()
    assert request.status == HouseholdRequest.Status.APPROVED


def test_reject_needs_a_reason(api_as, users, resident, unit_a):
    request = ask(resident, unit_a)
    api = api_as(users["manager"])
    assert api.post(f"{URL}{request.pk}/reject/", {"reason": ""}, format="json").status_code == 400
    request.refresh_from_db()
    assert request.status == HouseholdRequest.Status.REQUESTED
    response = api.post(f"{URL}{request.pk}/reject/", {"reason": "证件不全"}, format="json")
    assert response.status_code == 200 and response.json()["reject_reason"] == "证件不全"


def test_clerk_and_resident_may_not_decide(api_as, users, resident, unit_a):
    request = ask(resident, unit_a)
    assert api_as(users["clerk"]).post(f"{URL}{request.pk}/approve/").status_code == 403
    assert api_as(resident).get(URL).status_code == 403
    assert api_as(resident).post(f"{URL}{request.pk}/approve/").status_code in (403, 404)
    request.refresh_from_db()
    assert request.status == HouseholdRequest.Status.REQUESTED


def test_company_reads_but_may_not_decide(api_as, users, resident, unit_a):
    request = ask(resident, unit_a)
    api = api_as(users["company"])
    assert api.get(f"{URL}{request.pk}/").status_code == 200
    assert api.post(f"{URL}{request.pk}/approve/").status_code == 403
