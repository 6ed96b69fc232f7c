"""Registering a ticket twice with one idempotency key makes one ticket: the API's
`Idempotency-Key` header, the portal's and the desk's hidden form token, concurrent twins."""

import re
import threading

import pytest
import yaml
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from tests.tickets.factories import category
from tickets import services
from tickets.models import Ticket, TicketEvent, TicketRequestKey

pytestmark = pytest.mark.django_db


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


def post(client, data, key):
    return client.post("/api/tickets/", data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def hidden_key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html)
    assert match, "the form carries no idempotency key"
    return match.group(1)


# --- API ---------------------------------------------------------------------------------------


def test_api_retry_with_the_same_key_returns_the_same_ticket(api_as, users, unit_a):
    client = api_as(users["frontdesk"])
    first = post(client, body(unit=unit_a.pk), "retry-after-timeout")
    again = post(client, body(unit=unit_a.pk), "retry-after-timeout")
    assert first.status_code == 201, first.json()
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.CREATED).count() == 1


def test_api_same_key_with_another_body_is_a_409(api_as, users, unit_a):
    client = api_as(users["frontdesk"])
    assert post(client, body(unit=unit_a.pk), "k-1").status_code == 201
    response = post(client, body(unit=unit_a.pk, description="另一件事"), "k-1")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This idempotency key was already used for a different request.",
        "code": "idempotency_key_reused",
    }
    assert Ticket.objects.count() == 1


def test_api_same_key_from_another_user_is_a_409(api_as, users, unit_a):
    assert post(api_as(users["frontdesk"]), body(unit=unit_a.pk), "shared").status_code == 201
    response = post(api_as(users["supervisor"]), body(unit=unit_a.pk), "shared")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


