"""Key custody pages: the list, taking keys in, the custody page's actions, the unit page panel."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frontdesk.models import KeyCustody
from tests.factories import BuildingFactory, OccupancyFactory, UnitFactory
from tests.frontdesk.keys_helpers import COLLECTOR_ID, forget_id_checks, owner_with_id, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_id_check_counts():
    forget_id_checks()


@pytest.fixture
def owner(resident):
    return owner_with_id(resident)


def test_the_desk_takes_keys_in_from_the_page(client_as, users, unit_a, owner):
    client = client_as(users["frontdesk"])
    page = client.get(reverse("frontdesk:key_create"), {"code": unit_a.code})
    assert page.status_code == 200 and owner.name in page.content.decode()
    response = client.post(
        f"{reverse('frontdesk:key_create')}?unit={unit_a.pk}",
        {
            "owner": owner.pk,
            "description": "入户门",
            "quantity": 2,
            "storage_tag": "D-1",
            "collector_0_name": "张三",
            "collector_0_phone": "13800138001",
            "collector_0_id_number": COLLECTOR_ID,
        },
    )
    custody = KeyCustody.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "frontdesk:key_detail", args=[custody.pk]
    )
    assert custody.collectors.get().name == "张三"


def test_a_refused_registration_shows_the_reason(client_as, users, unit_a, owner):
    response = client_as(users["frontdesk"]).post(
        f"{reverse('frontdesk:key_create')}?unit={unit_a.pk}",
        {
            "owner": owner.pk,
            "description": "入户门",
            "quantity": 1,
            "storage_tag": "D-1",
            "collector_0_name": "张三",
            "collector_0_phone": "13800138001",
        },
    )
    assert response.status_code == 400
    assert "ID number" in response.content.decode()
    assert not KeyCustody.objects.exists()


def test_the_page_offers_what_the_workflow_allows_and_hands_out(client_as, users, unit_a, owner):
    custody = register(unit_a, owner, users["frontdesk"])
    client = client_as(users["frontdesk"])
    html = client.get(reverse("frontdesk:key_detail", args=[custody.pk])).content.decode()
    assert 'data-action="hand_out"' in html and 'data-action="return_to_owner"' in html
    assert 'data-action="take_back"' not in html
    assert COLLECTOR_ID not in html
    url = reverse("frontdesk:key_action", args=[custody.pk, "hand_out"])
    wrong = client.post(
        url, {"collector": custody.collectors.get().pk, "id_number": "110101198001010037"}, follow=True
    )
    assert "does not match" in wrong.content.decode()
    custody.refresh_from_db()
    assert custody.status == "held"
    client.post(url, {"collector": custody.collectors.get().pk, "id_number": COLLECTOR_ID})
    custody.refresh_from_db()
    assert custody.status == "handed_out"
    clerk_page = (
        client_as(users["clerk"]).get(reverse("frontdesk:key_detail", args=[custody.pk])).content.decode()
    )
    assert 'data-action="' not in clerk_page


def test_the_list_and_the_unit_panel_in_fixed_queries(
    client_as, users, unit_a, owner, estate_a, django_assert_max_num_queries
):
    register(unit_a, owner, users["frontdesk"])
    building = BuildingFactory(estate=estate_a, code="8")
    for index in range(6):
        unit = UnitFactory(building=building, number=f"{index + 1}02")
        register(unit, OccupancyFactory(unit=unit).person, users["frontdesk"], tag=f"L-{index}")
    client = client_as(users["frontdesk"])
    client.get(reverse("frontdesk:keys"))  # warm the session and the permission cache
    with django_assert_max_num_queries(14):
        response = client.get(reverse("frontdesk:keys"))
    assert (
        response.content.decode().count("frontdesk/keys/") >= 7
        or response.content.decode().count("/desk/keys/") >= 7
    )
    unit_page = client.get(reverse("residents:unit_detail", args=[unit_a.pk])).content.decode()
    assert 'data-testid="unit-keys"' in unit_page and "A-01" in unit_page


def test_the_custody_page_in_fixed_queries(client_as, users, unit_a, owner, django_assert_max_num_queries):
    from frontdesk.services import keys

    custody = register(unit_a, owner, users["frontdesk"])

    def round_trip():
        keys.hand_out_keys(
            custody=custody,
            actor=users["frontdesk"],
            collector=custody.collectors.get(),
            id_number=COLLECTOR_ID,
        )
        keys.take_back_keys(custody=custody, actor=users["frontdesk"])

    round_trip()
    client = client_as(users["frontdesk"])
    url = reverse("frontdesk:key_detail", args=[custody.pk])
    client.get(url)
    with django_assert_max_num_queries(16) as few:
        client.get(url)
    for _round in range(3):
        round_trip()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("张三") >= 8


def _sheet(response) -> list[tuple]:
    from io import BytesIO

    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_export_holds_the_filtered_list_masked_and_formula_safe(
    client_as, users, unit_a, unit_b, owner, estate_a, estate_b, django_assert_max_num_queries
):
    from frontdesk.services import keys
    from tests.factories import make_staff

    owner.mobile = "13900139000"
    owner.save()
    mine = register(
        unit_a,
        owner,
        users["frontdesk"],
        tag="=A1",
        collectors=[keys.CollectorInput(name="张三", phone="13800138001", id_number=COLLECTOR_ID)],
    )
    building = BuildingFactory(estate=estate_a, code="9")
    for index in range(4):
        unit = UnitFactory(building=building, number=f"{index + 1}01")
        register(unit, OccupancyFactory(unit=unit).person, users["frontdesk"], tag=f"X-{index}")
    register(unit_b, OccupancyFactory(unit=unit_b).person, make_staff("frontdesk", estate_b, username="kb"))
    client = client_as(users["frontdesk"])
    listing = client.get(reverse("frontdesk:keys"), {"q": unit_a.code, "page": "1"}).content.decode()
    assert f"{reverse('frontdesk:key_export')}?q={unit_a.code}" in listing
    with django_assert_max_num_queries(12):
        everything = _sheet(client.get(reverse("frontdesk:key_export")))
    assert everything[0][:6] == ("Estate", "Unit", "Keys", "Number of keys", "Storage tag", "Owner")
    assert len(everything) == 1 + 5  # estate B's custody is not there
    rows = _sheet(client.get(reverse("frontdesk:key_export"), {"q": unit_a.code}))
    assert len(rows) == 2
    row = rows[1]
    assert row[1:5] == (unit_a.code, "入户门、信箱", 2, "'=A1")
    assert row[5:8] == (owner.name, "139****9000", "张三 138****8001")
    assert row[8] == mine.get_status_display()
    assert "13900139000" not in str(rows) and "13800138001" not in str(rows)
    closed = _sheet(client.get(reverse("frontdesk:key_export"), {"status": "returned_to_owner"}))
    assert len(closed) == 1


def test_the_export_is_for_those_who_read_the_list(client_as, users, resident):
    assert client_as(resident).get(reverse("frontdesk:key_export")).status_code in (302, 403, 404)
    bad = client_as(users["frontdesk"]).get(reverse("frontdesk:key_export"), {"status": "nonsense"})
    assert bad.status_code == 400
