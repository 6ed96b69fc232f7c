"""Incidents (突发事件) with their timeline, who was told and linked tickets; drills (演习)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from servicecenter.exceptions import DomainError
from staff import services_incidents
from staff.models import Drill, Incident
from tests.factories import make_staff
from tests.tickets.factories import TicketFactory
from tickets import services as tickets
from tickets.selectors import tickets_of_incident

pytestmark = pytest.mark.django_db


def _incident(estate, actor, **extra):
    values = {
        "estate": estate,
        "kind": "water_leak",
        "title": "3栋地库漏水",
        "occurred_at": timezone.now() - timedelta(hours=2),
        **extra,
    }
    return services_incidents.record_incident(actor=actor, **values)


def test_an_incident_keeps_its_timeline_in_order_and_who_was_told(estate_a, users):
    supervisor = users["supervisor"]
    incident = _incident(
        estate_a, supervisor, notified_users=[users["manager"]], notified_others="物业公司值班经理"
    )
    now = timezone.now()
    services_incidents.add_timeline_entry(
        actor=supervisor, incident=incident, text="关闭总阀", at=now - timedelta(hours=1)
    )
    services_incidents.add_timeline_entry(
        actor=users["manager"], incident=incident, text="开始排水", at=now - timedelta(minutes=90)
    )
    services_incidents.record_notified(
        actor=supervisor, incident=incident, users=[users["engineer"]], others="119"
    )
    incident.refresh_from_db()
    assert [e.text for e in incident.timeline.all()] == ["开始排水", "关闭总阀"]
    assert [e.author for e in incident.timeline.all()] == [users["manager"], supervisor]
    assert set(incident.notified_users.all()) == {users["manager"], users["engineer"]}
    assert incident.notified_others == "物业公司值班经理\n119"


def test_timeline_entries_outside_the_incident_are_refused(estate_a, users):
    incident = _incident(estate_a, users["supervisor"])
    for at, code in (
        (timezone.now() + timedelta(hours=1), "in_future"),
        (incident.occurred_at - timedelta(minutes=1), "before_incident"),
    ):
        with pytest.raises(DomainError) as refused:
            services_incidents.add_timeline_entry(
                actor=users["supervisor"], incident=incident, text="x", at=at
            )
        assert refused.value.code == code
    assert not incident.timeline.exists()


def test_an_incident_in_the_future_or_telling_outsiders_is_refused(estate_a, estate_b, users):
    with pytest.raises(DomainError):
        _incident(estate_a, users["supervisor"], occurred_at=timezone.now() + timedelta(hours=1))
    outsider = make_staff("manager", estate_b, username="manager-b")
    with pytest.raises(DomainError) as refused:
        _incident(estate_a, users["supervisor"], notified_users=[outsider])
    assert refused.value.code == "not_estate_staff"
    assert not Incident.objects.exists()


def test_only_staff_with_the_permission_record_incidents(estate_a, estate_b, users):
    with pytest.raises(PermissionDenied):
        _incident(estate_a, users["frontdesk"])
    with pytest.raises(PermissionDenied):
        _incident(estate_a, make_staff("supervisor", estate_b, username="sup-b"))


def test_tickets_link_to_an_incident_of_their_estate(estate_a, unit_a, unit_b, users):
    incident = _incident(estate_a, users["supervisor"])
    ticket = TicketFactory(unit=unit_a)
    tickets.link_ticket_to_incident(actor=users["supervisor"], ticket=ticket, incident=incident)
    tickets.link_ticket_to_incident(actor=users["supervisor"], ticket=ticket, incident=incident)
    assert list(tickets_of_incident(incident=incident, user=users["supervisor"])) == [ticket]
    with pytest.raises(DomainError):
        tickets.link_ticket_to_incident(
            actor=users["supervisor"], ticket=TicketFactory(unit=unit_b), incident=incident
        )


def test_a_drill_is_planned_then_recorded_held(estate_a, users):
    today = timezone.localdate()
    drill = services_incidents.plan_drill(
        actor=users["supervisor"], estate=estate_a, kind="fire_alarm", planned_for=today + timedelta(days=7)
    )
    with pytest.raises(DomainError):
        services_incidents.record_drill_held(
            actor=users["supervisor"], drill=drill, held_on=today + timedelta(days=1), participants="秩序组"
        )
    services_incidents.record_drill_held(
        actor=users["supervisor"],
        drill=drill,
        held_on=today,
        participants="秩序组全员、保洁组",
        notes="疏散用时4分钟",
    )
    drill.refresh_from_db()
    assert (drill.held_on, drill.participants, drill.notes) == (today, "秩序组全员、保洁组", "疏散用时4分钟")


def test_the_api_records_an_incident_and_its_timeline(api_as, estate_a, users):
    client = api_as(users["supervisor"])
    created = client.post(
        "/api/incidents/",
        {
            "estate": estate_a.pk,
            "kind": "elevator_entrapment",
            "title": "2栋电梯困人",
            "occurred_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
            "notified_users": [users["manager"].pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    added = client.post(
        f"/api/incidents/{created.data['id']}/timeline/", {"text": "维保单位到场"}, format="json"
    )
    assert added.status_code == 201
    assert [e["text"] for e in added.data["timeline"]] == ["维保单位到场"]
    assert (
        api_as(users["company"])
        .post(f"/api/incidents/{created.data['id']}/timeline/", {"text": "x"}, format="json")
        .status_code
        == 403
    )
    assert api_as(users["frontdesk"]).get("/api/incidents/").status_code == 403


def test_the_api_plans_and_records_a_drill(api_as, estate_a, users):
    client = api_as(users["manager"])
    planned = client.post(
        "/api/drills/",
        {"estate": estate_a.pk, "kind": "fire_alarm", "planned_for": str(timezone.localdate())},
        format="json",
    )
    assert planned.status_code == 201, planned.data
    held = client.post(
        f"/api/drills/{planned.data['id']}/held/",
        {"held_on": str(timezone.localdate()), "participants": "全体员工"},
        format="json",
    )
    assert held.status_code == 200
    assert Drill.objects.get().participants == "全体员工"


def test_the_incident_and_drill_lists_take_a_fixed_number_of_queries(
    api_as, estate_a, users, django_assert_max_num_queries
):
    for index in range(5):
        incident = _incident(
            estate_a, users["supervisor"], title=f"事件{index}", notified_users=[users["manager"]]
        )
        services_incidents.add_timeline_entry(actor=users["supervisor"], incident=incident, text="处理")
        services_incidents.plan_drill(
            actor=users["supervisor"], estate=estate_a, kind="power_cut", planned_for=timezone.localdate()
        )
    client = api_as(users["manager"])
    with django_assert_max_num_queries(12):
        incidents = client.get("/api/incidents/")
    with django_assert_max_num_queries(10):
        drills = client.get("/api/drills/")
    assert (incidents.data["count"], drills.data["count"]) == (5, 5)
