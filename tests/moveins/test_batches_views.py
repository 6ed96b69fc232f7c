"""The batch pages, spot checks, the warranty report page and its Excel, the figures page; and the
API of batches, slots and the warranty report: roles, estate scoping, query counts."""

from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from moveins.models import MoveIn, MoveInBatch, MoveInSlot, SpotCheck
from tests.factories import UnitFactory, make_staff
from tests.moveins.factories import (
    DefectFactory,
    InspectionFactory,
    MoveInBatchFactory,
    MoveInFactory,
    MoveInSlotFactory,
)

pytestmark = pytest.mark.django_db
Status = MoveIn.Status


@pytest.fixture
def running_batch(estate_a):
    today = timezone.localdate()
    return MoveInBatchFactory(estate=estate_a, starts_on=today, ends_on=today + timedelta(days=20))


def future_slot(batch, *, days=1, capacity=2):
    start = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=days), time(9, 0)))
    return MoveInSlotFactory(
        batch=batch, starts_at=start, ends_at=start + timedelta(hours=1), capacity=capacity
    )


def fill_batch(batch, building, count=6):
    for index in range(count):
        status = [Status.SCHEDULED, Status.FEES, Status.RECTIFICATION, Status.COMPLETED][index % 4]
        move_in = MoveInFactory(unit=UnitFactory(building=building), batch=batch, status=status)
        if status == Status.RECTIFICATION:
            DefectFactory(inspection=InspectionFactory(move_in=move_in))


# --- pages --------------------------------------------------------------------------------------


