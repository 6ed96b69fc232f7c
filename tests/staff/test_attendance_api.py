"""Handover and attendance API and pages: permissions, scoping, refusals, query counts."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from staff import services_attendance
from staff.models import AttendanceRecord, ShiftHandover, StaffProfile, Team
from tests.factories import TeamFactory, make_staff
from tests.staff.rostering import put
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(estate_a, users):
    """The front desk's team, which the housekeeper (the incoming shift here) belongs to."""
    team = TeamFactory(estate=estate_a, kind=Team.Kind.CUSTOMER_SERVICE, name="客服组")
    StaffProfile.objects.filter(user=users["housekeeper"]).update(team=team)
    return team


@pytest.fixture
def handover(desk, users):
    return services_attendance.write_handover(team=desk, actor=users["frontdesk"], notes="水表间未锁")


def test_a_handover_is_written_and_acknowledged_through_the_api(api_as, users, desk, unit_a):
    ticket = TicketFactory(unit=unit_a, team=desk, status="assigned")
    response = api_as(users["frontdesk"]).post(
        "/api/shift-handovers/", {"team": desk.pk, "tickets": [ticket.pk], "keys": "1101"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["tickets"][0]["ticket_number"] == ticket.number
    pk = response.json()["id"]
    own = api_as(users["frontdesk"]).post(f"/api/shift-handovers/{pk}/acknowledge/")
    assert (own.status_code, own.json()["code"]) == (400, "own_handover")
    done = api_as(users["housekeeper"]).post(f"/api/shift-handovers/{pk}/acknowledge/")
    assert done.status_code == 200 and done.json()["acknowledged_by"] == users["housekeeper"].pk
    again = api_as(users["supervisor"]).post(f"/api/shift-handovers/{pk}/acknowledge/")
    assert (again.status_code, again.json()["code"]) == (400, "already_acknowledged")


def test_the_company_reads_handovers_but_does_not_acknowledge(api_as, users, handover):
    client = api_as(users["company"])
    assert client.get("/api/shift-handovers/").json()["count"] == 1
    assert client.post(f"/api/shift-handovers/{handover.pk}/acknowledge/").status_code == 403


def test_another_estates_staff_get_404_for_a_handover(api_as, estate_b, handover):
    stranger = make_staff("supervisor", estate_b, username="stranger")
    assert api_as(stranger).get(f"/api/shift-handovers/{handover.pk}/").status_code == 404
    assert api_as(stranger).post(f"/api/shift-handovers/{handover.pk}/acknowledge/").status_code == 404
    response = api_as(stranger).post(
        "/api/shift-handovers/", {"team": handover.team_id, "notes": "x"}, format="json"
    )
    assert response.status_code == 400 and ShiftHandover.objects.count() == 1


def test_handover_list_filters_and_keeps_its_queries_flat(api_as, users, desk, django_assert_max_num_queries):
    for index in range(5):
        item = services_attendance.write_handover(team=desk, actor=users["frontdesk"], notes=f"n{index}")
        if index % 2:
            services_attendance.acknowledge_handover(handover=item, actor=users["housekeeper"])
    client = api_as(users["supervisor"])
    with django_assert_max_num_queries(10):
        response = client.get("/api/shift-handovers/", {"acknowledged": "false", "team": desk.pk})
    assert response.json()["count"] == 3


def test_clock_in_and_out_through_the_api_and_the_supervisor_sees_the_flag(api_as, users, desk):
    response = api_as(users["technician"]).post("/api/attendance/clock_in/", {}, format="json")
    assert response.status_code == 201 and response.json()["is_unrostered"] is True
    assert api_as(users["technician"]).post("/api/attendance/clock_out/").status_code == 200
    assert api_as(users["technician"]).post("/api/attendance/clock_out/").json()["code"] == "not_clocked_in"
    assert api_as(users["technician"]).get("/api/attendance/").status_code == 403
    assert api_as(users["technician"]).get("/api/attendance/mine/").json()["count"] == 1
    flagged = api_as(users["supervisor"]).get("/api/attendance/", {"flagged": "true"}).json()
    assert [row["user"] for row in flagged["results"]] == [users["technician"].pk]


def test_attendance_list_and_absences_keep_their_queries_flat(
    api_as, users, desk, estate_a, django_assert_max_num_queries
):
    yesterday = timezone.localdate() - timedelta(days=1)
    for index in range(4):
        member = make_staff("housekeeper", estate_a, username=f"hk{index}", team=desk)
        put(desk, member, yesterday, "morning")
        services_attendance.clock_in(user=member, estate=estate_a)
    put(desk, users["housekeeper"], yesterday, "evening")
    client = api_as(users["supervisor"])
    with django_assert_max_num_queries(10):
        assert client.get("/api/attendance/").json()["count"] == 4
    with django_assert_max_num_queries(10):
        absences = client.get("/api/attendance/absences/").json()
    assert {row["user"] for row in absences["results"]} >= {users["housekeeper"].pk}


def test_the_pages_acknowledge_clock_and_export(client, users, desk, handover, django_assert_max_num_queries):
    client.force_login(users["housekeeper"])
    with django_assert_max_num_queries(25):
        page = client.get(reverse("staff:handover_list", args=[desk.pk]))
    assert "水表间未锁" in page.content.decode()
    client.post(reverse("staff:handover_acknowledge", args=[handover.pk]))
    handover.refresh_from_db()
    assert handover.acknowledged_by == users["housekeeper"]
    assert client.get(reverse("staff:attendance_clock")).status_code == 200
    client.post(reverse("staff:attendance_clock_in"))
    assert AttendanceRecord.objects.get().is_unrostered
    assert client.get(reverse("staff:attendance_flags")).status_code == 403
    client.force_login(users["supervisor"])
    assert users["housekeeper"].username in client.get(reverse("staff:attendance_flags")).content.decode()
    month = timezone.localdate().strftime("%Y-%m")
    export = client.get(reverse("staff:attendance_export"), {"team": desk.pk, "month": month})
    assert export.status_code == 200 and "no-store" in export["Cache-Control"]
    assert load_workbook(BytesIO(export.content)).active["A1"].value.startswith("客服组")


def test_a_resident_gets_404_on_the_clock_page(client, resident):
    client.force_login(resident)
    assert client.get(reverse("staff:attendance_clock")).status_code == 404
