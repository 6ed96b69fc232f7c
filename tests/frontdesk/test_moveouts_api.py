"""The move-out API: the list (scoped, filtered, a fixed number of queries), registration with
its idempotency key, one endpoint per action, the 409 listing what is owed, the manager's
override and who may do what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from frontdesk.models import MoveOut
from residents.models import Pass
from tests.billing.conftest import make_bill
from tests.factories import make_staff
from tests.frontdesk.moveout_helpers import make_moveout, occupant, register

pytestmark = pytest.mark.django_db
S = MoveOut.Status
URL = "/api/move-outs/"


def _ids(client, query=""):
    response = client.get(f"{URL}{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_list_is_scoped_and_filtered(api_as, users, unit_a, unit_a2, unit_b):
    mine = make_moveout(unit_a, number="LJY-BJ2026-0001")
    moving = make_moveout(unit_a2, number="LJY-BJ2026-0002", kind=MoveOut.Kind.MOVING)
    make_moveout(unit_b, number="BJDS-BJ2026-0001")
    client = api_as(users["clerk"])
    assert _ids(client) == {mine.pk, moving.pk}
    assert _ids(client, "?kind=moving") == {moving.pk}
    assert _ids(client, f"?unit={unit_a.pk}") == {mine.pk}
    assert _ids(client, "?status=requested&q=0001") == {mine.pk}
    assert _ids(client, "?status=completed") == set()
    assert _ids(client, f"?planned_from={(timezone.localdate() + timedelta(days=3)).isoformat()}") == set()
    assert client.get(f"{URL}?unit=１２").status_code == 400
    assert client.get(f"{URL}?planned_from=0001-01-01").status_code == 400


def test_list_and_detail_keep_a_fixed_number_of_queries(api_as, users, unit_a, django_assert_max_num_queries):
    for n in range(20):
        make_moveout(unit_a, number=f"LJY-BJ2026-{n:04d}")
    client = api_as(users["frontdesk"])
    client.get(URL)
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200
    moveout = MoveOut.objects.first()
    with django_assert_max_num_queries(14):
        assert client.get(f"{URL}{moveout.pk}/").status_code == 200


def _body(unit, person, **overrides) -> dict:
    return {
        "unit": unit.pk,
        "person": person.pk,
        "kind": "move_out",
        "planned_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "window_start": "09:00",
        "window_end": "12:00",
        "items": "冰箱、沙发",
        "vehicle_plate": "粤B12345",
        "helpers": 2,
        **overrides,
    }


def test_create_needs_a_key_and_a_retry_replays(api_as, users, unit_a):
    person = occupant(unit_a).person
    client = api_as(users["frontdesk"])
    assert client.post(URL, _body(unit_a, person), format="json").status_code == 400
    first = client.post(URL, _body(unit_a, person), format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "requested"
    assert first.json()["available_actions"] == ["approve", "cancel"]
    again = client.post(URL, _body(unit_a, person), format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert MoveOut.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"items": ""}, "items"),
        ({"window_end": "08:00"}, "window_end"),
        ({"planned_date": "2020-01-01"}, "planned_date"),
        ({"kind": "elope"}, "kind"),
    ],
)
def test_create_names_the_bad_field_and_saves_nothing(api_as, users, unit_a, overrides, field):
    person = occupant(unit_a).person
    response = api_as(users["frontdesk"]).post(
        URL, _body(unit_a, person, **overrides), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not MoveOut.objects.exists()


def test_create_refuses_someone_who_does_not_live_there(api_as, users, unit_a, unit_a2, unit_b):
    client = api_as(users["frontdesk"])
    neighbour = occupant(unit_a2).person
    response = client.post(URL, _body(unit_a, neighbour), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400 and "person" in response.json()
    stranger = occupant(unit_b).person
    response = client.post(URL, _body(unit_b, stranger), format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert response.status_code == 400 and "unit" in response.json()
    assert not MoveOut.objects.exists()


def test_arrears_answer_409_with_what_is_owed_and_change_nothing(api_as, users, unit_a):
    moveout = register(unit_a, users["frontdesk"])
    make_bill(unit_a, "120.50", period=date(2025, 1, 1), due=date(2025, 1, 28), code="property")
    make_bill(unit_a, "30.00", period=date(2025, 2, 1), due=date(2025, 2, 28), code="water")
    response = api_as(users["frontdesk"]).post(f"{URL}{moveout.pk}/approve/", {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "arrears_owed"
    assert body["total"] == "150.50"
    assert [(row["period"], row["outstanding"], row["is_overdue"]) for row in body["owed"]] == [
        ("2025-01", "120.50", True),
        ("2025-02", "30.00", True),
    ]
    assert "150.50" in body["detail"]
    moveout.refresh_from_db()
    assert (moveout.status, moveout.release_pass_id) == (S.REQUESTED, None)
    assert not Pass.objects.exists()
    assert moveout.events.count() == 1


def test_only_the_manager_overrides_and_it_is_recorded(api_as, users, unit_a):
    moveout = register(unit_a, users["frontdesk"])
    make_bill(unit_a, "120.50", due=date(2025, 1, 28))
    path = f"{URL}{moveout.pk}/approve/"
    refused = api_as(users["supervisor"]).post(path, {"override_reason": "我说可以"}, format="json")
    assert refused.status_code == 403
    assert MoveOut.objects.get(pk=moveout.pk).status == S.REQUESTED
    response = api_as(users["manager"]).post(path, {"override_reason": "业主已承诺结清"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["arrears_override_reason"] == "业主已承诺结清"
    assert body["arrears_owed_at_override"] == "120.50"
    assert body["pass_number"]
    approve = [e for e in body["events"] if e["action"] == "approve"][0]
    assert "业主已承诺结清" in approve["note"] and approve["actor_name"] == users["manager"].username


def test_the_actions_walk_the_workflow(api_as, users, unit_a):
    moveout = register(unit_a, users["frontdesk"], kind=MoveOut.Kind.MOVING)
    client = api_as(users["frontdesk"])
    assert client.post(f"{URL}{moveout.pk}/complete/", {}, format="json").status_code == 409
    approved = client.post(f"{URL}{moveout.pk}/approve/", {"note": "门岗已知会"}, format="json")
    assert approved.status_code == 200 and approved.json()["available_actions"] == ["complete", "cancel"]
    cancel = client.post(f"{URL}{moveout.pk}/cancel/", {}, format="json")
    assert cancel.status_code == 400 and "reason" in cancel.json()
    cancelled = client.post(f"{URL}{moveout.pk}/cancel/", {"reason": "改期"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Pass.objects.get().revoked_at is not None
    assert client.post(f"{URL}{moveout.pk}/cancel/", {"reason": "再取消"}, format="json").status_code == 409


def test_the_gate_verifies_the_pass_through_the_api(api_as, users, unit_a):
    moveout = register(unit_a, users["frontdesk"])
    number = (
        api_as(users["frontdesk"])
        .post(f"{URL}{moveout.pk}/approve/", {}, format="json")
        .json()["pass_number"]
    )
    response = api_as(users["technician"]).get(f"/api/passes/{number}/verify/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "moving_release"
    assert body["valid"] is False and body["reason"] == "not_yet_valid"  # tomorrow morning
    assert "粤B12345" in body["gate_notes"] and body["unit_code"] == unit_a.code


@pytest.mark.parametrize(
    ("role", "reads", "acts"),
    [
        ("frontdesk", True, True),
        ("supervisor", True, True),
        ("manager", True, True),
        ("clerk", True, False),
        ("housekeeper", True, False),
        ("technician", False, False),
        ("engineer", False, False),
    ],
)
def test_permissions_per_role(api_as, users, unit_a, role, reads, acts):
    moveout = make_moveout(unit_a)
    client = api_as(users[role])
    assert (client.get(URL).status_code == 200) is reads
    assert (client.get(f"{URL}{moveout.pk}/").status_code == 200) is reads
    response = client.post(f"{URL}{moveout.pk}/cancel/", {"reason": "改期"}, format="json")
    assert (response.status_code == 200) is acts
    assert response.status_code in (200, 403)


def test_another_estates_request_is_a_404_and_residents_get_nothing(
    api_as, users, unit_b, resident, estate_b
):
    moveout = make_moveout(unit_b)
    assert api_as(users["frontdesk"]).get(f"{URL}{moveout.pk}/").status_code == 404
    assert (
        api_as(users["frontdesk"])
        .post(f"{URL}{moveout.pk}/cancel/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )
    assert api_as(resident).get(URL).status_code == 403
    assert (
        api_as(make_staff("clerk", estate_b, username="clerk-b")).get(f"{URL}{moveout.pk}/").status_code
        == 200
    )
