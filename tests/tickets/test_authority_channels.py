"""Requests passed on by the 12345 hotline or an authority: the reference is required, and the
authority's reply deadline replaces the SLA's resolution deadline when it is earlier."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.tickets.factories import TicketFactory, category, register
from tickets import services, sla
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_earlier_reply_deadline_shortens_the_resolution_minutes():
    assert (
        sla.authority_resolution_minutes(
            opened_at=NOW, resolution_minutes=4320, reply_deadline_at=NOW + timedelta(hours=24, seconds=59)
        )
        == 1440
    )


def test_later_or_missing_reply_deadline_keeps_the_category_minutes():
    later = NOW + timedelta(days=10)
    assert (
        sla.authority_resolution_minutes(opened_at=NOW, resolution_minutes=4320, reply_deadline_at=later)
        == 4320
    )
    assert (
        sla.authority_resolution_minutes(opened_at=NOW, resolution_minutes=4320, reply_deadline_at=None)
        == 4320
    )


@pytest.mark.parametrize("channel", [Ticket.Channel.HOTLINE_12345, Ticket.Channel.AUTHORITY])
def test_authority_ticket_without_reference_is_refused(users, unit_a, channel):
    with pytest.raises(ValidationError) as error:
        register(users["frontdesk"], unit_a, channel=channel, authority_reference="  ", now=NOW)
    assert "authority_reference" in error.value.message_dict
    assert not Ticket.objects.exists()


def test_reference_from_another_channel_is_refused(users, unit_a):
    with pytest.raises(ValidationError) as error:
        register(users["frontdesk"], unit_a, channel=Ticket.Channel.PHONE, authority_reference="A-1", now=NOW)
    assert "authority_reference" in error.value.message_dict


def test_reply_deadline_in_the_past_is_refused(users, unit_a):
    with pytest.raises(ValidationError) as error:
        register(
            users["frontdesk"],
            unit_a,
            channel=Ticket.Channel.HOTLINE_12345,
            authority_reference="12345-2026-0001",
            reply_deadline_at=NOW - timedelta(minutes=1),
            now=NOW,
        )
    assert "reply_deadline_at" in error.value.message_dict


def test_earlier_reply_deadline_overrides_the_sla_resolution_deadline(users, unit_a):
    plumbing = category("plumbing")
    reply_by = NOW + timedelta(hours=20)
    ticket = register(
        users["frontdesk"],
        unit_a,
        category=plumbing,
        channel=Ticket.Channel.HOTLINE_12345,
        authority_reference="12345-2026-0001",
        reply_deadline_at=reply_by,
        now=NOW,
    )
    ordinary = register(users["frontdesk"], unit_a, category=plumbing, now=NOW)
    assert ordinary.resolution_due_at > reply_by  # the category alone would allow longer
    assert ticket.resolution_due_at == reply_by
    assert ticket.resolution_minutes == 20 * 60
    assert ticket.resolution_warn_at < reply_by
    assert ticket.response_due_at <= ticket.resolution_due_at
    assert (ticket.authority_reference, ticket.reply_deadline_at) == ("12345-2026-0001", reply_by)


def test_later_reply_deadline_keeps_the_sla_resolution_deadline(users, unit_a):
    plumbing = category("plumbing")
    ordinary = register(users["frontdesk"], unit_a, category=plumbing, now=NOW)
    ticket = register(
        users["frontdesk"],
        unit_a,
        category=plumbing,
        channel=Ticket.Channel.AUTHORITY,
        authority_reference="市监-2026-17",
        reply_deadline_at=ordinary.resolution_due_at + timedelta(days=5),
        now=NOW,
    )
    assert ticket.resolution_due_at == ordinary.resolution_due_at
    assert ticket.resolution_minutes == ordinary.resolution_minutes


def test_api_requires_the_reference_and_shows_it(api_as, users, unit_a):
    client = api_as(users["frontdesk"])
    payload = {
        "kind": "complaint",
        "channel": "hotline_12345",
        "category": category("noise").pk,
        "description": "市民来电反映深夜施工噪音",
        "unit": unit_a.pk,
        "reporter_name": "市民",
    }
    refused = client.post("/api/tickets/", payload, format="json")
    assert refused.status_code == 400 and "authority_reference" in refused.json()
    assert not Ticket.objects.exists()

    reply_by = (NOW + timedelta(days=400)).isoformat()
    created = client.post(
        "/api/tickets/",
        payload | {"authority_reference": "12345-0099", "reply_deadline_at": reply_by},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = client.get(f"/api/tickets/{created.json()['id']}/").json()
    assert body["authority_reference"] == "12345-0099"
    assert body["reply_deadline_at"] is not None


def test_desk_form_shows_the_error_and_the_detail_shows_reference(client_as, users, unit_a):
    client = client_as(users["frontdesk"])
    form = {
        "unit": unit_a.pk,
        "kind": "complaint",
        "channel": "authority",
        "category": category("noise").pk,
        "description": "市场监管局转办：噪音投诉",
        "reporter_name": "市场监管局",
    }
    response = client.post(reverse("tickets:create"), form)
    assert response.status_code == 400 and not Ticket.objects.exists()
    assert "Enter the reference number the authority gave the case." in response.content.decode()

    deadline = (NOW + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("tickets:create"),
        form | {"authority_reference": "SJ-2026-88", "reply_deadline_at": deadline},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "SJ-2026-88" in html and 'data-testid="reply-deadline"' in html


def test_list_filters_by_channel(api_as, client_as, users, unit_a):
    hotline = TicketFactory(unit=unit_a, channel=Ticket.Channel.HOTLINE_12345, authority_reference="H-1")
    TicketFactory(unit=unit_a, channel=Ticket.Channel.PHONE)
    rows = api_as(users["frontdesk"]).get("/api/tickets/?channel=hotline_12345").json()["results"]
    assert [row["id"] for row in rows] == [hotline.pk]
    html = (
        client_as(users["frontdesk"]).get(reverse("tickets:list") + "?channel=hotline_12345").content.decode()
    )
    assert hotline.number in html and 'name="channel"' in html


def _authority_ticket(unit, *, status, resolution_due_at, reply_deadline_at, **fields):
    return TicketFactory(
        unit=unit,
        status=status,
        created_at=NOW,
        first_responded_at=NOW,
        channel=Ticket.Channel.HOTLINE_12345,
        authority_reference="12345-7",
        resolution_due_at=resolution_due_at,
        reply_deadline_at=reply_deadline_at,
        **fields,
    )


def test_a_pause_does_not_move_the_deadline_past_the_authoritys(users, unit_a):
    reply_by = NOW + timedelta(hours=20)
    ticket = _authority_ticket(
        unit_a, status=Ticket.Status.IN_PROGRESS, resolution_due_at=reply_by, reply_deadline_at=reply_by
    )
    services.hold_ticket(
        ticket=ticket, actor=users["supervisor"], reason="等配件", now=NOW + timedelta(hours=1)
    )
    services.resume_ticket(ticket=ticket, actor=users["supervisor"], now=NOW + timedelta(hours=5))
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == reply_by
    assert ticket.on_hold_minutes == 240


def test_a_pause_still_moves_a_deadline_earlier_than_the_authoritys(users, unit_a):
    due, reply_by = NOW + timedelta(hours=10), NOW + timedelta(days=5)
    ticket = _authority_ticket(
        unit_a, status=Ticket.Status.IN_PROGRESS, resolution_due_at=due, reply_deadline_at=reply_by
    )
    services.hold_ticket(
        ticket=ticket, actor=users["supervisor"], reason="等配件", now=NOW + timedelta(hours=1)
    )
    services.resume_ticket(ticket=ticket, actor=users["supervisor"], now=NOW + timedelta(hours=5))
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == due + timedelta(hours=4)


def test_reopening_before_the_authoritys_deadline_keeps_to_it(users, unit_a):
    reply_by = NOW + timedelta(hours=20)
    ticket = _authority_ticket(
        unit_a,
        status=Ticket.Status.RESOLVED,
        resolution_due_at=reply_by,
        reply_deadline_at=reply_by,
        resolution_minutes=4320,
    )
    services.reopen_ticket(
        ticket=ticket, actor=users["supervisor"], reason="仍有噪音", now=NOW + timedelta(hours=2)
    )
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == reply_by