def test_api_conflict_message_is_translated(api_as, users, unit_a):
    client = api_as(users["frontdesk"])
    post(client, body(unit=unit_a.pk), "k-zh")
    response = client.post(
        "/api/tickets/",
        body(unit=unit_a.pk, description="别的"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-zh",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 409
    assert response["Content-Language"] == "zh-hans"


def test_api_without_a_key_registers_each_request(api_as, users, unit_a):
    client = api_as(users["frontdesk"])
    assert client.post("/api/tickets/", body(unit=unit_a.pk), format="json").status_code == 201
    assert client.post("/api/tickets/", body(unit=unit_a.pk), format="json").status_code == 201
    assert Ticket.objects.count() == 2 and not TicketRequestKey.objects.exists()


def test_api_refuses_an_overlong_key(api_as, users, unit_a):
    response = post(api_as(users["frontdesk"]), body(unit=unit_a.pk), "k" * 101)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_too_long"
    assert not Ticket.objects.exists()


def test_api_a_refused_request_does_not_use_up_its_key(api_as, users, unit_a):
    client = api_as(users["frontdesk"])
    assert post(client, body(unit=unit_a.pk, description=" "), "fix-and-retry").status_code == 400
    assert post(client, body(unit=unit_a.pk), "fix-and-retry").status_code == 201


def test_resident_retry_returns_the_same_ticket(api_as, resident, unit_a):
    client = api_as(resident)
    data = {"kind": "repair", "category": category().pk, "description": "水管漏水", "unit": unit_a.pk}
    first, again = post(client, data, "resident-key"), post(client, data, "resident-key")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Ticket.objects.count() == 1


def test_schema_documents_the_idempotency_key(api_as, users):
    response = api_as(users["manager"]).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    operation = yaml.safe_load(response.content)["paths"]["/api/tickets/"]["post"]
    assert {"name": "Idempotency-Key", "in": "header"}.items() <= operation["parameters"][0].items()
    assert {"200", "201", "409"} <= set(operation["responses"])
    assert "Idempotency-Key" in operation["description"] and "200" in operation["description"]


# --- service -----------------------------------------------------------------------------------


def test_replay_sends_nothing_again(users, unit_a, django_capture_on_commit_callbacks):
    values = dict(
        actor=users["frontdesk"],
        kind="repair",
        channel="phone",
        category=category("elevator"),
        priority="emergency",
        description="电梯困人",
        unit=unit_a,
        reporter_name="李",
        idempotency_key="lift",
    )
    with django_capture_on_commit_callbacks() as first_callbacks:
        first = services.register_ticket(**values)
    with django_capture_on_commit_callbacks() as again_callbacks:
        again = services.register_ticket(**values)
    assert again.pk == first.pk and again.is_replay and not first.is_replay
    assert first_callbacks and not again_callbacks
    assert first.request_key.key == "lift"


def test_same_key_with_a_unit_of_another_estate_is_refused(users, unit_a, unit_b):
    company = users["company"]
    values = dict(actor=company, kind="repair", channel="phone", category=category(), description="x")
    services.register_ticket(unit=unit_a, reporter_name="甲", idempotency_key="k", **values)
    with pytest.raises(services.IdempotencyConflict):
        services.register_ticket(unit=unit_b, reporter_name="甲", idempotency_key="k", **values)
    assert Ticket.objects.count() == 1


# --- forms -------------------------------------------------------------------------------------


def test_portal_form_double_submit_registers_one_ticket(client_as, resident, unit_a):
    client = client_as(resident)
    key = hidden_key(client.get(reverse("portal:ticket_create")).content.decode())
    data = {
        "unit": unit_a.pk,
        "kind": "repair",
        "category": category("water_leak").pk,
        "description": "天花板滴水",
        "idempotency_key": key,
    }
    first = client.post(reverse("portal:ticket_create"), data)
    again = client.post(reverse("portal:ticket_create"), data)
    ticket = Ticket.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == reverse("portal:ticket_detail", args=[ticket.pk])
    assert [str(m) for m in get_messages(again.wsgi_request)][-1] == (
        f"Your request {ticket.number} had already been received."
    )


def test_portal_form_resent_with_changes_is_refused(client_as, resident, unit_a):
    client = client_as(resident)
    key = hidden_key(client.get(reverse("portal:ticket_create")).content.decode())
    data = {
        "unit": unit_a.pk,
        "kind": "repair",
        "category": category().pk,
        "description": "a",
        "idempotency_key": key,
    }
    client.post(reverse("portal:ticket_create"), data)
    response = client.post(reverse("portal:ticket_create"), {**data, "description": "b"})
    assert response.status_code == 400
    assert "This form was already sent with other details." in response.content.decode()
    assert Ticket.objects.count() == 1


def test_each_portal_form_gets_its_own_key(client_as, resident):
    client = client_as(resident)
    first = hidden_key(client.get(reverse("portal:ticket_create")).content.decode())
    second = hidden_key(client.get(reverse("portal:ticket_create")).content.decode())
    assert first != second


def test_desk_form_double_submit_registers_one_ticket(client_as, users, unit_a):
    client = client_as(users["frontdesk"])
    key = hidden_key(client.get(reverse("tickets:create")).content.decode())
    data = {
        "unit": unit_a.pk,
        "kind": "repair",
        "channel": "walk_in",
        "category": category().pk,
        "description": "门禁坏了",
        "reporter_name": "王",
        "idempotency_key": key,
    }
    first = client.post(reverse("tickets:create"), data)
    again = client.post(reverse("tickets:create"), data)
    ticket = Ticket.objects.get()
    assert first["Location"] == again["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert [str(m) for m in get_messages(again.wsgi_request)][-1] == (
        f"Ticket {ticket.number} was already registered."
    )


def test_desk_form_shown_again_with_errors_keeps_its_key(client_as, users, unit_a):
    client = client_as(users["frontdesk"])
    key = hidden_key(client.get(reverse("tickets:create")).content.decode())
    data = {"unit": unit_a.pk, "kind": "repair", "channel": "walk_in", "category": category().pk}
    response = client.post(reverse("tickets:create"), {**data, "idempotency_key": key})
    assert response.status_code == 400 and hidden_key(response.content.decode()) == key


# --- concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgres
def test_concurrent_posts_with_one_key_make_one_ticket(api_as, users, unit_a):
    clients = [api_as(users["frontdesk"]) for _ in range(2)]
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def send(index):
        try:
            barrier.wait(timeout=10)
            results[index] = post(clients[index], body(unit=unit_a.pk), "twin")
        except Exception as exc:  # noqa: BLE001 - the assertions below show it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not isinstance(r, Exception) and r is not None for r in results), results
    assert sorted(r.status_code for r in results) == [200, 201]
    assert len({r.json()["id"] for r in results}) == 1
    assert Ticket.objects.count() == 1 and TicketRequestKey.objects.count() == 1
