"""The archive REST API: scoping, permissions, masking, reveal/verify, writes through services."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from residents.models import Building, Occupancy, Person, SensitiveAccessLog, Unit
from servicecenter.crypto import keyed_hash
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    OccupancyFactory,
    PersonFactory,
    UnitFactory,
    make_id_number,
    make_staff,
)

ID_A = make_id_number(11)
ID_B = make_id_number(12)
MOBILE_A = "13912345678"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person_a(unit_a):
    person = PersonFactory(
        estate=unit_a.estate,
        name="王伟",
        mobile=MOBILE_A,
        other_phones="13700001111, 0755-12345678",
        emergency_contact_phone="13600002222",
        id_number=ID_A,
    )
    OccupancyFactory(unit=unit_a, person=person, role=Occupancy.Role.OWNER)
    return person


@pytest.fixture
def person_b(unit_b):
    person = PersonFactory(estate=unit_b.estate, name="赵六", mobile="13955556666", id_number=ID_B)
    OccupancyFactory(unit=unit_b, person=person)
    return person


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["results"])


# --- Token auth ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_endpoint_and_token_header(users):
    client = APIClient()
    response = client.post(reverse("api-token"), {"username": "frontdesk", "password": "pw"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]

    assert client.get("/api/units/").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/units/").status_code == 200

    assert client.post(reverse("api-token"), {"username": "frontdesk", "password": "no"}).status_code == 400
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/units/")
    # 401 with the token challenge (servicecenter.authentication.SessionAuthentication).
    assert response.status_code == 401 and response.json()["detail"] == "Invalid token."
    assert response["WWW-Authenticate"] == "Token"


# --- Scoping ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_of_estate_a_get_404_for_estate_b(api_as, users, unit_a, unit_b, person_a, person_b):
    client = api_as(users["frontdesk"])
    assert ids(client.get("/api/units/")) == [unit_a.pk]
    assert ids(client.get("/api/persons/")) == [person_a.pk]
    assert client.get(f"/api/units/{unit_b.pk}/").status_code == 404
    assert client.get(f"/api/persons/{person_b.pk}/").status_code == 404
    assert client.get(f"/api/buildings/{unit_b.building_id}/").status_code == 404
    assert client.get(f"/api/estates/{unit_b.estate_id}/").status_code == 404
    occupancy_b = Occupancy.objects.get(unit=unit_b)
    assert client.get(f"/api/occupancies/{occupancy_b.pk}/").status_code == 404
    assert client.patch(f"/api/persons/{person_b.pk}/", {"name": "x"}, format="json").status_code == 404


@pytest.mark.django_db
def test_company_sees_every_estate(api_as, users, unit_a, unit_b):
    assert ids(api_as(users["company"]).get("/api/units/")) == sorted([unit_a.pk, unit_b.pk])


@pytest.mark.django_db
def test_resident_reads_only_their_own_archive(
    api_as, resident, resident2, unit_a, unit_a2, unit_b, estate_a
):
    client = api_as(resident)
    assert ids(client.get("/api/units/")) == [unit_a.pk]
    assert ids(client.get("/api/estates/")) == [estate_a.pk]
    assert ids(client.get("/api/buildings/")) == [unit_a.building_id]
    own = Person.objects.get(user=resident)
    assert ids(client.get("/api/persons/")) == [own.pk]
    assert ids(client.get("/api/occupancies/")) == list(
        Occupancy.objects.filter(person=own).values_list("pk", flat=True)
    )
    assert client.get(f"/api/units/{unit_a.pk}/").status_code == 200
    assert client.get(f"/api/units/{unit_a2.pk}/").status_code == 404
    assert client.get(f"/api/units/{unit_b.pk}/").status_code == 404

    neighbour = api_as(resident2)
    assert neighbour.get(f"/api/units/{unit_a.pk}/").status_code == 404
    assert neighbour.get(f"/api/persons/{own.pk}/").status_code == 404


@pytest.mark.django_db
def test_resident_may_not_write_or_read_logs(api_as, resident, unit_a, estate_a):
    client = api_as(resident)
    own = Person.objects.get(user=resident)
    assert client.patch(f"/api/persons/{own.pk}/", {"name": "x"}, format="json").status_code == 403
    assert (
        client.post("/api/persons/", {"estate": estate_a.pk, "name": "x"}, format="json").status_code == 403
    )
    assert client.patch(f"/api/units/{unit_a.pk}/", {"area": "1.00"}, format="json").status_code == 403
    assert (
        client.post(f"/api/persons/{own.pk}/reveal/", {"reason": "curious"}, format="json").status_code == 403
    )
    assert client.get("/api/access-logs/").status_code == 403
    assert client.get("/api/teams/").status_code == 403
    own.refresh_from_db()
    assert own.name != "x"


@pytest.mark.django_db
def test_model_permissions_map_to_methods(api_as, users, estate_a, unit_a, person_a):
    technician = api_as(users["technician"])
    assert technician.get("/api/units/").status_code == 200
    assert technician.get("/api/persons/").status_code == 403
    response = technician.post("/api/persons/", {"estate": estate_a.pk, "name": "张三"}, format="json")
    assert response.status_code == 403

    frontdesk = api_as(users["frontdesk"])
    assert frontdesk.patch(f"/api/units/{unit_a.pk}/", {"area": "1.00"}, format="json").status_code == 403
    assert (
        frontdesk.post("/api/buildings/", {"estate": estate_a.pk, "code": "99"}, format="json").status_code
        == 403
    )
    assert frontdesk.get("/api/access-logs/").status_code == 403

    manager = api_as(users["manager"])
    for url in (f"/api/units/{unit_a.pk}/", f"/api/persons/{person_a.pk}/", f"/api/estates/{estate_a.pk}/"):
        assert manager.delete(url).status_code in (403, 405)
    assert manager.put(f"/api/persons/{person_a.pk}/", {"name": "x"}, format="json").status_code == 405
    assert Unit.objects.filter(pk=unit_a.pk).exists() and Person.objects.filter(pk=person_a.pk).exists()


# --- Masking ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_person_json_is_masked(api_as, users, person_a):
    client = api_as(users["manager"])
    for response in (client.get("/api/persons/"), client.get(f"/api/persons/{person_a.pk}/")):
        body = response.content.decode()
        for full in (MOBILE_A, ID_A, "13700001111", "0755-12345678", "13600002222"):
            assert full not in body
    data = client.get(f"/api/persons/{person_a.pk}/").json()
    assert data["mobile"] == "139****5678"
    assert data["id_number"] == ID_A[:3] + "*" * 11 + ID_A[-4:]
    assert data["emergency_contact_phone"] == "136****2222"
    assert data["other_phones"] == "137****1111, 075******5678"


@pytest.mark.django_db
def test_filter_persons_by_phone_digits_without_showing_them(api_as, users, person_a):
    response = api_as(users["frontdesk"]).get("/api/persons/", {"q": "5678"})
    assert ids(response) == [person_a.pk]
    assert MOBILE_A not in response.content.decode()


# --- Person writes -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_person_takes_full_numbers_and_answers_masked(api_as, users, estate_a):
    response = api_as(users["frontdesk"]).post(
        "/api/persons/",
        {"estate": estate_a.pk, "name": "李娜", "mobile": "138 0013 8000", "id_number": ID_B.lower()},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.content.decode()
    assert "13800138000" not in body and ID_B not in body
    person = Person.objects.get(pk=response.json()["id"])
    assert person.mobile == "13800138000"
    assert person.id_number_hash == keyed_hash(ID_B)
    assert person.decrypted_id_number() == ID_B


@pytest.mark.django_db
def test_create_person_in_another_estate_is_refused(api_as, users, estate_b):
    response = api_as(users["frontdesk"]).post(
        "/api/persons/", {"estate": estate_b.pk, "name": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "estate" in response.json()
    assert not Person.objects.filter(estate=estate_b).exists()


@pytest.mark.django_db
def test_invalid_person_is_400_with_field_errors_and_nothing_written(api_as, users, estate_a):
    bad_id = ID_B[:-1] + ("0" if ID_B[-1] != "0" else "1")
    response = api_as(users["frontdesk"]).post(
        "/api/persons/",
        {"estate": estate_a.pk, "name": "李娜", "mobile": "12345", "id_number": bad_id},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert "11 digits" in errors["mobile"][0]
    assert "check character" in errors["id_number"][0]
    assert not Person.objects.filter(estate=estate_a).exists()


@pytest.mark.django_db
def test_duplicate_id_number_is_400(api_as, users, estate_a, person_a):
    response = api_as(users["frontdesk"]).post(
        "/api/persons/", {"estate": estate_a.pk, "name": "冒名", "id_number": ID_A}, format="json"
    )
    assert response.status_code == 400
    assert "already" in response.json()["id_number"][0]
    assert Person.objects.filter(estate=estate_a).count() == 1


@pytest.mark.django_db
def test_errors_come_in_the_requests_language(api_as, users, estate_a):
    client = api_as(users["frontdesk"])
    response = client.post(
        "/api/persons/", {"estate": estate_a.pk}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert response.json()["name"] == ["该字段是必填项。"]  # DRF's own catalogue
    response = client.post("/api/persons/", {"estate": estate_a.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["name"] == ["This field is required."]


@pytest.mark.django_db
def test_patch_person_keeps_or_changes_the_id_number(api_as, users, person_a):
    client = api_as(users["frontdesk"])
    response = client.patch(f"/api/persons/{person_a.pk}/", {"mobile": "13500000000"}, format="json")
    assert response.status_code == 200
    assert "13500000000" not in response.content.decode()
    person_a.refresh_from_db()
    assert person_a.mobile == "13500000000" and person_a.id_number_hash == keyed_hash(ID_A)

    client.patch(f"/api/persons/{person_a.pk}/", {"id_number": ID_B}, format="json")
    person_a.refresh_from_db()
    assert person_a.id_number_hash == keyed_hash(ID_B)

    response = client.patch(f"/api/persons/{person_a.pk}/", {"mobile": "999"}, format="json")
    assert response.status_code == 400
    person_a.refresh_from_db()
    assert person_a.mobile == "13500000000"


# --- Reveal and verify ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reveal_returns_full_numbers_and_logs_it(api_as, users, person_a):
    response = api_as(users["housekeeper"]).post(
        f"/api/persons/{person_a.pk}/reveal/", {"reason": "owner called about a leak"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "id_number": ID_A,
        "mobile": MOBILE_A,
        "other_phones": "13700001111, 0755-12345678",
        "emergency_contact_phone": "13600002222",
    }
    assert "no-store" in response["Cache-Control"]
    log = SensitiveAccessLog.objects.get()
    assert (log.actor, log.person, log.action, log.reason) == (
        users["housekeeper"],
        person_a,
        "reveal",
        "owner called about a leak",
    )


@pytest.mark.django_db
def test_reveal_needs_permission_and_a_reason(api_as, users, person_a, person_b):
    response = api_as(users["frontdesk"]).post(
        f"/api/persons/{person_a.pk}/reveal/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert ID_A not in response.content.decode()
    housekeeper = api_as(users["housekeeper"])
    response = housekeeper.post(f"/api/persons/{person_a.pk}/reveal/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert (
        housekeeper.post(f"/api/persons/{person_b.pk}/reveal/", {"reason": "x"}, format="json").status_code
        == 404
    )
    assert not SensitiveAccessLog.objects.exists()


@pytest.mark.django_db
def test_verify_id_answers_yes_or_no_and_logs(api_as, users, person_a):
    client = api_as(users["frontdesk"])
    response = client.post(
        f"/api/persons/{person_a.pk}/verify-id/", {"id_number": ID_A.lower()}, format="json"
    )
    assert response.json() == {"matched": True}
    response = client.post(f"/api/persons/{person_a.pk}/verify-id/", {"id_number": ID_B}, format="json")
    assert response.json() == {"matched": False}
    assert list(SensitiveAccessLog.objects.order_by("created_at", "pk").values_list("action", "matched")) == [
        ("verify_id", True),
        ("verify_id", False),
    ]


@pytest.mark.django_db
def test_verify_id_needs_permission(api_as, users, person_a):
    response = api_as(users["technician"]).post(
        f"/api/persons/{person_a.pk}/verify-id/", {"id_number": ID_A}, format="json"
    )
    assert response.status_code == 403
    assert not SensitiveAccessLog.objects.exists()


@pytest.mark.django_db
def test_verify_id_is_rate_limited_with_a_translated_429(api_as, users, person_a, settings):
    settings.ID_VERIFY_RATE_LIMIT = 2
    client = api_as(users["frontdesk"])
    url = f"/api/persons/{person_a.pk}/verify-id/"
    assert client.post(url, {"id_number": ID_B}, format="json").status_code == 200
    assert client.post(url, {"id_number": ID_B}, format="json").status_code == 200
    response = client.post(url, {"id_number": ID_A}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert response.json() == {
        "detail": "Too many ID checks; please wait a few minutes and try again.",
        "code": "rate_limited",
    }
    assert SensitiveAccessLog.objects.count() == 2


# --- Units, buildings, occupancies -------------------------------------------------------------------


@pytest.mark.django_db
def test_manager_creates_and_changes_buildings_and_units(api_as, users, estate_a, estate_b):
    client = api_as(users["manager"])
    response = client.post(
        "/api/buildings/", {"estate": estate_a.pk, "code": "7", "name": "7栋"}, format="json"
    )
    assert response.status_code == 201, response.content
    building_id = response.json()["id"]
    duplicate = client.post("/api/buildings/", {"estate": estate_a.pk, "code": "7"}, format="json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()
    assert (
        client.post("/api/buildings/", {"estate": estate_b.pk, "code": "8"}, format="json").status_code == 400
    )

    response = client.post(
        "/api/units/",
        {
            "building": building_id,
            "entrance": "1",
            "number": "0301",
            "floor": 3,
            "area": "95.30",
            "state": "vacant",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "7-1-0301" and response.json()["estate"] == estate_a.pk
    unit_id = response.json()["id"]
    assert (
        client.post(
            "/api/units/",
            {"building": building_id, "entrance": "1", "number": "0301", "area": "1"},
            format="json",
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/units/", {"building": building_id, "number": "0302", "area": "-1"}, format="json"
        ).status_code
        == 400
    )

    response = client.patch(f"/api/units/{unit_id}/", {"number": "0302", "area": "96.00"}, format="json")
    assert response.status_code == 200
    assert response.json()["code"] == "7-1-0302"

    client.patch(f"/api/buildings/{building_id}/", {"code": "7A"}, format="json")
    assert Unit.objects.get(pk=unit_id).code == "7A-1-0302"
    assert Building.objects.filter(estate=estate_a, code="7A").exists()


@pytest.mark.django_db
def test_occupancy_create_and_end(api_as, users, unit_a, person_a, estate_a):
    newcomer = PersonFactory(estate=estate_a, name="租客")
    client = api_as(users["frontdesk"])
    response = client.post(
        "/api/occupancies/",
        {"unit": unit_a.pk, "person": newcomer.pk, "role": "tenant", "start_date": "2024-03-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    occupancy_id = response.json()["id"]
    assert response.json()["unit_code"] == "3-2-1101"

    again = client.post(
        "/api/occupancies/", {"unit": unit_a.pk, "person": newcomer.pk, "role": "tenant"}, format="json"
    )
    assert again.status_code == 400 and again.json()["code"] == "invalid"

    end = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(f"/api/occupancies/{occupancy_id}/end/", {"end_date": end}, format="json")
    assert response.status_code == 200
    assert response.json()["end_date"] == end and response.json()["is_current"] is False
    assert client.post(f"/api/occupancies/{occupancy_id}/end/", {}, format="json").status_code == 400

    technician = api_as(users["technician"])
    assert technician.post(f"/api/occupancies/{occupancy_id}/end/", {}, format="json").status_code == 403


@pytest.mark.django_db
def test_occupancy_across_estates_is_refused(api_as, users, unit_a, person_b):
    response = api_as(users["company"]).post(
        "/api/occupancies/", {"unit": unit_a.pk, "person": person_b.pk, "role": "owner"}, format="json"
    )
    assert response.status_code == 403  # company reads only
    regional = make_staff("supervisor", unit_a.estate, person_b.estate, username="regional")
    response = api_as(regional).post(
        "/api/occupancies/", {"unit": unit_a.pk, "person": person_b.pk, "role": "owner"}, format="json"
    )
    assert response.status_code == 400
    assert "different estates" in response.json()["detail"]


@pytest.mark.django_db
def test_unit_filters(api_as, users, building_a, unit_a, unit_a2):
    parking = UnitFactory(
        building=building_a, entrance="", number="P001", use=Unit.Use.PARKING, state="vacant"
    )
    client = api_as(users["frontdesk"])
    assert ids(client.get("/api/units/", {"use": "parking"})) == [parking.pk]
    assert ids(client.get("/api/units/", {"q": "3-2-110"})) == sorted([unit_a.pk, unit_a2.pk])
    assert ids(client.get("/api/units/", {"state": "vacant"})) == [parking.pk]


@pytest.mark.django_db
def test_access_log_is_for_managers_and_company(api_as, users, person_a):
    SensitiveAccessLog.objects.create(
        estate=person_a.estate, actor=users["housekeeper"], person=person_a, action="reveal", reason="r"
    )
    for role in ("manager", "company"):
        response = api_as(users[role]).get("/api/access-logs/")
        assert response.status_code == 200 and response.json()["count"] == 1
    for role in ("frontdesk", "housekeeper", "supervisor"):
        assert api_as(users[role]).get("/api/access-logs/").status_code == 403


# --- Query counts --------------------------------------------------------------------------------------


@pytest.fixture
def crowded_estate(estate_a, building_a, users):
    """35 of everything in estate A, each row with its own related objects."""
    for n in range(35):
        unit = UnitFactory(building=BuildingFactory(estate=estate_a), entrance="1", number=f"8{n:03d}")
        person = PersonFactory(estate=estate_a, id_number=make_id_number(100 + n))
        OccupancyFactory(unit=unit, person=person)
        SensitiveAccessLog.objects.create(
            estate=estate_a,
            actor=make_staff("housekeeper", estate_a, username=f"hk{n}"),
            person=person,
            action="reveal",
        )
    return estate_a


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/units/",
        "/api/persons/",
        "/api/occupancies/",
        "/api/buildings/",
        "/api/access-logs/",
    ],
)
def test_list_endpoints_do_not_grow_queries_with_rows(
    api_as, users, crowded_estate, url, django_assert_max_num_queries
):
    client = api_as(users["manager"])
    with django_assert_max_num_queries(9):
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] >= 30
    assert len(response.json()["results"]) >= 30


@pytest.mark.django_db
def test_resident_unit_list_query_count(api_as, resident, crowded_estate, django_assert_max_num_queries):
    client = api_as(resident)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/units/").json()["results"]) == 1


@pytest.mark.django_db
def test_start_date_defaults_to_today(api_as, users, unit_a2, estate_a):
    person = PersonFactory(estate=estate_a)
    response = api_as(users["frontdesk"]).post(
        "/api/occupancies/", {"unit": unit_a2.pk, "person": person.pk, "role": "owner"}, format="json"
    )
    assert response.json()["start_date"] == timezone.localdate().isoformat()


@pytest.mark.django_db
def test_estate_list_for_the_company_query_count(api_as, users, django_assert_max_num_queries):
    for n in range(32):
        EstateFactory(code=f"Q{n:02d}")
    client = api_as(users["company"])
    with django_assert_max_num_queries(8):
        response = client.get("/api/estates/", {"page_size": 50})
    assert response.json()["count"] == 33
