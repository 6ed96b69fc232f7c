"""Quality supervision: inspection rounds, rectification orders and their escalation, repeated
findings, CAPA, the API's permissions and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from servicecenter.exceptions import DomainError
from staff import services_quality
from staff.models import (
    InspectionChecklist,
    Notification,
    QualityInspection,
    RectificationOrder,
    Team,
)
from staff.selectors_quality import REPEAT_THRESHOLD, is_repeated, repeated_item_ids
from staff.tasks import escalate_overdue_rectification_orders
from tests.factories import TeamFactory, make_staff
from tests.frontdesk.helpers import png
from tests.staff.quality_helpers import make_checklist, make_inspection, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleaning(estate_a):
    return TeamFactory(estate=estate_a, kind=Team.Kind.CLEANING, name="保洁组")


def _results(checklist, *, failed=()):
    return [
        {"item": item, "passed": item.text not in failed, "note": "有垃圾" if item.text in failed else ""}
        for item in checklist.items.all()
    ]


# --- checklists and inspection rounds --------------------------------------------------------


def test_default_checklists_are_seeded_once_per_team_kind(estate_a):
    assert services_quality.ensure_default_checklists(estate=estate_a) == 4
    assert services_quality.ensure_default_checklists(estate=estate_a) == 0
    kinds = set(InspectionChecklist.objects.filter(estate=estate_a).values_list("team_kind", flat=True))
    assert kinds == {Team.Kind.CLEANING, Team.Kind.SECURITY, Team.Kind.LANDSCAPING, Team.Kind.MAINTENANCE}
    assert InspectionChecklist.objects.get(estate=estate_a, team_kind=Team.Kind.CLEANING).items.count() == 4


def test_an_inspection_round_records_every_item_with_a_photo_for_a_failure(estate_a, users, cleaning):
    checklist = make_checklist(estate_a)
    results = _results(checklist, failed=("大堂整洁",))
    results[0]["photo"] = png("lobby.png")
    inspection = services_quality.record_inspection(
        actor=users["supervisor"], checklist=checklist, team=cleaning, results=results
    )
    findings = {f.item.text: f for f in inspection.findings.select_related("item")}
    assert findings["大堂整洁"].passed is False
    assert findings["大堂整洁"].note == "有垃圾"
    assert findings["大堂整洁"].photo_content_type == "image/png"
    assert findings["电梯无异味"].passed is True


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda results: results[:1], "items_missing"),
        (lambda results: [*results, results[0]], "duplicate_item"),
        (lambda results: [{**results[0], "passed": False, "note": ""}, *results[1:]], "note_required"),
    ],
)
def test_a_round_with_bad_results_is_refused_and_nothing_is_saved(estate_a, users, cleaning, change, code):
    checklist = make_checklist(estate_a)
    with pytest.raises(DomainError) as refused:
        services_quality.record_inspection(
            actor=users["supervisor"], checklist=checklist, team=cleaning, results=change(_results(checklist))
        )
    assert refused.value.code == code
    assert not QualityInspection.objects.exists()


def test_a_checklist_of_another_team_kind_is_refused(estate_a, users):
    security = TeamFactory(estate=estate_a, kind=Team.Kind.SECURITY, name="秩序组")
    checklist = make_checklist(estate_a)
    with pytest.raises(DomainError) as refused:
        services_quality.record_inspection(
            actor=users["supervisor"], checklist=checklist, team=security, results=_results(checklist)
        )
    assert refused.value.code == "wrong_team"


def test_only_inspectors_of_the_estate_record_rounds(estate_a, estate_b, users, cleaning):
    checklist = make_checklist(estate_a)
    with pytest.raises(PermissionDenied):
        services_quality.record_inspection(
            actor=users["frontdesk"], checklist=checklist, team=cleaning, results=_results(checklist)
        )
    other = make_staff("supervisor", estate_b, username="sup-b")
    with pytest.raises(PermissionDenied):
        services_quality.record_inspection(
            actor=other, checklist=checklist, team=cleaning, results=_results(checklist)
        )


# --- rectification orders --------------------------------------------------------------------


def test_an_order_with_a_deadline_in_the_past_is_refused(users, cleaning):
    inspection = make_inspection(team=cleaning, inspector=users["supervisor"])
    with pytest.raises(DomainError) as refused:
        services_quality.issue_rectification_order(
            actor=users["supervisor"],
            inspection=inspection,
            description="清理大堂",
            deadline=timezone.now() - timedelta(minutes=1),
        )
    assert refused.value.code == "deadline_past"
    assert not RectificationOrder.objects.exists()


def test_an_order_goes_issued_rectified_sent_back_and_verified_with_one_event_each(users, cleaning):
    supervisor = users["supervisor"]
    inspection = make_inspection(team=cleaning, inspector=supervisor)
    order = services_quality.issue_rectification_order(
        actor=supervisor,
        inspection=inspection,
        finding=inspection.findings.first(),
        description="清理大堂",
        deadline=timezone.now() + timedelta(days=1),
    )
    assert order.team == cleaning
    services_quality.report_rectified(order=order, actor=supervisor, note="已清理")
    services_quality.send_back_rectification(order=order, actor=users["manager"], note="角落仍有垃圾")
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ISSUED
    assert order.rectified_at is None
    services_quality.report_rectified(order=order, actor=supervisor)
    services_quality.verify_rectification(order=order, actor=users["manager"])
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.VERIFIED
    assert list(order.events.values_list("action", flat=True)) == [
        "issue",
        "rectify",
        "send_back",
        "rectify",
        "verify",
    ]


def test_sending_back_needs_a_reason(users, cleaning):
    order = make_order(
        team=cleaning, inspector=users["supervisor"], status=RectificationOrder.Status.RECTIFIED
    )
    with pytest.raises(DomainError):
        services_quality.send_back_rectification(order=order, actor=users["manager"], note=" ")
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.RECTIFIED


def test_overdue_orders_escalate_once_and_the_managers_are_told_once(estate_a, users, cleaning):
    overdue = make_order(team=cleaning, inspector=users["supervisor"])
    RectificationOrder.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - timedelta(hours=1))
    not_due = make_order(team=cleaning, inspector=users["supervisor"])
    done = make_order(
        team=cleaning, inspector=users["supervisor"], status=RectificationOrder.Status.RECTIFIED
    )
    RectificationOrder.objects.filter(pk=done.pk).update(deadline=timezone.now() - timedelta(hours=1))

    assert escalate_overdue_rectification_orders.delay().get() == 1
    assert escalate_overdue_rectification_orders.delay().get() == 0

    overdue.refresh_from_db()
    assert overdue.status == RectificationOrder.Status.ESCALATED
    assert overdue.escalated_at is not None
    assert overdue.events.filter(action="escalate", actor=None).count() == 1
    not_due.refresh_from_db()
    done.refresh_from_db()
    assert (not_due.status, done.status) == (
        RectificationOrder.Status.ISSUED,
        RectificationOrder.Status.RECTIFIED,
    )
    told = Notification.objects.filter(kind="rectification_overdue")
    assert list(told.values_list("recipient", flat=True)) == [users["manager"].pk]


def test_an_escalated_order_can_still_be_rectified(users, cleaning):
    order = make_order(
        team=cleaning, inspector=users["supervisor"], status=RectificationOrder.Status.ESCALATED
    )
    services_quality.report_rectified(order=order, actor=users["supervisor"])
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.RECTIFIED


# --- repeated findings and CAPA --------------------------------------------------------------


def test_an_item_failing_three_times_in_thirty_days_is_repeated(estate_a, users, cleaning):
    checklist = make_checklist(estate_a, items=("大堂整洁",))
    now = timezone.now()
    inspections = [
        make_inspection(
            team=cleaning, inspector=users["supervisor"], checklist=checklist, at=now - timedelta(days=d)
        )
        for d in (40, 20, 10)
    ]
    # The one 40 days ago is outside the window: two failures so far.
    assert repeated_item_ids(estate_id=estate_a.pk, at=now) == set()
    latest = make_inspection(team=cleaning, inspector=users["supervisor"], checklist=checklist, at=now)
    assert REPEAT_THRESHOLD == 3
    assert repeated_item_ids(estate_id=estate_a.pk, at=now) == {checklist.items.get().pk}
    assert is_repeated(latest.findings.get())
    assert not is_repeated(inspections[1].findings.get())  # only two failures by then


def test_a_corrective_action_is_recorded_against_the_item(estate_a, users):
    checklist = make_checklist(estate_a, items=("大堂整洁",))
    item = checklist.items.get()
    capa = services_quality.record_corrective_action(
        actor=users["supervisor"],
        item=item,
        cause="夜班人手不足",
        corrective_action="增派一人",
        preventive_action="排班调整",
    )
    assert capa.estate == estate_a
    with pytest.raises(DomainError):
        services_quality.record_corrective_action(
            actor=users["supervisor"], item=item, cause="", corrective_action="x"
        )


# --- API ---------------------------------------------------------------------------------------


def test_the_api_records_a_round_and_issues_and_works_an_order(api_as, estate_a, users, cleaning):
    checklist = make_checklist(estate_a)
    client = api_as(users["supervisor"])
    items = list(checklist.items.all())
    response = client.post(
        "/api/quality-inspections/",
        {
            "checklist": checklist.pk,
            "team": cleaning.pk,
            "results": [
                {"item": items[0].pk, "passed": False, "note": "有垃圾"},
                {"item": items[1].pk, "passed": True},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    inspection_id = response.data["id"]
    finding_id = next(f["id"] for f in response.data["findings"] if not f["passed"])

    past = client.post(
        "/api/rectification-orders/",
        {
            "inspection": inspection_id,
            "finding": finding_id,
            "description": "清理",
            "deadline": "2020-01-01T10:00:00+08:00",
        },
        format="json",
    )
    assert past.status_code == 400
    assert past.data["code"] == "deadline_past"

    deadline = (timezone.now() + timedelta(days=1)).isoformat()
    created = client.post(
        "/api/rectification-orders/",
        {"inspection": inspection_id, "finding": finding_id, "description": "清理", "deadline": deadline},
        format="json",
    )
    assert created.status_code == 201, created.data
    assert created.data["actions"] == ["rectify"]
    order_id = created.data["id"]
    assert client.post(f"/api/rectification-orders/{order_id}/verify/", {}, format="json").status_code == 409
    rectified = client.post(
        f"/api/rectification-orders/{order_id}/rectify/", {"note": "已清理"}, format="json"
    )
    assert rectified.data["status"] == "rectified"
    assert set(rectified.data["actions"]) == {"verify", "send_back"}


def test_the_api_hides_other_estates_and_refuses_readers_writes(api_as, estate_b, users):
    team_b = TeamFactory(estate=estate_b, kind=Team.Kind.CLEANING, name="保洁组B")
    inspector_b = make_staff("supervisor", estate_b, username="sup-b")
    order_b = make_order(team=team_b, inspector=inspector_b)
    supervisor = api_as(users["supervisor"])
    assert supervisor.get(f"/api/rectification-orders/{order_b.pk}/").status_code == 404
    assert (
        supervisor.post(f"/api/rectification-orders/{order_b.pk}/rectify/", {}, format="json").status_code
        == 404
    )
    assert supervisor.get("/api/rectification-orders/").data["count"] == 0
    company = api_as(users["company"])
    assert company.get(f"/api/rectification-orders/{order_b.pk}/").status_code == 200
    assert (
        company.post(f"/api/rectification-orders/{order_b.pk}/rectify/", {}, format="json").status_code == 403
    )
    assert api_as(users["frontdesk"]).get("/api/quality-inspections/").status_code == 403


def test_the_lists_take_a_fixed_number_of_queries(api_as, estate_a, users, django_assert_max_num_queries):
    client = api_as(users["manager"])
    for index in range(6):
        team = TeamFactory(estate=estate_a, kind=Team.Kind.CLEANING, name=f"保洁{index}")
        make_order(team=team, inspector=users["supervisor"])
    with django_assert_max_num_queries(12):
        inspections = client.get("/api/quality-inspections/")
    with django_assert_max_num_queries(12):
        orders = client.get("/api/rectification-orders/")
    with django_assert_max_num_queries(12):
        checklists = client.get("/api/inspection-checklists/")
    assert (inspections.data["count"], orders.data["count"], checklists.data["count"]) == (6, 6, 6)
