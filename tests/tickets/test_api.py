"""The ticket API: names, scoping (404 outside reach), permissions, transitions, query counts."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from servicecenter.paging import COUNT_CAP
from tests.factories import make_staff, make_zone
from tests.tickets.factories import CallbackFactory, TicketFactory, category
from tickets.models import Callback, PublicLocation, Ticket

pytestmark = pytest.mark.django_db
S = Ticket.Status
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc8!'\x07\x00\x02\xb6\x01\x054\xa6u\xaa\x00\x00\x00\x00IEND\xaeB`\x82"  # 1×1, decodable: uploads are re-encoded


def body(**extra):
    data = {
        "kind": "repair",
        "channel": "phone",
        "category": category("plumbing").pk,
        "description": "厨房下水道堵了",
        "reporter_name": "张先生",
        "reporter_phone": "13800138000",
    }
    data.update(extra)
    return data


# --- create ------------------------------------------------------------------------------------


def test_frontdesk_creates_a_ticket(api_as, users, unit_a, maintenance):
    response = api_as(users["frontdesk"]).post("/api/tickets/", body(unit=unit_a.pk), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    for key in (
        "id",
        "number",
        "kind",
        "channel",
        "status",
        "priority",
        "category",
        "unit",
        "description",
        "created_at",
        "response_due_at",
        "resolution_due_at",
        "assignee",
        "team",
    ):
        assert key in data
    assert data["number"].startswith("LJY-")
    assert (data["status"], data["priority"], data["team"]) == ("new", "normal", maintenance.pk)
    assert data["reporter_phone"] == "138****8000"


def test_create_public_area_ticket_with_a_public_location(api_as, users, estate_a, estate_b):
    garage = PublicLocation.objects.create(estate=estate_a, name="地下车库B2")
    elsewhere = PublicLocation.objects.create(estate=estate_b, name="北门")
    client = api_as(users["frontdesk"])
    response = client.post(
        "/api/tickets/",
        body(public_location=garage.pk, location="出口坡道", category=category("public_cleaning").pk),
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["unit"] is None and data["estate"] == estate_a.pk
    assert (data["public_location"], data["public_location_name"], data["location"]) == (
        garage.pk,
        "地下车库B2",
        "出口坡道",
    )
    # Free text alone no longer names a public place, and another estate's place is out of reach.
    for payload in (body(location="地下车库B2"), body(public_location=elsewhere.pk)):
        before = Ticket.objects.count()
        response = client.post("/api/tickets/", payload, format="json")
        assert response.status_code == 400
        assert Ticket.objects.count() == before


def test_create_priority_defaults_from_category(api_as, users, unit_a):
    response = api_as(users["frontdesk"]).post(
        "/api/tickets/", body(unit=unit_a.pk, category=category("elevator").pk), format="json"
    )
    assert response.json()["priority"] == "urgent"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit": None}, "unit"),
        ({"description": ""}, "description"),
        ({"kind": "wish"}, "kind"),
        ({"priority": "asap"}, "priority"),
        ({"category": 999999}, "category"),
        ({"channel": None}, "channel"),
    ],
)
def test_create_rejects_bad_input(api_as, users, unit_a, change, field):
    response = api_as(users["frontdesk"]).post(
        "/api/tickets/", body(**{"unit": unit_a.pk, **change}), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_create_for_a_unit_out_of_reach_is_400(api_as, users, unit_b):
    response = api_as(users["frontdesk"]).post("/api/tickets/", body(unit=unit_b.pk), format="json")
    assert response.status_code == 400 and "unit" in response.json()


def test_paid_service_without_price_is_400_with_the_field(api_as, users, unit_a):
    response = api_as(users["frontdesk"]).post(
        "/api/tickets/", body(unit=unit_a.pk, is_paid_service=True), format="json"
    )
    assert response.status_code == 400 and "service_price" in response.json()


def test_resident_creates_for_own_unit_only(api_as, resident, unit_a, unit_a2):
    client = api_as(resident)
    mine = client.post(
        "/api/tickets/",
        {"kind": "repair", "unit": unit_a.pk, "category": category().pk, "description": "门锁坏了"},
        format="json",
    )
    assert mine.status_code == 201, mine.json()
    assert mine.json()["channel"] == "portal"
    theirs = client.post(
        "/api/tickets/",
        {"kind": "repair", "unit": unit_a2.pk, "category": category().pk, "description": "x"},
        format="json",
    )
    assert theirs.status_code == 400
    assert Ticket.objects.count() == 1


def test_technician_cannot_register(api_as, technician, unit_a):
    assert api_as(technician).post("/api/tickets/", body(unit=unit_a.pk), format="json").status_code == 403


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/tickets/").status_code in (401, 403)


# --- read and scope ----------------------------------------------------------------------------


def test_resident_reads_only_tickets_of_their_units(api_as, resident, unit_a, unit_a2):
    own = TicketFactory(unit=unit_a)
    other = TicketFactory(unit=unit_a2)
    client = api_as(resident)
    assert [t["id"] for t in client.get("/api/tickets/").json()["results"]] == [own.pk]
    assert client.get(f"/api/tickets/{own.pk}/").status_code == 200
    assert client.get(f"/api/tickets/{other.pk}/").status_code == 404
    assert client.post(f"/api/tickets/{other.pk}/comments/", {"body": "hi"}, format="json").status_code == 404


def test_resident_sees_public_timeline_only(api_as, resident, users, unit_a):
    from tickets import services

    ticket = TicketFactory(unit=unit_a)
    services.add_comment(ticket=ticket, actor=users["frontdesk"], body="内部：业主难缠", is_public=False)
    services.add_comment(ticket=ticket, actor=users["frontdesk"], body="师傅下午到", is_public=True)
    notes = [e["note"] for e in api_as(resident).get(f"/api/tickets/{ticket.pk}/").json()["events"]]
    assert notes == ["师傅下午到"]
    staff_notes = [
        e["note"] for e in api_as(users["frontdesk"]).get(f"/api/tickets/{ticket.pk}/").json()["events"]
    ]
    assert "内部：业主难缠" in staff_notes


def test_other_estates_staff_get_404(api_as, unit_a, estate_b):
    ticket = TicketFactory(unit=unit_a)
    outsider = make_staff("supervisor", estate_b, username="sup-b")
    client = api_as(outsider)
    assert client.get(f"/api/tickets/{ticket.pk}/").status_code == 404
    assert client.post(f"/api/tickets/{ticket.pk}/start/", {}, format="json").status_code == 404
    assert client.get("/api/tickets/").json()["results"] == []


def test_company_sees_every_estate(api_as, users, unit_a, unit_b):
    TicketFactory(unit=unit_a)
    TicketFactory(unit=unit_b)
    assert len(api_as(users["company"]).get("/api/tickets/").json()["results"]) == 2


def test_technician_sees_own_team_and_own_work_only(
    api_as, technician, unit_a, maintenance, customer_service
):
    team_ticket = TicketFactory(unit=unit_a, team=maintenance)
    other_team = TicketFactory(unit=unit_a, team=customer_service)
    mine_elsewhere = TicketFactory(unit=unit_a, team=customer_service, assignee=technician, status=S.ASSIGNED)
    client = api_as(technician)
    assert {t["id"] for t in client.get("/api/tickets/").json()["results"]} == {
        team_ticket.pk,
        mine_elsewhere.pk,
    }
    assert client.get(f"/api/tickets/{other_team.pk}/").status_code == 404


def test_list_filters(api_as, users, unit_a, maintenance, customer_service, technician):
    now = timezone.now()
    a = TicketFactory(unit=unit_a, team=maintenance, status=S.ASSIGNED, assignee=technician, kind="complaint")
    b = TicketFactory(
        unit=unit_a,
        team=customer_service,
        status=S.NEW,
        created_at=now - timedelta(days=10),
        response_minutes=30 * 24 * 60,
        resolution_minutes=30 * 24 * 60,
    )
    overdue = TicketFactory(unit=unit_a, status=S.IN_PROGRESS, created_at=now - timedelta(days=5))
    client = api_as(users["supervisor"])

    def ids(query):
        response = client.get(f"/api/tickets/?{query}")
        assert response.status_code == 200, response.json()
        return {t["id"] for t in response.json()["results"]}

    assert ids(f"team={maintenance.pk}&status=assigned") == {a.pk}
    assert ids("status=new&status=in_progress") == {b.pk, overdue.pk}
    assert ids("kind=complaint") == {a.pk}
    assert ids(f"assignee={technician.pk}") == {a.pk}
    assert ids("overdue=true") == {overdue.pk}
    assert ids("view=overdue") == {overdue.pk}
    assert ids(f"created_before={(now - timedelta(days=7)).date()}") == {b.pk}
    assert ids(f"created_after={(now - timedelta(days=1)).date()}") == {a.pk}
    assert ids(f"category={category().pk}&unit={unit_a.pk}") == {a.pk, b.pk, overdue.pk}
    assert ids(f"q={a.number}") == {a.pk}
    assert client.get("/api/tickets/?team=999999").status_code == 400


def test_saved_view_mine_and_team(api_as, technician, technician2, unit_a, maintenance):
    mine = TicketFactory(unit=unit_a, team=maintenance, assignee=technician, status=S.ASSIGNED)
    theirs = TicketFactory(unit=unit_a, team=maintenance, assignee=technician2, status=S.IN_PROGRESS)
    client = api_as(technician)
    assert [t["id"] for t in client.get("/api/tickets/?view=mine").json()["results"]] == [mine.pk]
    assert {t["id"] for t in client.get("/api/tickets/?view=team").json()["results"]} == {mine.pk, theirs.pk}


def test_list_pagination_counts_without_counting_everything(api_as, users, unit_a):
    TicketFactory.create_batch(30, unit=unit_a)
    client = api_as(users["supervisor"])
    first = client.get("/api/tickets/").json()
    assert (first["count"], len(first["results"]), first["previous"]) == (30, 25, None)
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert client.get("/api/tickets/?page=9").status_code == 404


def test_list_query_count_does_not_grow_with_rows(
    api_as, users, unit_a, technician, maintenance, django_assert_max_num_queries
):
    client = api_as(users["supervisor"])
    TicketFactory.create_batch(3, unit=unit_a, team=maintenance, assignee=technician, status=S.ASSIGNED)
    client.get("/api/tickets/")  # warm the per-user caches of the first request
    with django_assert_max_num_queries(8) as few:
        client.get("/api/tickets/")
    TicketFactory.create_batch(20, unit=unit_a, team=maintenance, assignee=technician, status=S.ASSIGNED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/tickets/")
    assert len(response.json()["results"]) == 23


def test_detail_query_count_is_fixed(api_as, users, unit_a, django_assert_max_num_queries):
    from tickets import services

    ticket = TicketFactory(unit=unit_a)
    for n in range(5):
        services.add_comment(ticket=ticket, actor=users["frontdesk"], body=f"备注{n}")
    client = api_as(users["supervisor"])
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/tickets/{ticket.pk}/")
    assert len(response.json()["events"]) == 5


# --- transitions -------------------------------------------------------------------------------


def test_full_lifecycle_through_the_api(api_as, users, unit_a, technician):
    ticket = TicketFactory(unit=unit_a)
    desk, tech = api_as(users["frontdesk"]), api_as(technician)
    assert (
        desk.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": technician.pk}, format="json").json()[
            "status"
        ]
        == "assigned"
    )
    assert tech.post(f"/api/tickets/{ticket.pk}/start/", {}, format="json").json()["status"] == "in_progress"
    assert (
        tech.post(f"/api/tickets/{ticket.pk}/hold/", {"reason": "等配件"}, format="json").json()["status"]
        == "on_hold"
    )
    assert tech.post(f"/api/tickets/{ticket.pk}/resume/", {}, format="json").json()["status"] == "in_progress"
    resolved = tech.post(f"/api/tickets/{ticket.pk}/resolve/", {"note": "更换了角阀"}, format="json")
    assert resolved.json()["status"] == "resolved"
    callback = Callback.objects.get(ticket=ticket)
    listed = api_as(users["housekeeper"]).get(f"/api/callbacks/?ticket={ticket.pk}").json()["results"]
    assert [c["id"] for c in listed] == [callback.pk] and listed[0]["due_at"]
    assert (
        api_as(users["supervisor"])
        .post(f"/api/tickets/{ticket.pk}/reopen/", {"reason": "还漏"}, format="json")
        .json()["status"]
        == "reopened"
    )
    again = desk.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": technician.pk}, format="json")
    assert again.json()["status"] == "assigned"


def test_forbidden_transition_is_409_with_translated_detail(api_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.CLOSED)
    response = api_as(users["supervisor"]).post(f"/api/tickets/{ticket.pk}/start/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition" and "Closed" in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED


def test_forbidden_transition_detail_in_chinese(api_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.CLOSED)
    response = api_as(users["supervisor"]).post(
        f"/api/tickets/{ticket.pk}/cancel/", {"reason": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 409 and response.json()["detail"]


def test_cancel_without_reason_is_400(api_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    response = api_as(users["frontdesk"]).post(f"/api/tickets/{ticket.pk}/cancel/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert (
        api_as(users["frontdesk"])
        .post(f"/api/tickets/{ticket.pk}/cancel/", {"reason": "重复"}, format="json")
        .json()["status"]
        == "cancelled"
    )


def test_resolve_without_note_is_400(api_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.IN_PROGRESS)
    assert (
        api_as(users["supervisor"]).post(f"/api/tickets/{ticket.pk}/resolve/", {}, format="json").status_code
        == 400
    )


def test_assign_needs_someone_and_rejects_outsiders(api_as, users, unit_a, estate_b):
    ticket = TicketFactory(unit=unit_a)
    client = api_as(users["supervisor"])
    assert client.post(f"/api/tickets/{ticket.pk}/assign/", {}, format="json").status_code == 400
    outsider = make_staff("technician", estate_b, username="tech-b")
    assert (
        client.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": outsider.pk}, format="json").status_code
        == 400
    )


def test_assign_to_team(api_as, users, unit_a, customer_service):
    ticket = TicketFactory(unit=unit_a)
    response = api_as(users["frontdesk"]).post(
        f"/api/tickets/{ticket.pk}/assign/", {"team": customer_service.pk}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["team"], response.json()["assignee"]) == (customer_service.pk, None)


@pytest.mark.parametrize(
    ("role", "action", "payload", "expected"),
    [
        ("frontdesk", "start", {}, 403),
        ("frontdesk", "close", {}, 403),
        ("technician", "assign", {"team": None}, 403),
        ("technician", "cancel", {"reason": "x"}, 403),
        ("housekeeper", "resolve", {"note": "x"}, 403),
        ("company", "start", {}, 403),
        ("supervisor", "start", {}, 200),
    ],
)
def test_transition_permissions_by_role(
    api_as, users, unit_a, maintenance, technician, role, action, payload, expected
):
    ticket = TicketFactory(unit=unit_a, team=maintenance, status=S.ASSIGNED, assignee=technician)
    user = technician if role == "technician" else users[role]
    assert (
        api_as(user).post(f"/api/tickets/{ticket.pk}/{action}/", payload, format="json").status_code
        == expected
    )


def test_technician_cannot_work_a_colleagues_ticket(api_as, technician, technician2, unit_a, maintenance):
    ticket = TicketFactory(unit=unit_a, team=maintenance, status=S.ASSIGNED, assignee=technician2)
    assert api_as(technician).post(f"/api/tickets/{ticket.pk}/start/", {}, format="json").status_code == 403
    unassigned = TicketFactory(unit=unit_a, team=maintenance, status=S.ASSIGNED)
    response = api_as(technician).post(f"/api/tickets/{unassigned.pk}/start/", {}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == technician.pk


def test_resident_cannot_transition_own_ticket(api_as, resident, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.RESOLVED)
    assert api_as(resident).post(f"/api/tickets/{ticket.pk}/close/", {}, format="json").status_code == 403


def test_flag_major(api_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, kind="complaint")
    response = api_as(users["supervisor"]).post(
        f"/api/tickets/{ticket.pk}/flag-major/", {"note": "x"}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_major"]


def test_comment_and_attachment(api_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    client = api_as(users["frontdesk"])
    comment = client.post(
        f"/api/tickets/{ticket.pk}/comments/", {"body": "已联系", "is_public": True}, format="json"
    )
    assert comment.status_code == 201 and comment.json()["is_public"]
    upload = client.post(
        f"/api/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile("p.png", PNG)},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    assert client.get(upload.json()["url"]).status_code == 200
    bad = client.post(
        f"/api/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile("p.png", b"hello")},
        format="multipart",
    )
    assert bad.status_code == 400


def test_resident_rates_own_resolved_ticket(api_as, resident, users, unit_a):
    from residents.models import Person

    ticket = TicketFactory(
        unit=unit_a, status=S.RESOLVED, reporter=Person.objects.get(user=resident), reporter_name=""
    )
    response = api_as(resident).post(
        f"/api/tickets/{ticket.pk}/rate/", {"satisfaction": 5, "solved": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED


# --- categories and callbacks ------------------------------------------------------------------


def test_categories_list(api_as, users):
    data = api_as(users["frontdesk"]).get("/api/ticket-categories/").json()
    water = next(c for c in data if c["code"] == "water_leak")
    assert (
        water["name"] == "Water leak"
        and water["is_callback_mandatory"]
        and water["team_kind"] == "maintenance"
    )
    assert {row["priority"] for row in water["sla"]} == {"emergency", "urgent", "normal", "low"}


def test_callbacks_due_filter_and_record(api_as, users, unit_a, estate_a, building_a):
    make_zone(estate_a, users["housekeeper"], building_a)
    now = timezone.now()
    due = CallbackFactory(
        ticket=TicketFactory(unit=unit_a, status=S.RESOLVED),
        due_at=now - timedelta(hours=1),
        assigned_to=users["housekeeper"],
    )
    CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED), due_at=now + timedelta(hours=5))
    client = api_as(users["housekeeper"])
    assert [c["id"] for c in client.get("/api/callbacks/?due=true").json()["results"]] == [due.pk]
    bad = client.post(f"/api/callbacks/{due.pk}/record/", {"reached": True}, format="json")
    assert bad.status_code == 400 and {"satisfaction", "solved"} <= set(bad.json())
    ok = client.post(
        f"/api/callbacks/{due.pk}/record/",
        {"reached": True, "satisfaction": 4, "solved": True, "comment": "满意"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "completed"
    again = client.post(
        f"/api/callbacks/{due.pk}/record/",
        {"reached": True, "satisfaction": 4, "solved": True},
        format="json",
    )
    assert again.status_code == 409


def test_callback_list_pages_without_a_full_count(api_as, users, unit_a, django_assert_max_num_queries):
    now = timezone.now()
    made = [
        CallbackFactory(
            ticket=TicketFactory(unit=unit_a, status=S.RESOLVED), due_at=now + timedelta(minutes=i)
        )
        for i in range(27)
    ]
    client = api_as(users["supervisor"])
    client.get("/api/callbacks/")  # warm the per-user caches of the first request
    with django_assert_max_num_queries(6) as few:
        first = client.get("/api/callbacks/").json()
    # Every resolution leaves a callback: the total is counted only up to the cap.
    counts = [q["sql"] for q in few.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all(f"LIMIT {COUNT_CAP + 1}" in sql for sql in counts)
    assert first["count"] == 27 and first["previous"] is None
    assert [c["id"] for c in first["results"]] == [c.pk for c in made[:25]]
    second = client.get(first["next"]).json()
    assert [c["id"] for c in second["results"]] == [c.pk for c in made[25:]]
    assert second["next"] is None


def test_callbacks_are_scoped_and_permissioned(api_as, users, unit_b, technician, resident):
    other = CallbackFactory(ticket=TicketFactory(unit=unit_b, status=S.RESOLVED))
    assert api_as(users["housekeeper"]).get(f"/api/callbacks/{other.pk}/").status_code == 404
    assert api_as(technician).get("/api/callbacks/").status_code == 403
    assert api_as(resident).get("/api/callbacks/").status_code == 403
    assert (
        api_as(users["frontdesk"])
        .post(f"/api/callbacks/{other.pk}/record/", {"reached": False}, format="json")
        .status_code
        == 403
    )


def test_metrics_endpoint_validation_and_scope(api_as, users, estate_a, estate_b):
    client = api_as(users["manager"])
    assert client.get(f"/api/tickets/metrics/?estate={estate_a.pk}&month=2025-13").status_code == 400
    assert client.get("/api/tickets/metrics/?month=2025-01").status_code == 400
    assert client.get(f"/api/tickets/metrics/?estate={estate_b.pk}&month=2025-01").status_code == 404
    ok = client.get(f"/api/tickets/metrics/?estate={estate_a.pk}&month=2025-01")
    assert ok.status_code == 200 and ok.json()["timely_handling_rate"] is None
    assert (
        api_as(users["technician"])
        .get(f"/api/tickets/metrics/?estate={estate_a.pk}&month=2025-01")
        .status_code
        == 403
    )


def test_schema_builds(api_as, users):
    assert api_as(users["manager"]).get("/api/schema/").status_code == 200
