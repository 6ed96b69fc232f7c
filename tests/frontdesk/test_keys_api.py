"""Key custody API: /api/key-custody/ with hand-out, return and return-to-owner."""

from __future__ import annotations

import pytest

from frontdesk.models import KeyCustody
from residents.models import Person
from tests.factories import BuildingFactory, OccupancyFactory, UnitFactory
from tests.frontdesk.keys_helpers import COLLECTOR_ID, OWNER_ID, forget_id_checks, owner_with_id, register

pytestmark = pytest.mark.django_db
URL = "/api/key-custody/"


@pytest.fixture(autouse=True)
def _fresh_id_check_counts():
    forget_id_checks()


@pytest.fixture
def owner(resident):
    return owner_with_id(resident)


@pytest.fixture
def custody(unit_a, owner, users):
    return register(unit_a, owner, users["frontdesk"])


def test_the_desk_takes_keys_in(api_as, users, unit_a, owner):
    body = {
        "unit": unit_a.pk,
        "owner": owner.pk,
        "description": "入户门",
        "quantity": 1,
        "storage_tag": "C-3",
        "collectors": [{"name": "张三", "phone": "13800138001", "id_number": COLLECTOR_ID}],
    }
    response = api_as(users["frontdesk"]).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["unit_code"], data["storage_tag"]) == ("held", unit_a.code, "C-3")
    assert data["collectors"][0]["id_number"] != COLLECTOR_ID
    assert COLLECTOR_ID not in response.content.decode()


def test_bad_input_is_a_400_naming_the_rule(api_as, users, unit_a, owner):
    body = {
        "unit": unit_a.pk,
        "owner": owner.pk,
        "description": "入户门",
        "quantity": 1,
        "storage_tag": "C-3",
        "collectors": [{"name": "张三", "phone": "12", "id_number": COLLECTOR_ID}],
    }
    response = api_as(users["frontdesk"]).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "collector_phone_invalid"
    assert not KeyCustody.objects.exists()


def test_hand_out_to_someone_not_named_is_a_409_and_changes_nothing(
    api_as, users, custody, unit_a2, resident2
):
    other_owner = Person.objects.get(user=resident2)
    other = register(unit_a2, other_owner, users["frontdesk"], tag="Z-9")
    client = api_as(users["frontdesk"])
    response = client.post(
        f"{URL}{custody.pk}/hand-out/",
        {"collector": other.collectors.get().pk, "id_number": COLLECTOR_ID},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_named"
    custody.refresh_from_db()
    assert custody.status == "held" and not custody.movements.exists()


def test_the_whole_round_through_the_api(api_as, users, custody, owner):
    client = api_as(users["frontdesk"])
    collector = custody.collectors.get()
    out = client.post(
        f"{URL}{custody.pk}/hand-out/", {"collector": collector.pk, "id_number": COLLECTOR_ID}, format="json"
    )
    assert out.status_code == 200 and out.json()["status"] == "handed_out"
    again = client.post(
        f"{URL}{custody.pk}/hand-out/", {"collector": collector.pk, "id_number": COLLECTOR_ID}, format="json"
    )
    assert again.status_code == 409
    back = client.post(f"{URL}{custody.pk}/return/", {"note": "按时归还"}, format="json")
    assert back.status_code == 200 and back.json()["status"] == "held"
    wrong = client.post(f"{URL}{custody.pk}/return-to-owner/", {"id_number": COLLECTOR_ID}, format="json")
    assert wrong.status_code == 409
    done = client.post(f"{URL}{custody.pk}/return-to-owner/", {"id_number": OWNER_ID}, format="json")
    assert done.status_code == 200
    data = done.json()
    assert data["status"] == "returned_to_owner"
    assert [m["direction"] for m in data["movements"]] == ["out", "in", "out"]
    assert [e["action"] for e in data["events"]] == ["register", "hand_out", "take_back", "return_to_owner"]


def test_the_clerk_reads_but_does_not_hand_out(api_as, users, custody):
    client = api_as(users["clerk"])
    assert client.get(f"{URL}{custody.pk}/").status_code == 200
    response = client.post(
        f"{URL}{custody.pk}/hand-out/", {"collector": custody.collectors.get().pk, "id_number": COLLECTOR_ID}
    )
    assert response.status_code == 403


def test_another_estates_keys_do_not_exist(api_as, custody, estate_b):
    from tests.factories import make_staff

    outsider = make_staff("frontdesk", estate_b, username="desk-b")
    client = api_as(outsider)
    assert client.get(f"{URL}{custody.pk}/").status_code == 404
    assert client.get(URL).json()["count"] == 0


def test_the_list_filters_in_the_database_in_fixed_queries(
    api_as, users, custody, estate_a, django_assert_max_num_queries
):
    building = BuildingFactory(estate=estate_a, code="9")
    for index in range(8):
        unit = UnitFactory(building=building, number=f"{index + 1}01")
        person = OccupancyFactory(unit=unit).person
        register(unit, person, users["frontdesk"], tag=f"T-{index}")
    client = api_as(users["frontdesk"])
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"status": "open"})
    assert response.json()["count"] == 9
    assert client.get(URL, {"q": "T-3"}).json()["count"] == 1
    assert client.get(URL, {"status": "returned_to_owner"}).json()["count"] == 0
    assert client.get(URL, {"status": "nonsense"}).status_code == 400
