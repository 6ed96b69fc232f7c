"""The desk pages: the landing page and its fast forms, the lists (filters in the database,
scoping, query counts), the Excel exports, the item and parcel pages and their actions, and who
may do what."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from frontdesk import services
from frontdesk.models import LostItem, Parcel, Visitor
from tests.factories import UnitFactory, make_id_number, make_staff
from tests.frontdesk.helpers import png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def _visitor(unit, actor, name="陈晓东", **extra):
    return services.register_visitor(actor=actor, unit=unit, name=name, phone="13800138000", **extra)


def _item(estate, actor, description="黑色雨伞", **extra):
    return services.log_lost_item(
        actor=actor,
        estate=estate,
        description=description,
        found_place="大堂",
        storage_place="前台柜",
        **extra,
    )


def _parcel(unit, actor, number="SF0001", **extra):
    return services.log_parcel(actor=actor, unit=unit, carrier="顺丰", tracking_number=number, **extra)


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


# --- the landing page --------------------------------------------------------------------------


def test_home_shows_the_three_forms_and_the_latest_entries(client_as, unit_a, estate_a, users):
    _visitor(unit_a, users["frontdesk"], name="屋内访客")
    _item(estate_a, users["frontdesk"], description="蓝牙耳机")
    _parcel(unit_a, users["frontdesk"], number="JD7777")
    response = client_as(users["frontdesk"]).get(reverse("frontdesk:home"))
    assert response.status_code == 200
    html = response.content.decode()
    for action in ("visitor_create", "lost_item_create", "parcel_create"):
        assert reverse(f"frontdesk:{action}") in html
    assert "屋内访客" in html and "蓝牙耳机" in html and "JD7777" in html


def test_a_reader_sees_the_entries_but_no_forms(client_as, unit_a, users):
    _visitor(unit_a, users["frontdesk"], name="屋内访客")
    response = client_as(users["clerk"]).get(reverse("frontdesk:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "屋内访客" in html
    assert reverse("frontdesk:visitor_create") not in html


@pytest.mark.parametrize(("role", "status"), [("technician", 403), ("engineer", 403)])
def test_technicians_and_engineers_have_no_desk(client_as, users, role, status):
    assert client_as(users[role]).get(reverse("frontdesk:home")).status_code == status


def test_residents_find_no_desk(client_as, resident):
    assert client_as(resident).get(reverse("frontdesk:home")).status_code == 404


def test_the_menu_links_the_desk(client_as, users):
    response = client_as(users["frontdesk"]).get(reverse("frontdesk:home"))
    assert f'href="{reverse("frontdesk:home")}"' in response.content.decode()


# --- the fast forms ------------------------------------------------------------------------------


def test_register_a_visitor_from_the_desk(client_as, unit_a, users, resident):
    response = client_as(users["frontdesk"]).post(
        reverse("frontdesk:visitor_create"),
        {
            "visitor-unit_code": unit_a.code,
            "visitor-name": "林女士",
            "visitor-phone": "139 1234 5678",
            "visitor-purpose": "探亲",
            "visitor-notify_occupant": "on",
        },
    )
    assert response.status_code == 302
    visitor = Visitor.objects.get()
    assert (visitor.unit, visitor.name, visitor.phone) == (unit_a, "林女士", "13912345678")
    assert visitor.occupant_notified_at is not None


def test_an_unknown_unit_is_a_form_error(client_as, users):
    response = client_as(users["frontdesk"]).post(
        reverse("frontdesk:visitor_create"), {"visitor-unit_code": "99-9-9999", "visitor-name": "林女士"}
    )
    assert response.status_code == 400
    assert "No unit with this code" in response.content.decode()
    assert not Visitor.objects.exists()


def test_a_unit_of_another_estate_is_not_found(client_as, users, unit_b):
    response = client_as(users["frontdesk"]).post(
        reverse("frontdesk:visitor_create"), {"visitor-unit_code": unit_b.code, "visitor-name": "林女士"}
    )
    assert response.status_code == 400
    assert not Visitor.objects.exists()


def test_log_a_lost_item_with_its_photo(client_as, users, estate_a):
    response = client_as(users["frontdesk"]).post(
        reverse("frontdesk:lost_item_create"),
        {
            "lost-description": "儿童滑板车",
            "lost-found_place": "中心花园",
            "lost-storage_place": "物业仓库",
            "lost-photo": png(),
        },
    )
    assert response.status_code == 302
    item = LostItem.objects.get()
    assert item.estate == estate_a and item.photo
    photo = client_as(users["clerk"]).get(reverse("frontdesk:lost_item_photo", args=[item.pk]))
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content).startswith(b"\x89PNG")


def test_log_a_parcel_from_the_desk(client_as, unit_a, users):
    response = client_as(users["frontdesk"]).post(
        reverse("frontdesk:parcel_create"),
        {"parcel-unit_code": unit_a.code, "parcel-carrier": "京东", "parcel-tracking_number": "JDVA123"},
    )
    assert response.status_code == 302
    assert Parcel.objects.get().tracking_number == "JDVA123"


def test_a_reader_cannot_post_the_forms(client_as, unit_a, users):
    response = client_as(users["clerk"]).post(
        reverse("frontdesk:parcel_create"),
        {"parcel-unit_code": unit_a.code, "parcel-carrier": "京东", "parcel-tracking_number": "JDVA123"},
    )
    assert response.status_code == 403
    assert not Parcel.objects.exists()


# --- actions from the pages ----------------------------------------------------------------------


def test_departure_before_arrival_is_a_clear_message(client_as, unit_a, users):
    arrived = timezone.now() - timedelta(hours=1)
    visitor = _visitor(unit_a, users["frontdesk"], arrived_at=arrived)
    client = client_as(users["frontdesk"])
    response = client.post(
        reverse("frontdesk:visitor_leave", args=[visitor.pk]),
        {"left_at": timezone.localtime(arrived - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert "cannot leave before arriving" in response.content.decode()
    visitor.refresh_from_db()
    assert visitor.status == Visitor.Status.INSIDE
    client.post(reverse("frontdesk:visitor_leave", args=[visitor.pk]), {"next": "home"})
    visitor.refresh_from_db()
    assert visitor.status == Visitor.Status.LEFT


def test_claim_from_the_item_page_and_claim_again(client_as, estate_a, users):
    item = _item(estate_a, users["frontdesk"])
    client = client_as(users["frontdesk"])
    page = client.get(reverse("frontdesk:lost_item", args=[item.pk]))
    assert 'data-action="claim"' in page.content.decode()
    assert 'data-action="dispose"' not in page.content.decode()  # the keep period is not over
    url = reverse("frontdesk:lost_item_action", args=[item.pk, "claim"])
    values = {"claimant_name": "赵女士", "claimant_phone": "13912340000", "id_number": make_id_number(4)}
    client.post(url, values)
    item.refresh_from_db()
    assert item.status == LostItem.Status.CLAIMED
    response = client.post(url, {**values, "claimant_name": "别人"}, follow=True)
    assert "no longer held" in response.content.decode()
    item.refresh_from_db()
    assert item.claimant_name == "赵女士"


def test_a_reader_may_not_act_on_an_item(client_as, estate_a, users):
    item = _item(estate_a, users["frontdesk"])
    response = client_as(users["housekeeper"]).post(
        reverse("frontdesk:lost_item_action", args=[item.pk, "dispose"]), {"note": "丢弃"}
    )
    assert response.status_code == 403


def test_pick_up_from_the_desk(client_as, unit_a, users):
    parcel = _parcel(unit_a, users["frontdesk"])
    client_as(users["frontdesk"]).post(
        reverse("frontdesk:parcel_action", args=[parcel.pk, "pick-up"]),
        {"collected_by": "张业主", "next": "home"},
    )
    parcel.refresh_from_db()
    assert (parcel.status, parcel.collected_by, parcel.handed_over_by) == (
        Parcel.Status.PICKED_UP,
        "张业主",
        users["frontdesk"],
    )


def test_another_estates_item_is_not_found(client_as, estate_b, users):
    item = _item(estate_b, make_staff("frontdesk", estate_b, username="desk-b"))
    assert (
        client_as(users["frontdesk"]).get(reverse("frontdesk:lost_item", args=[item.pk])).status_code == 404
    )


# --- lists, filters, query counts, exports -------------------------------------------------------


def test_visitor_list_filters_in_the_database_and_masks_phones(client_as, unit_a, users):
    _visitor(unit_a, users["frontdesk"], name="陈晓东")
    _visitor(unit_a, users["frontdesk"], name="林女士")
    client = client_as(users["frontdesk"])
    html = client.get(reverse("frontdesk:visitors"), {"q": "林"}).content.decode()
    assert "林女士" in html and "陈晓东" not in html
    assert "138****8000" in html and "13800138000" not in html
    # A phone matches by its last four digits, never by a fragment of the hidden middle.
    assert "林女士" in client.get(reverse("frontdesk:visitors"), {"q": "8000"}).content.decode()
    assert "林女士" not in client.get(reverse("frontdesk:visitors"), {"q": "38001"}).content.decode()


def test_a_malformed_filter_is_a_400(client_as, users):
    response = client_as(users["frontdesk"]).get(reverse("frontdesk:visitors"), {"date_from": "not-a-date"})
    assert response.status_code == 400


def test_lists_are_scoped_to_the_users_estates(client_as, unit_a, unit_b, estate_b, users):
    desk_b = make_staff("frontdesk", estate_b, username="desk-b")
    _parcel(unit_a, users["frontdesk"], number="MINE01")
    _parcel(unit_b, desk_b, number="THEIRS01")
    html = client_as(users["frontdesk"]).get(reverse("frontdesk:parcels")).content.decode()
    assert "MINE01" in html and "THEIRS01" not in html


def _many(unit_a, estate_a, users, count, start=0):
    for index in range(start, start + count):
        unit = UnitFactory(building=unit_a.building)
        _visitor(unit, users["frontdesk"], name=f"访客{index}")
        _item(estate_a, users["frontdesk"], description=f"物品{index}")
        _parcel(unit, users["frontdesk"], number=f"SF{index:04d}")


@pytest.mark.parametrize(
    "name", ["frontdesk:visitors", "frontdesk:lost_items", "frontdesk:parcels", "frontdesk:home"]
)
def test_list_pages_run_a_fixed_number_of_queries(
    client_as, unit_a, estate_a, users, name, django_assert_max_num_queries
):
    client = client_as(users["frontdesk"])
    _many(unit_a, estate_a, users, 3)
    client.get(reverse(name))  # warm the session and the permission caches
    with django_assert_max_num_queries(15) as few:
        assert client.get(reverse(name)).status_code == 200
    _many(unit_a, estate_a, users, 12, start=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_visitor_export_holds_the_filtered_rows_with_masked_phones(client_as, unit_a, users):
    _visitor(unit_a, users["frontdesk"], name="陈晓东", purpose="=HYPERLINK(1)")
    _visitor(unit_a, users["frontdesk"], name="林女士")
    response = client_as(users["clerk"]).get(reverse("frontdesk:visitor_export"), {"q": "陈"})
    rows = _sheet(response)
    assert rows[0][:4] == ("Estate", "Unit", "Visitor's name", "Visitor's phone")
    assert len(rows) == 2
    assert rows[1][1:5] == (unit_a.code, "陈晓东", "138****8000", "'=HYPERLINK(1)")


def test_lost_item_export_lists_status_and_keep_date(client_as, estate_a, users):
    item = _item(estate_a, users["frontdesk"], description="钥匙一串")
    rows = _sheet(
        client_as(users["frontdesk"]).get(reverse("frontdesk:lost_item_export"), {"status": "held"})
    )
    assert len(rows) == 2
    assert rows[1][1] == "钥匙一串"
    assert rows[1][7] == item.keep_until.isoformat()


def test_parcel_export_is_scoped(client_as, unit_a, unit_b, estate_b, users):
    _parcel(unit_a, users["frontdesk"], number="MINE01")
    _parcel(unit_b, make_staff("frontdesk", estate_b, username="desk-b"), number="THEIRS01")
    rows = _sheet(client_as(users["frontdesk"]).get(reverse("frontdesk:parcel_export")))
    assert [row[4] for row in rows[1:]] == ["MINE01"]