def test_batch_list_is_scoped_and_paginated(
    client_as, users, estate_a, estate_b, django_assert_max_num_queries
):
    for index in range(30):
        MoveInBatchFactory(estate=estate_a, name=f"A批次{index}")
    MoveInBatchFactory(estate=estate_b, name="B批次")
    client = client_as(users["frontdesk"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("moveins:batches"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25
    assert "B批次" not in response.content.decode()


def test_batch_list_filters_the_running_ones(client_as, users, estate_a, running_batch):
    MoveInBatchFactory(
        estate=estate_a, name="去年的批次", starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 31)
    )
    response = client_as(users["manager"]).get(reverse("moveins:batches"), {"running": "1"})
    assert [b.pk for b in response.context["page"].object_list] == [running_batch.pk]


def test_batch_page_shows_the_board_and_slots(
    client_as, users, building_a, running_batch, django_assert_max_num_queries
):
    fill_batch(running_batch, building_a, count=8)
    for day in range(1, 6):
        future_slot(running_batch, days=day)
    client = client_as(users["manager"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("moveins:batch", args=[running_batch.pk]))
    assert response.status_code == 200
    board = response.context["board"]
    assert (board.total.total, board.total.done, board.total.open_defects) == (8, 2, 2)
    assert len(response.context["slots"].object_list) == 5
    body = response.content.decode()
    assert 'data-testid="batch-board"' in body and 'data-testid="slot-list"' in body
    # The batch runs this month: the manager owes 4 spot checks.
    spot_checks = response.context["spot_checks"]
    assert (spot_checks.required, spot_checks.done) == (4, 0)
    assert (
        client_as(users["frontdesk"])
        .get(reverse("moveins:batch", args=[running_batch.pk]))
        .context["spot_checks"]
        is None
    )


def test_the_page_of_another_estates_batch_is_a_404(client_as, users, estate_b):
    batch = MoveInBatchFactory(estate=estate_b)
    assert client_as(users["manager"]).get(reverse("moveins:batch", args=[batch.pk])).status_code == 404


def test_printable_board(client_as, users, building_a, running_batch):
    fill_batch(running_batch, building_a, count=4)
    response = client_as(users["clerk"]).get(reverse("moveins:batch_print", args=[running_batch.pk]))
    assert response.status_code == 200
    assert 'data-testid="batch-print"' in response.content.decode()


def test_a_manager_creates_a_batch(client_as, users, estate_a, building_a):
    response = client_as(users["manager"]).post(
        reverse("moveins:batch_create"),
        {
            "estate": estate_a.pk,
            "name": "二期集中入伙",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-10",
            "buildings": [building_a.pk],
        },
    )
    batch = MoveInBatch.objects.get(name="二期集中入伙")
    assert response.status_code == 302 and response["Location"] == reverse("moveins:batch", args=[batch.pk])


def test_a_bad_batch_form_is_a_400_and_creates_nothing(client_as, users, estate_a):
    response = client_as(users["manager"]).post(
        reverse("moveins:batch_create"),
        {"estate": estate_a.pk, "name": "x", "starts_on": "2026-12-10", "ends_on": "2026-12-01"},
    )
    assert response.status_code == 400 and not MoveInBatch.objects.exists()
    assert "The last day cannot be before the first day." in response.content.decode()


def test_the_desk_cannot_create_batches(client_as, users):
    assert client_as(users["frontdesk"]).get(reverse("moveins:batch_create")).status_code == 403


def test_add_slots_from_the_batch_page(client_as, users, running_batch):
    day = running_batch.starts_on + timedelta(days=2)
    response = client_as(users["manager"]).post(
        reverse("moveins:batch_slots_add", args=[running_batch.pk]),
        {"day": day.isoformat(), "start": "09:00", "end": "12:00", "minutes": "60", "capacity": "3"},
    )
    assert response.status_code == 302
    assert MoveInSlot.objects.filter(batch=running_batch, capacity=3).count() == 3


def test_book_and_cancel_from_the_batch_page(client_as, users, unit_a, running_batch):
    slot = future_slot(running_batch, capacity=1)
    move_in = MoveInFactory(unit=unit_a, scheduled_for=None)
    client = client_as(users["frontdesk"])
    url = reverse("moveins:batch_book", args=[running_batch.pk])
    assert client.post(url, {"number": move_in.number, "slot": slot.pk}).status_code == 302
    move_in.refresh_from_db()
    assert move_in.slot == slot
    # The slot is full now: the next booking is refused with a message, nothing changes.
    other = MoveInFactory(unit=UnitFactory(building=unit_a.building), scheduled_for=None)
    response = client.post(url, {"number": other.number, "slot": slot.pk}, follow=True)
    assert "is full" in response.content.decode()
    other.refresh_from_db()
    assert other.slot is None
    cancel = reverse("moveins:batch_cancel_booking", args=[running_batch.pk])
    assert client.post(cancel, {"move_in": move_in.pk}).status_code == 302
    move_in.refresh_from_db()
    assert move_in.slot is None


def test_the_clerk_reads_the_batch_but_cannot_book(client_as, users, unit_a, running_batch):
    slot = future_slot(running_batch)
    move_in = MoveInFactory(unit=unit_a, scheduled_for=None)
    client = client_as(users["clerk"])
    assert client.get(reverse("moveins:batch", args=[running_batch.pk])).status_code == 200
    response = client.post(
        reverse("moveins:batch_book", args=[running_batch.pk]), {"number": move_in.number, "slot": slot.pk}
    )
    assert response.status_code == 403


# --- spot checks --------------------------------------------------------------------------------


def test_spot_check_page_shows_done_against_required(
    client_as, users, unit_a, running_batch, django_assert_max_num_queries
):
    checked = MoveInFactory(unit=unit_a, status=Status.COMPLETED)
    for _ in range(3):
        SpotCheck.objects.create(
            estate=checked.estate, move_in=checked, result="in_order", checked_by=users["manager"]
        )
    client = client_as(users["manager"])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("moveins:spot_checks"))
    status = response.context["status"]
    assert (status.required, status.done, status.missing) == (4, 3, 1)
    assert len(response.context["page"].object_list) == 3


def test_record_a_spot_check_with_findings(client_as, users, unit_a):
    checked = MoveInFactory(unit=unit_a, status=Status.COMPLETED)
    client = client_as(users["manager"])
    url = reverse("moveins:spot_check_create")
    response = client.post(url, {"number": checked.number, "result": "findings", "findings": ""})
    assert response.status_code == 400 and not SpotCheck.objects.exists()
    response = client.post(
        url, {"number": checked.number, "result": "findings", "findings": "钥匙签收单缺签名"}
    )
    assert response.status_code == 302
    assert SpotCheck.objects.get().findings == "钥匙签收单缺签名"


@pytest.mark.parametrize("role", ["frontdesk", "clerk", "supervisor", "company"])
def test_only_the_manager_spot_checks(client_as, users, role):
    assert client_as(users[role]).get(reverse("moveins:spot_checks")).status_code == 403


# --- the warranty report ------------------------------------------------------------------------


@pytest.fixture
def defects(building_a):
    today = timezone.localdate()
    for location in ("卫生间", "卫生间", "厨房"):
        move_in = MoveInFactory(unit=UnitFactory(building=building_a), status=Status.RECTIFICATION)
        DefectFactory(
            inspection=InspectionFactory(move_in=move_in), location=location, created_at=timezone.now()
        )
    return today


def test_warranty_report_page(client_as, users, estate_a, defects, django_assert_max_num_queries):
    client = client_as(users["manager"])
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("moveins:warranty_report"),
            {
                "estate": estate_a.pk,
                "date_from": defects.replace(day=1).isoformat(),
                "date_to": defects.isoformat(),
            },
        )
    assert response.status_code == 200
    report = response.context["report"]
    assert report.total.count == 3
    assert {g.label: g.count for g in report.by_location} == {"卫生间": 2, "厨房": 1}


def test_warranty_report_page_with_bad_dates_is_a_clear_400(client_as, users, estate_a):
    response = client_as(users["manager"]).get(
        reverse("moveins:warranty_report"),
        {"estate": estate_a.pk, "date_from": "2026-03-10", "date_to": "2026-03-01"},
    )
    assert response.status_code == 400
    assert "The end date cannot be before the start date." in response.content.decode()


def test_warranty_report_excel(client_as, users, estate_a, defects):
    response = client_as(users["company"]).get(
        reverse("moveins:warranty_report_export"),
        {
            "estate": estate_a.pk,
            "date_from": defects.replace(day=1).isoformat(),
            "date_to": defects.isoformat(),
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    lines = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert sorted(row[5] for row in lines) == sorted(["厨房", "卫生间", "卫生间"])


@pytest.mark.parametrize("role", ["frontdesk", "clerk", "engineer", "supervisor"])
def test_the_warranty_report_is_for_managers_and_the_company(client_as, users, role):
    assert client_as(users[role]).get(reverse("moveins:warranty_report")).status_code == 403


def test_another_estates_warranty_report_is_refused(client_as, users, estate_b):
    response = client_as(users["manager"]).get(
        reverse("moveins:warranty_report"),
        {"estate": estate_b.pk, "date_from": "2026-03-01", "date_to": "2026-03-31"},
    )
    assert response.status_code == 400 and response.context["report"] is None


# --- the figures page ---------------------------------------------------------------------------


def test_metrics_page(client_as, users, estate_a, building_a, running_batch, django_assert_max_num_queries):
    now = timezone.now()
    for score in (5, 4, 1):
        MoveInFactory(
            unit=UnitFactory(building=building_a),
            batch=running_batch,
            status=Status.COMPLETED,
            satisfaction=score,
            completed_at=now,
        )
    client = client_as(users["supervisor"])
    # A fixed number: the month, all time, per batch, per month, the spot checks.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("moveins:metrics"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.rated, figures.satisfied, figures.rate) == (3, 2, 0.6667)
    assert response.context["by_batch"][0].rated == 3


# --- API ----------------------------------------------------------------------------------------


def test_api_batches_list_and_filters(
    api_as, users, estate_a, estate_b, running_batch, django_assert_max_num_queries
):
    MoveInBatchFactory(estate=estate_a, starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 31))
    MoveInBatchFactory(estate=estate_b)
    client = api_as(users["frontdesk"])
    with django_assert_max_num_queries(8):
        response = client.get("/api/move-in-batches/")
    assert response.status_code == 200 and response.data["count"] == 2
    running = client.get("/api/move-in-batches/", {"running": "true"})
    assert [row["id"] for row in running.data["results"]] == [running_batch.pk]


def test_api_creates_a_batch_for_managers_only(api_as, users, estate_a, building_a):
    body = {
        "estate": estate_a.pk,
        "name": "三期",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-05",
        "buildings": [building_a.pk],
    }
    assert api_as(users["frontdesk"]).post("/api/move-in-batches/", body, format="json").status_code == 403
    response = api_as(users["manager"]).post("/api/move-in-batches/", body, format="json")
    assert response.status_code == 201 and response.data["buildings"] == [building_a.pk]
    bad = api_as(users["manager"]).post(
        "/api/move-in-batches/", {**body, "ends_on": "2026-11-01"}, format="json"
    )
    assert bad.status_code == 400 and bad.data["code"] == "invalid_period"


def test_api_slots_show_booked_and_free(
    api_as, users, building_a, running_batch, django_assert_max_num_queries
):
    slot = future_slot(running_batch, capacity=3)
    for status in (Status.SCHEDULED, Status.DOCUMENTS, Status.CANCELLED):
        MoveInFactory(unit=UnitFactory(building=building_a), batch=running_batch, slot=slot, status=status)
    for day in range(2, 8):
        future_slot(running_batch, days=day)
    with django_assert_max_num_queries(10):
        response = api_as(users["clerk"]).get("/api/move-in-slots/", {"batch": running_batch.pk})
    rows = {row["id"]: row for row in response.data["results"]}
    assert (rows[slot.pk]["booked"], rows[slot.pk]["free"]) == (2, 1)
    available = api_as(users["clerk"]).get(
        "/api/move-in-slots/", {"batch": running_batch.pk, "available": "true"}
    )
    assert len(available.data["results"]) == 7


def test_api_booking_into_a_full_slot_is_a_409_and_changes_nothing(api_as, users, building_a, running_batch):
    slot = future_slot(running_batch, capacity=1)
    first = MoveInFactory(unit=UnitFactory(building=building_a), scheduled_for=None)
    second = MoveInFactory(unit=UnitFactory(building=building_a), scheduled_for=None)
    client = api_as(users["frontdesk"])
    ok = client.post(f"/api/move-in-slots/{slot.pk}/book/", {"move_in": first.pk}, format="json")
    assert ok.status_code == 200 and ok.data["slot"] == slot.pk
    full = client.post(f"/api/move-in-slots/{slot.pk}/book/", {"move_in": second.pk}, format="json")
    assert full.status_code == 409 and full.data["code"] == "slot_full"
    second.refresh_from_db()
    assert (second.slot, second.batch, second.scheduled_for) == (None, None, None)
    assert MoveIn.objects.filter(slot=slot).count() == 1


def test_api_cancel_booking(api_as, users, unit_a, running_batch):
    slot = future_slot(running_batch)
    other_slot = future_slot(running_batch, days=2)
    move_in = MoveInFactory(unit=unit_a, scheduled_for=None)
    client = api_as(users["manager"])
    client.post(f"/api/move-in-slots/{slot.pk}/book/", {"move_in": move_in.pk}, format="json")
    wrong = client.post(f"/api/move-in-slots/{other_slot.pk}/cancel/", {"move_in": move_in.pk}, format="json")
    assert wrong.status_code == 400
    response = client.post(f"/api/move-in-slots/{slot.pk}/cancel/", {"move_in": move_in.pk}, format="json")
    assert response.status_code == 200 and response.data["slot"] is None


def test_api_slot_of_another_estate_is_a_404(api_as, users, estate_b, unit_a):
    slot = future_slot(
        MoveInBatchFactory(
            estate=estate_b, starts_on=timezone.localdate(), ends_on=timezone.localdate() + timedelta(days=5)
        )
    )
    move_in = MoveInFactory(unit=unit_a, scheduled_for=None)
    response = api_as(users["frontdesk"]).post(
        f"/api/move-in-slots/{slot.pk}/book/", {"move_in": move_in.pk}, format="json"
    )
    assert response.status_code == 404


def test_api_warranty_report(api_as, users, estate_a, estate_b, defects):
    client = api_as(users["manager"])
    params = {"estate": estate_a.pk, "from": defects.replace(day=1).isoformat(), "to": defects.isoformat()}
    response = client.get("/api/warranty-report/", params)
    assert response.status_code == 200
    assert response.data["total"]["count"] == 3
    assert {row["label"]: row["count"] for row in response.data["by_location"]} == {"卫生间": 2, "厨房": 1}
    bad = client.get("/api/warranty-report/", {**params, "from": "2026-13-01"})
    assert bad.status_code == 400 and "from" in bad.data
    reversed_dates = client.get("/api/warranty-report/", {**params, "from": "2026-03-10", "to": "2026-03-01"})
    assert reversed_dates.status_code == 400 and "to" in reversed_dates.data
    assert client.get("/api/warranty-report/", {**params, "estate": estate_b.pk}).status_code == 404
    assert api_as(users["frontdesk"]).get("/api/warranty-report/", params).status_code == 403


def test_api_batches_of_another_estate_are_hidden(api_as, estate_b, estate_a):
    batch = MoveInBatchFactory(estate=estate_b)
    other_manager = make_staff("manager", estate_a, username="m-a")
    assert api_as(other_manager).get(f"/api/move-in-batches/{batch.pk}/").status_code == 404
