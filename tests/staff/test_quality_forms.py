"""The desk forms of quality supervision, CAPA, incidents and drills, and their API additions (CAPA,
finding photos, incident close / linked tickets): real permissions, scoping, fixed query counts."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from staff import services_incidents
from staff.models import CorrectiveAction, Finding, Incident, QualityInspection, RectificationOrder, Team
from tests.factories import TeamFactory, make_staff
from tests.staff.quality_helpers import make_checklist, make_inspection, make_order
from tests.tickets.conftest import ensure_default_categories
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def team(estate_a):
    return TeamFactory(estate=estate_a, kind=Team.Kind.CLEANING, name="保洁一组")


@pytest.fixture
def checklist(estate_a):
    return make_checklist(estate_a, kind=Team.Kind.CLEANING)


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


# --- inspections -------------------------------------------------------------------------------


def test_a_supervisor_records_a_round_with_a_failed_item_and_a_photo(client_as, users, team, checklist):
    first, second = checklist.items.all()
    response = client_as(users["supervisor"]).post(
        f"/staff/quality/inspections/new/?checklist={checklist.pk}",
        {
            "team": team.pk,
            f"result_{first.pk}": "pass",
            f"note_{first.pk}": "",
            f"result_{second.pk}": "fail",
            f"note_{second.pk}": "电梯有异味",
            f"photo_{second.pk}": SimpleUploadedFile("lift.png", _png()),
        },
    )
    inspection = QualityInspection.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/staff/quality/inspections/{inspection.pk}/"
    )
    failed = inspection.findings.get(passed=False)
    assert failed.note == "电梯有异味" and failed.photo and failed.photo_content_type == "image/png"
    photo = client_as(users["supervisor"]).get(
        f"/staff/quality/inspections/{inspection.pk}/findings/{failed.pk}/photo/"
    )
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"


def test_a_failed_item_without_a_note_is_refused_and_nothing_saved(client_as, users, team, checklist):
    first, second = checklist.items.all()
    response = client_as(users["supervisor"]).post(
        f"/staff/quality/inspections/new/?checklist={checklist.pk}",
        {"team": team.pk, f"result_{first.pk}": "pass", f"result_{second.pk}": "fail"},
    )
    assert response.status_code == 200
    assert "Say what was wrong with each failed item." in response.content.decode()
    assert not QualityInspection.objects.exists()


def test_a_picture_that_is_not_one_is_refused(client_as, users, team, checklist):
    first, second = checklist.items.all()
    response = client_as(users["supervisor"]).post(
        f"/staff/quality/inspections/new/?checklist={checklist.pk}",
        {
            "team": team.pk,
            f"result_{first.pk}": "pass",
            f"result_{second.pk}": "fail",
            f"note_{second.pk}": "脏",
            f"photo_{second.pk}": SimpleUploadedFile("x.png", b"<html>not a picture</html>"),
        },
    )
    assert response.status_code == 200 and not QualityInspection.objects.exists()


def test_the_inspection_list_filters_and_counts_findings(
    client_as, users, team, estate_a, django_assert_max_num_queries
):
    security = TeamFactory(estate=estate_a, kind=Team.Kind.SECURITY, name="秩序一组")
    for _ in range(4):
        make_inspection(team=team, inspector=users["supervisor"], failed=True)
    make_inspection(team=security, inspector=users["supervisor"], failed=False)
    client = client_as(users["manager"])
    with django_assert_max_num_queries(20):
        page = client.get("/staff/quality/inspections/").content.decode()
    assert page.count("<tr>") == 6
    assert page.count('<span class="tag warn">2</span>') == 4  # two failed items each
    cleaning = client.get("/staff/quality/inspections/?team_kind=security").content.decode()
    assert cleaning.count("<tr>") == 2


def test_another_estates_inspection_is_404_and_technicians_are_refused(client_as, users, estate_b):
    other_team = TeamFactory(estate=estate_b, kind=Team.Kind.CLEANING, name="B保洁")
    other = make_inspection(team=other_team, inspector=make_staff("supervisor", estate_b, username="sup-b"))
    assert client_as(users["supervisor"]).get(f"/staff/quality/inspections/{other.pk}/").status_code == 404
    assert client_as(users["technician"]).get("/staff/quality/inspections/").status_code == 403
    assert client_as(users["company"]).get("/staff/quality/inspections/new/").status_code == 403


def test_issuing_an_order_from_a_finding_refuses_a_past_deadline(client_as, users, team):
    inspection = make_inspection(team=team, inspector=users["supervisor"])
    finding = inspection.findings.first()
    url = f"/staff/quality/inspections/{inspection.pk}/findings/{finding.pk}/order/"
    client = client_as(users["supervisor"])
    past = client.post(url, {"description": "清理", "deadline": _local(timezone.now() - timedelta(hours=2))})
    assert past.status_code == 200 and "The deadline must be in the future." in past.content.decode()
    assert not RectificationOrder.objects.exists()
    done = client.post(url, {"description": "清理", "deadline": _local(timezone.now() + timedelta(days=2))})
    order = RectificationOrder.objects.get()
    assert done["Location"] == f"/staff/quality/orders/{order.pk}/" and order.finding == finding


# --- rectification orders ------------------------------------------------------------------------


def test_the_order_page_offers_the_declared_actions_and_they_write_the_timeline(client_as, users, team):
    order = make_order(team=team, inspector=users["supervisor"])
    client = client_as(users["supervisor"])
    page = client.get(f"/staff/quality/orders/{order.pk}/").content.decode()
    assert 'data-action="rectify"' in page and 'data-action="verify"' not in page
    client.post(f"/staff/quality/orders/{order.pk}/rectify/", {"note": "已清理"})
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.RECTIFIED
    empty = client.post(f"/staff/quality/orders/{order.pk}/send_back/", {"note": ""})
    assert empty.status_code == 302
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.RECTIFIED  # a reason is required
    client.post(f"/staff/quality/orders/{order.pk}/send_back/", {"note": "仍有污渍"})
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ISSUED
    page = client.get(f"/staff/quality/orders/{order.pk}/").content.decode()
    assert "已清理" in page and "仍有污渍" in page
    assert client.post(f"/staff/quality/orders/{order.pk}/nonsense/").status_code == 404


def test_the_company_reads_an_order_but_gets_no_buttons_and_may_not_act(client_as, users, team):
    order = make_order(team=team, inspector=users["supervisor"])
    client = client_as(users["company"])
    page = client.get(f"/staff/quality/orders/{order.pk}/")
    assert page.status_code == 200 and "data-action" not in page.content.decode()
    assert client.post(f"/staff/quality/orders/{order.pk}/rectify/").status_code == 403
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ISSUED


# --- CAPA ----------------------------------------------------------------------------------------


def test_the_capa_page_lists_repeated_findings_and_records_an_action(
    client_as, users, team, checklist, django_assert_max_num_queries
):
    for days in (1, 3, 5):
        make_inspection(
            team=team,
            inspector=users["supervisor"],
            checklist=checklist,
            at=timezone.now() - timedelta(days=days),
        )
    item = checklist.items.first()
    client = client_as(users["supervisor"])
    with django_assert_max_num_queries(20):
        page = client.get("/staff/quality/capa/").content.decode()
    assert item.text in page and f"/staff/quality/capa/items/{item.pk}/" in page
    refused = client.post(f"/staff/quality/capa/items/{item.pk}/", {"cause": "", "corrective_action": "x"})
    assert refused.status_code == 200 and not CorrectiveAction.objects.exists()
    client.post(
        f"/staff/quality/capa/items/{item.pk}/",
        {"cause": "人手不足", "corrective_action": "增加一次保洁", "preventive_action": "排班调整"},
    )
    capa = CorrectiveAction.objects.get()
    assert capa.item == item and capa.recorded_by == users["supervisor"]


def test_capa_for_another_estates_item_is_404(client_as, users, estate_b):
    other = make_checklist(estate_b).items.first()
    assert client_as(users["supervisor"]).get(f"/staff/quality/capa/items/{other.pk}/").status_code == 404


def test_the_capa_api_lists_scoped_and_creates(api_as, users, checklist, estate_b):
    item = checklist.items.first()
    other = make_checklist(estate_b).items.first()
    client = api_as(users["supervisor"])
    created = client.post(
        "/api/corrective-actions/",
        {"item": item.pk, "cause": "人手不足", "corrective_action": "增加一次保洁"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["item_text"] == item.text
    refused = client.post(
        "/api/corrective-actions/", {"item": other.pk, "cause": "x", "corrective_action": "y"}, format="json"
    )
    assert refused.status_code == 400
    blank = client.post(
        "/api/corrective-actions/", {"item": item.pk, "cause": " ", "corrective_action": "y"}, format="json"
    )
    assert blank.status_code == 400
    assert CorrectiveAction.objects.count() == 1
    listing = client.get(f"/api/corrective-actions/?item={item.pk}").json()
    assert listing["count"] == 1
    assert api_as(users["company"]).post("/api/corrective-actions/", {}, format="json").status_code == 403
    assert api_as(users["technician"]).get("/api/corrective-actions/").status_code == 403


# --- finding photos through the API --------------------------------------------------------------


def test_a_finding_photo_goes_through_a_multipart_endpoint(api_as, users, team, estate_b):
    inspection = make_inspection(team=team, inspector=users["supervisor"])
    finding = inspection.findings.first()
    url = f"/api/quality-inspections/{inspection.pk}/findings/{finding.pk}/photo/"
    client = api_as(users["supervisor"])
    assert client.post(url, {"photo": "x"}, format="json").status_code == 415
    response = client.post(url, {"photo": SimpleUploadedFile("p.png", _png())}, format="multipart")
    assert response.status_code == 200
    finding.refresh_from_db()
    assert finding.photo and finding.photo_content_type == "image/png"
    bad = client.post(url, {"photo": SimpleUploadedFile("p.png", b"GIF89a nope")}, format="multipart")
    assert bad.status_code == 400
    other_team = TeamFactory(estate=estate_b, kind=Team.Kind.CLEANING, name="B保洁")
    other = make_inspection(team=other_team, inspector=make_staff("supervisor", estate_b, username="sup-b"))
    other_url = f"/api/quality-inspections/{other.pk}/findings/{other.findings.first().pk}/photo/"
    assert (
        client.post(other_url, {"photo": SimpleUploadedFile("p.png", _png())}, format="multipart").status_code
        == 404
    )
    assert not Finding.objects.filter(inspection=other).exclude(photo="").exists()


# --- incidents -----------------------------------------------------------------------------------


def _incident(estate, actor, **extra) -> Incident:
    return services_incidents.record_incident(
        actor=actor,
        estate=estate,
        kind="water_leak",
        title=extra.pop("title", "地库漏水"),
        occurred_at=timezone.now() - timedelta(hours=1),
        **extra,
    )


def test_recording_an_incident_on_the_form(client_as, users, estate_a):
    client = client_as(users["supervisor"])
    future = client.post(
        "/staff/incidents/new/",
        {
            "estate": estate_a.pk,
            "kind": "fire_alarm",
            "title": "烟感报警",
            "occurred_at": _local(timezone.now() + timedelta(hours=3)),
        },
    )
    assert future.status_code == 200 and not Incident.objects.exists()
    response = client.post(
        "/staff/incidents/new/",
        {
            "estate": estate_a.pk,
            "kind": "fire_alarm",
            "title": "烟感报警",
            "location": "3栋12楼",
            "occurred_at": _local(timezone.now() - timedelta(minutes=5)),
            "description": "误报",
            "notified_users": [users["manager"].pk],
            "notified_others": "消防中队",
        },
    )
    incident = Incident.objects.get()
    assert response["Location"] == f"/staff/incidents/{incident.pk}/"
    assert incident.description == "误报" and list(incident.notified_users.all()) == [users["manager"]]


def test_timeline_notified_and_close_on_the_incident_page(client_as, users, estate_a):
    incident = _incident(estate_a, users["supervisor"])
    client = client_as(users["supervisor"])
    client.post(f"/staff/incidents/{incident.pk}/timeline/", {"text": "关闭总阀"})
    client.post(
        f"/staff/incidents/{incident.pk}/notified/", {"users": [users["manager"].pk], "others": "业主"}
    )
    incident.refresh_from_db()
    assert incident.timeline.get().text == "关闭总阀"
    assert users["manager"] in incident.notified_users.all() and incident.notified_others == "业主"
    client.post(f"/staff/incidents/{incident.pk}/close/", {"note": "已修复"})
    incident.refresh_from_db()
    assert incident.is_closed and incident.closed_by == users["supervisor"]
    client.post(f"/staff/incidents/{incident.pk}/timeline/", {"text": "再来一条"})
    assert incident.timeline.count() == 2  # the closing note, and nothing after it
    assert 'id="timeline-form"' not in client.get(f"/staff/incidents/{incident.pk}/").content.decode()


def test_a_ticket_is_linked_by_number_and_shown_on_the_page_and_the_api(
    client_as, api_as, users, estate_a, unit_a, unit_b
):
    ensure_default_categories()
    incident = _incident(estate_a, users["supervisor"])
    ticket = TicketFactory(unit=unit_a, number="T-LEAK-1", description="楼道积水")
    other = TicketFactory(unit=unit_b, number="T-OTHER-1")
    client = client_as(users["supervisor"])
    client.post(f"/staff/incidents/{incident.pk}/tickets/", {"number": "T-OTHER-1"})
    client.post(f"/staff/incidents/{incident.pk}/tickets/", {"number": "NOPE"})
    assert not incident.tickets.exists()
    client.post(f"/staff/incidents/{incident.pk}/tickets/", {"number": "T-LEAK-1"})
    assert list(incident.tickets.all()) == [ticket]
    page = client.get(f"/staff/incidents/{incident.pk}/").content.decode()
    assert "T-LEAK-1" in page and "楼道积水" in page and other.number not in page
    detail = api_as(users["supervisor"]).get(f"/api/incidents/{incident.pk}/").json()
    assert [t["number"] for t in detail["tickets"]] == ["T-LEAK-1"]


def test_the_incident_api_links_and_closes(api_as, users, estate_a, unit_a):
    ensure_default_categories()
    incident = _incident(estate_a, users["supervisor"])
    TicketFactory(unit=unit_a, number="T-API-1")
    client = api_as(users["supervisor"])
    linked = client.post(f"/api/incidents/{incident.pk}/link_ticket/", {"number": "T-API-1"}, format="json")
    assert linked.status_code == 200 and linked.json()["tickets"][0]["number"] == "T-API-1"
    assert client.post(f"/api/incidents/{incident.pk}/close/", {"note": ""}, format="json").status_code == 400
    closed = client.post(f"/api/incidents/{incident.pk}/close/", {"note": "已处理"}, format="json")
    assert closed.status_code == 200 and closed.json()["closed_at"]
    again = client.post(f"/api/incidents/{incident.pk}/close/", {"note": "再关"}, format="json")
    assert again.status_code == 400
    assert (
        api_as(users["company"])
        .post(f"/api/incidents/{incident.pk}/close/", {"note": "x"}, format="json")
        .status_code
        == 403
    )


def test_incident_writes_are_refused_to_others(client_as, users, estate_a, estate_b):
    incident = _incident(estate_a, users["supervisor"])
    other_sup = make_staff("supervisor", estate_b, username="sup-b")
    assert (
        client_as(other_sup).post(f"/staff/incidents/{incident.pk}/close/", {"note": "x"}).status_code == 404
    )
    assert (
        client_as(users["technician"])
        .post(f"/staff/incidents/{incident.pk}/close/", {"note": "x"})
        .status_code
        == 403
    )
    assert client_as(users["company"]).get("/staff/incidents/new/").status_code == 403
    incident.refresh_from_db()
    assert not incident.is_closed


# --- drills --------------------------------------------------------------------------------------


def test_planning_and_recording_a_drill(client_as, users, estate_a, django_assert_max_num_queries):
    client = client_as(users["supervisor"])
    client.post(
        "/staff/drills/",
        {"estate": estate_a.pk, "kind": "fire_alarm", "planned_for": timezone.localdate().isoformat()},
    )
    drill = estate_a.drills.get()
    future = client.post(
        f"/staff/drills/{drill.pk}/held/",
        {"held_on": (timezone.localdate() + timedelta(days=2)).isoformat(), "participants": "全体"},
    )
    assert future.status_code == 200
    client.post(
        f"/staff/drills/{drill.pk}/held/",
        {"held_on": timezone.localdate().isoformat(), "participants": "秩序部全体"},
    )
    drill.refresh_from_db()
    assert drill.held_on == timezone.localdate() and drill.participants == "秩序部全体"
    with django_assert_max_num_queries(20):
        page = client.get("/staff/drills/").content.decode()
    assert "秩序部全体" in page
    assert client_as(users["company"]).post("/staff/drills/", {"estate": estate_a.pk}).status_code == 403
