"""/api/passes/: the list and detail (scoped, filtered, masked), a pass issued by hand, revoking,
and the gate check by number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from residents import services
from residents.models import Pass, PassCounter
from tests.residents.pass_factory import HOLDER_ID, HOLDER_MOBILE, make_pass

pytestmark = pytest.mark.django_db


def _api(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def _numbers(response):
    assert response.status_code == 200, response.content
    return sorted(row["number"] for row in response.json()["results"])


# --- list and detail -----------------------------------------------------------------------------


def test_staff_list_their_estates_passes_with_numbers_masked(api_client, users, unit_a, unit_b):
    mine, elsewhere = make_pass(unit_a), make_pass(unit_b)
    response = _api(api_client, users["technician"]).get("/api/passes/")
    assert _numbers(response) == [mine.number]
    row = response.json()["results"][0]
    assert row["holder_id_number"] == mine.holder_id_masked and HOLDER_ID not in response.content.decode()
    assert row["holder_mobile"] == "139****5678" and HOLDER_MOBILE not in response.content.decode()
    assert (row["unit_code"], row["state"]) == (unit_a.code, "valid")
    assert api_client.get(f"/api/passes/{elsewhere.pk}/").status_code == 404


def test_resident_sees_only_their_own_units_passes(api_client, resident, unit_a, unit_a2):
    mine, neighbours = make_pass(unit_a), make_pass(unit_a2)
    client = _api(api_client, resident)
    assert _numbers(client.get("/api/passes/")) == [mine.number]
    assert client.get(f"/api/passes/{mine.pk}/").status_code == 200
    assert client.get(f"/api/passes/{neighbours.pk}/").status_code == 404


def test_list_filters_in_the_database(api_client, users, unit_a, unit_a2):
    now = timezone.now()
    current = make_pass(unit_a, kind=Pass.Kind.SHOP_STAFF)
    card = make_pass(unit_a2, kind=Pass.Kind.RESIDENT_CARD)
    ended = make_pass(unit_a, valid_from=now - timedelta(days=9), valid_until=now - timedelta(days=1))
    revoked = make_pass(unit_a2)
    services.revoke_pass(pass_=revoked, actor=None, reason="离职")
    client = _api(api_client, users["frontdesk"])
    assert _numbers(client.get("/api/passes/", {"kind": "resident_card"})) == [card.number]
    assert _numbers(client.get("/api/passes/", {"unit": unit_a.pk})) == sorted([current.number, ended.number])
    assert _numbers(client.get("/api/passes/", {"valid": "true"})) == sorted([current.number, card.number])
    assert _numbers(client.get("/api/passes/", {"valid": "false"})) == sorted([ended.number, revoked.number])
    assert _numbers(client.get("/api/passes/", {"number": card.number.lower()})) == [card.number]
    assert client.get("/api/passes/", {"kind": "nonsense"}).status_code == 400


def test_list_runs_a_fixed_number_of_queries(
    api_client, users, unit_a, unit_a2, django_assert_max_num_queries
):
    for i in range(30):
        make_pass(unit_a if i % 2 else unit_a2, holder_name=f"工人{i}")
    client = _api(api_client, users["frontdesk"])
    client.get("/api/passes/")  # warm the permission caches of this user object
    with django_assert_max_num_queries(6):
        response = client.get("/api/passes/")
    assert len(response.json()["results"]) == 25


# --- issuing by hand ----------------------------------------------------------------------------


def _new_pass(for_unit, **changes):
    start = timezone.now()
    return {
        "kind": "shop_staff",
        "unit": for_unit.pk,
        "holder_name": "店员小刘",
        "holder_mobile": "13700001111",
        "holder_id_number": HOLDER_ID,
        "valid_from": start.isoformat(),
        "valid_until": (start + timedelta(days=90)).isoformat(),
        "allowed_hours": "09:00–22:00",
        **changes,
    }


def test_desk_issues_a_shop_staff_pass(api_client, users, unit_a):
    response = _api(api_client, users["frontdesk"]).post("/api/passes/", _new_pass(unit_a), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    created = Pass.objects.get(pk=body["id"])
    assert (created.estate, created.unit, created.issued_by) == (unit_a.estate, unit_a, users["frontdesk"])
    assert body["number"].startswith(f"{unit_a.estate.code}P")
    assert body["holder_mobile"] == "137****1111" and HOLDER_ID not in response.content.decode()


@pytest.mark.parametrize("role", ["housekeeper", "technician", "engineer", "company"])
def test_only_issuers_issue(api_client, users, unit_a, role):
    response = _api(api_client, users[role]).post("/api/passes/", _new_pass(unit_a), format="json")
    assert response.status_code == 403
    assert not Pass.objects.exists()


def test_resident_cannot_issue(api_client, resident, unit_a):
    assert (
        _api(api_client, resident).post("/api/passes/", _new_pass(unit_a), format="json").status_code == 403
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"valid_until": "2020-01-01T00:00:00+08:00"}, "detail"),
        ({"holder_mobile": "1234"}, "detail"),
        ({"holder_id_number": "110101198001010000"}, "detail"),
        ({"kind": "renovation_worker"}, "kind"),
        ({"holder_name": ""}, "holder_name"),
        ({"unit": None}, "estate"),
        ({"valid_from": "1900-01-01T00:00:00+08:00"}, "valid_from"),
    ],
)
def test_bad_input_is_a_clear_400_and_changes_nothing(api_client, users, unit_a, changes, field):
    response = _api(api_client, users["frontdesk"]).post(
        "/api/passes/", _new_pass(unit_a, **changes), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Pass.objects.exists() and not PassCounter.objects.exists()


def test_unit_of_another_estate_is_refused(api_client, users, unit_b):
    response = _api(api_client, users["frontdesk"]).post("/api/passes/", _new_pass(unit_b), format="json")
    assert response.status_code == 400 and "unit" in response.json()
    assert not Pass.objects.exists()


# --- revoking ------------------------------------------------------------------------------------


def test_revoke_needs_a_reason(api_client, users, unit_a):
    pass_ = make_pass(unit_a)
    client = _api(api_client, users["clerk"])
    for body in ({}, {"reason": "   "}):
        response = client.post(f"/api/passes/{pass_.pk}/revoke/", body, format="json")
        assert response.status_code == 400 and "reason" in response.json()
    pass_.refresh_from_db()
    assert pass_.revoked_at is None


def test_revoke_with_a_reason(api_client, users, unit_a):
    pass_ = make_pass(unit_a)
    response = _api(api_client, users["clerk"]).post(
        f"/api/passes/{pass_.pk}/revoke/", {"reason": "装修已完工"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["revoke_reason"]) == ("revoked", "装修已完工")
    pass_.refresh_from_db()
    assert pass_.revoked_by == users["clerk"]


def test_revoke_is_refused_to_gate_staff_and_other_estates(api_client, users, unit_a, unit_b):
    mine, elsewhere = make_pass(unit_a), make_pass(unit_b)
    assert (
        _api(api_client, users["technician"])
        .post(f"/api/passes/{mine.pk}/revoke/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    assert (
        _api(api_client, users["frontdesk"])
        .post(f"/api/passes/{elsewhere.pk}/revoke/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )
    assert not Pass.objects.filter(revoked_at__isnull=False).exists()


# --- the gate check ------------------------------------------------------------------------------


def test_verify_a_valid_pass(api_client, users, unit_a):
    pass_ = make_pass(unit_a, holder_name="王师傅", allowed_hours="08:00–12:00")
    response = _api(api_client, users["technician"]).get(f"/api/passes/{pass_.number}/verify/")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["reason"] == ""
    assert (body["holder_name"], body["unit_code"], body["allowed_hours"]) == (
        "王师傅",
        unit_a.code,
        "08:00–12:00",
    )
    assert body["holder_id_masked"] == pass_.holder_id_masked and HOLDER_ID not in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_verify_ignores_case_and_spaces(api_client, users, unit_a):
    pass_ = make_pass(unit_a)
    typed = pass_.number.lower().replace("-", " - ")
    response = _api(api_client, users["frontdesk"]).get(f"/api/passes/{typed}/verify/")
    assert response.status_code == 200 and response.json()["number"] == pass_.number


def test_verify_revoked_and_expired_answer_not_valid_with_the_reason(api_client, users, unit_a):
    now = timezone.now()
    revoked = make_pass(unit_a)
    services.revoke_pass(pass_=revoked, actor=users["frontdesk"], reason="工人被辞退")
    expired = make_pass(unit_a, valid_from=now - timedelta(days=3), valid_until=now - timedelta(seconds=1))
    client = _api(api_client, users["housekeeper"])
    first = client.get(f"/api/passes/{revoked.number}/verify/").json()
    second = client.get(f"/api/passes/{expired.number}/verify/").json()
    assert (first["valid"], first["reason"], first["revoke_reason"]) == (False, "revoked", "工人被辞退")
    assert "工人被辞退" in first["reason_text"]
    assert (second["valid"], second["reason"]) == (False, "expired")


def test_verify_unknown_or_other_estate_is_404(api_client, users, unit_b):
    elsewhere = make_pass(unit_b)
    client = _api(api_client, users["frontdesk"])
    assert client.get("/api/passes/LJYP2026-424242/verify/").status_code == 404
    assert client.get(f"/api/passes/{elsewhere.number}/verify/").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("engineer", 200), ("technician", 200), ("housekeeper", 200), ("company", 403)],
)
def test_who_may_verify(api_client, users, unit_a, role, status):
    pass_ = make_pass(unit_a)
    assert _api(api_client, users[role]).get(f"/api/passes/{pass_.number}/verify/").status_code == status


def test_residents_and_strangers_cannot_verify(api_client, resident, unit_a):
    pass_ = make_pass(unit_a)
    assert api_client.get(f"/api/passes/{pass_.number}/verify/").status_code in (401, 403)
    assert _api(api_client, resident).get(f"/api/passes/{pass_.number}/verify/").status_code == 403


def test_verify_does_not_shadow_the_detail_route(api_client, users, unit_a):
    pass_ = make_pass(unit_a)
    client = _api(api_client, users["frontdesk"])
    assert client.get(f"/api/passes/{pass_.pk}/").json()["number"] == pass_.number
    assert client.get(f"/api/passes/{pass_.pk}/verify/").status_code == 404
