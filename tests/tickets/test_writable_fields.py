"""Who may set what on a new ticket (servicecenter.authz.WRITABLE_FIELDS): a resident reports
what and where; the centre decides priority, team, assignee, paid service and major complaint.
The API answers a resident's forbidden field with a 400 that names it; the portal form and the
service ignore them."""

import pytest
from django.urls import reverse

from servicecenter.authz import WRITABLE_FIELDS
from tests.tickets.factories import category
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

RESIDENT_REFUSED = {
    "priority": "urgent",
    "is_paid_service": True,
    "service_price": "80.00",
    "is_major": True,
}


def _resident_body(unit, **extra):
    data = {"kind": "complaint", "unit": unit.pk, "category": category().pk, "description": "楼上噪音"}
    data.update(extra)
    return data


@pytest.mark.parametrize(
    "field", ["priority", "team", "assignee", "is_paid_service", "service_price", "is_major"]
)
def test_resident_api_refuses_each_centre_field_with_a_400_naming_it(
    api_as, resident, unit_a, maintenance, users, field
):
    value = {"team": maintenance.pk, "assignee": users["technician"].pk}.get(
        field, RESIDENT_REFUSED.get(field)
    )
    response = api_as(resident).post("/api/tickets/", _resident_body(unit_a, **{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Ticket.objects.exists()


def test_resident_api_accepts_the_allowed_fields(api_as, resident, unit_a):
    response = api_as(resident).post(
        "/api/tickets/", _resident_body(unit_a, location="客厅", channel="portal"), format="json"
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get()
    assert ticket.priority == category().default_priority and not ticket.is_major


def test_staff_may_set_the_centre_fields(api_as, users, unit_a, maintenance):
    response = api_as(users["frontdesk"]).post(
        "/api/tickets/",
        {
            **_resident_body(unit_a),
            "channel": "phone",
            "reporter_name": "张先生",
            "priority": "urgent",
            "team": maintenance.pk,
            "is_major": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get()
    assert (ticket.priority, ticket.team, ticket.is_major) == ("urgent", maintenance, True)


def test_portal_form_ignores_centre_fields(client_as, resident, unit_a, maintenance, users):
    client_as(resident).post(
        reverse("portal:ticket_create"),
        {
            **_resident_body(unit_a),
            "priority": "urgent",
            "team": maintenance.pk,
            "assignee": users["technician"].pk,
            "is_paid_service": "on",
            "service_price": "80.00",
            "is_major": "on",
        },
    )
    ticket = Ticket.objects.get()
    assert ticket.priority == category().default_priority
    assert ticket.assignee is None and not ticket.is_paid_service and ticket.service_price is None
    assert not ticket.is_major


def test_service_ignores_centre_fields_for_a_resident(resident, unit_a, users, maintenance):
    ticket = services.register_ticket(
        actor=resident,
        kind=Ticket.Kind.REPAIR,
        channel=Ticket.Channel.PHONE,
        category=category(),
        description="门锁坏了",
        unit=unit_a,
        priority="urgent",
        is_paid_service=True,
        service_price="80.00",
        is_major=True,
        assignee=users["technician"],
    )
    assert ticket.priority == category().default_priority and ticket.channel == "portal"
    assert (ticket.assignee, ticket.is_paid_service, ticket.service_price, ticket.is_major) == (
        None,
        False,
        None,
        False,
    )


def test_the_resident_allowlist_leaves_out_every_centre_field():
    allowed = WRITABLE_FIELDS["tickets.ticket.create"]["resident"]
    assert not allowed & {"priority", "team", "assignee", "is_paid_service", "service_price", "is_major"}
