"""The desk logs' API: creating, the workflow actions (a second claim is a 409), filters, masking,
scoping (residents: their own units' parcels only) and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from frontdesk import services
from frontdesk.models import LostItem, Parcel, Visitor
from tests.factories import UnitFactory, make_id_number, make_staff

pytestmark = pytest.mark.django_db


def _visitor(unit, actor, name="陈晓东", **extra):
    return services.register_visitor(actor=actor, unit=unit, name=name, phone="13800138000", **extra)


def _item(estate, actor, description="黑色雨伞"):
    return services.log_lost_item(
        actor=actor, estate=estate, description=description, found_place="大堂", storage_place="前台柜"
    )


def _parcel(unit, actor, number="SF0001"):
    return services.log_parcel(actor=actor, unit=unit, carrier="顺丰", tracking_number=number)


def test_register_a_visitor_and_see_the_phone_masked(api_as, unit_a, users):
    api = api_as(users["frontdesk"])
    response = api.post(
        "/api/visitors/", {"unit": unit_a.pk, "name": "林女士", "phone": "13912345678"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "139****5678"
    assert Visitor.objects.get().phone == "13912345678"


def test_leave_before_arrival_is_a_400_with_the_reason(api_as, unit_a, users):
    arrived = timezone.now() - timedelta(hours=1)
    visitor = _visitor(unit_a, users["frontdesk"], arrived_at=arrived)
    response = api_as(users["frontdesk"]).post(
        f"/api/visitors/{visitor.pk}/leave/",
        {"left_at": (arrived - timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "left_before_arrival"
    ok = api_as(users["frontdesk"]).post(f"/api/visitors/{visitor.pk}/leave/", {}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "left"


def test_claim_then_claim_again_is_a_409(api_as, estate_a, users):
    item = _item(estate_a, users["frontdesk"])
    api = api_as(users["frontdesk"])
    body = {"claimant_name": "赵女士", "claimant_phone": "13912340000", "id_number": make_id_number(8)}
    first = api.post(f"/api/lost-items/{item.pk}/claim/", body, format="json")
    assert first.status_code == 200, first.content
    assert "id_number" not in first.json()
    assert first.json()["claimant_phone"] == "139****0000"
    second = api.post(f"/api/lost-items/{item.pk}/claim/", {**body, "claimant_name": "别人"}, format="json")
    assert second.status_code == 409
    assert second.json()["detail"]
    item.refresh_from_db()
    assert item.claimant_name == "赵女士"


def test_dispose_early_is_refused_for_the_desk_and_allowed_for_a_manager(api_as, estate_a, users):
    item = _item(estate_a, users["frontdesk"])
    early = api_as(users["frontdesk"]).post(
        f"/api/lost-items/{item.pk}/dispose/", {"note": "丢弃"}, format="json"
    )
    assert early.status_code == 400
    assert early.json()["code"] == "keep_period_not_over"
    done = api_as(users["manager"]).post(
        f"/api/lost-items/{item.pk}/dispose/", {"note": "变质丢弃"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "disposed"


def test_log_a_lost_item_as_json(api_as, estate_a, users):
    response = api_as(users["supervisor"]).post(
        "/api/lost-items/",
        {"estate": estate_a.pk, "description": "钱包", "found_place": "电梯", "storage_place": "保险柜"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["keep_until"] == (timezone.localdate() + timedelta(days=90)).isoformat()


def test_parcel_pick_up_and_return(api_as, unit_a, users):
    api = api_as(users["frontdesk"])
    created = api.post(
        "/api/parcels/", {"unit": unit_a.pk, "carrier": "中通", "tracking_number": "ZT001"}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    picked = api.post(f"/api/parcels/{pk}/pick-up/", {"collected_by": "张业主"}, format="json")
    assert picked.status_code == 200 and picked.json()["collected_by"] == "张业主"
    assert api.post(f"/api/parcels/{pk}/return/", {}, format="json").status_code == 409
    assert Parcel.objects.get(pk=pk).status == Parcel.Status.PICKED_UP


@pytest.mark.parametrize("role", ["clerk", "housekeeper"])
def test_readers_read_but_do_not_act(api_as, unit_a, users, role):
    parcel = _parcel(unit_a, users["frontdesk"])
    api = api_as(users[role])
    assert api.get("/api/parcels/").status_code == 200
    assert (
        api.post(f"/api/parcels/{parcel.pk}/pick-up/", {"collected_by": "x"}, format="json").status_code
        == 403
    )


@pytest.mark.parametrize("url", ["/api/visitors/", "/api/lost-items/", "/api/parcels/"])
def test_technicians_see_nothing(api_as, users, url):
    assert api_as(users["technician"]).get(url).status_code == 403


def test_residents_read_their_own_parcels_only(api_as, unit_a, unit_a2, users, resident, resident2):
    mine = _parcel(unit_a, users["frontdesk"], number="MINE01")
    theirs = _parcel(unit_a2, users["frontdesk"], number="THEIRS01")
    api = api_as(resident)
    assert [row["tracking_number"] for row in api.get("/api/parcels/").json()["results"]] == ["MINE01"]
    assert api.get(f"/api/parcels/{mine.pk}/").status_code == 200
    assert api.get(f"/api/parcels/{theirs.pk}/").status_code == 404
    assert api.get("/api/visitors/").status_code == 403
    assert api.get("/api/lost-items/").status_code == 403
    assert (
        api.post(f"/api/parcels/{mine.pk}/pick-up/", {"collected_by": "我"}, format="json").status_code == 403
    )


def test_staff_of_another_estate_get_a_404(api_as, estate_a, estate_b, users):
    item = _item(estate_a, users["frontdesk"])
    stranger = make_staff("frontdesk", estate_b, username="desk-b")
    assert api_as(stranger).get(f"/api/lost-items/{item.pk}/").status_code == 404
    body = {"claimant_name": "x", "claimant_phone": "13912340000", "id_number": make_id_number(8)}
    assert api_as(stranger).post(f"/api/lost-items/{item.pk}/claim/", body, format="json").status_code == 404


def test_filters(api_as, unit_a, estate_a, users):
    _visitor(unit_a, users["frontdesk"], name="陈晓东")
    left = _visitor(unit_a, users["frontdesk"], name="林女士", arrived_at=timezone.now() - timedelta(hours=1))
    services.record_visitor_departure(visitor=left, actor=users["frontdesk"])
    api = api_as(users["frontdesk"])
    assert [r["name"] for r in api.get("/api/visitors/", {"status": "inside"}).json()["results"]] == [
        "陈晓东"
    ]
    assert len(api.get("/api/visitors/", {"q": "8000"}).json()["results"]) == 2
    assert api.get("/api/visitors/", {"q": "138001"}).json()["results"] == []
    assert api.get("/api/visitors/", {"date_from": "bad"}).status_code == 400
    _item(estate_a, users["frontdesk"], description="钥匙")
    assert [r["description"] for r in api.get("/api/lost-items/", {"q": "钥匙"}).json()["results"]] == [
        "钥匙"
    ]


@pytest.mark.parametrize("url", ["/api/visitors/", "/api/lost-items/", "/api/parcels/"])
def test_api_lists_run_a_fixed_number_of_queries(
    api_as, unit_a, estate_a, users, url, django_assert_max_num_queries
):
    api = api_as(users["frontdesk"])

    def more(start, count):
        for index in range(start, start + count):
            unit = UnitFactory(building=unit_a.building)
            _visitor(unit, users["frontdesk"], name=f"访客{index}")
            _item(estate_a, users["frontdesk"], description=f"物品{index}")
            _parcel(unit, users["frontdesk"], number=f"SF{index:04d}")

    more(0, 2)
    api.get(url)
    with django_assert_max_num_queries(10) as few:
        assert api.get(url).status_code == 200
    more(2, 10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(url).json()["results"]) == 12


def test_lost_item_not_found_is_404(api_as, users):
    assert api_as(users["frontdesk"]).get("/api/lost-items/999999/").status_code == 404
    assert LostItem.objects.count() == 0
