"""Redis hung (SIGSTOP: TCP connects, no reply ever comes) as both the Celery broker and the Django
cache, configured exactly as production configures them (the real settings file, read with
REDIS_URL pointing at a private redis-server). Issue #7: registration took 61 s and answered 500
although the ticket was saved, and /healthz hung for 40 s.

Every request here must answer within BOUND_SECONDS; work whose message was lost is done by the
periodic sweeps once Redis answers again, exactly once.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment
from residents.models import SensitiveAccessLog
from servicecenter import tasking, views
from servicecenter.celery import app
from staff import services as staff_services
from staff import tasks as staff_tasks
from staff.models import OutboundMessage
from tests.billing.conftest import make_bill
from tests.factories import OccupancyFactory, PersonFactory, make_id_number
from tests.faults.redis_proc import running_redis
from tests.tickets.conftest import ensure_default_categories
from tests.tickets.factories import category
from tickets import services as ticket_services
from tickets.models import Escalation, Ticket
from tickets.tasks import check_ticket_deadlines

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

BOUND_SECONDS = 8.0
REDIS_DB = 1
CELERY_KEYS = (
    "broker_url",
    "broker_transport_options",
    "broker_connection_timeout",
    "task_publish_retry_policy",
    "task_always_eager",
)


def production_settings(monkeypatch, redis_url: str):
    """servicecenter/settings.py as production loads it with REDIS_URL set (and no other
    broker or cache variable), as a separate module so the test settings are untouched."""
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REDIS_URL", redis_url)
    path = Path(__file__).resolve().parents[2] / "servicecenter" / "settings.py"
    spec = importlib.util.spec_from_file_location("_settings_with_redis", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reset_broker_pools() -> None:
    """Drop the app's pooled broker connections so the next publish uses the current conf."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


class RecordingBackend:
    sent: list[str] = []

    def send(self, *, channel: str, address: str, subject: str, body: str) -> None:
        RecordingBackend.sent.append(address)


@pytest.fixture
def redis_server(monkeypatch, settings):
    with running_redis() as server:
        prod = production_settings(monkeypatch, server.url(REDIS_DB))
        assert prod.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"]  # the setting under test
        settings.CACHES = prod.CACHES
        settings.CELERY_BROKER_URL = prod.CELERY_BROKER_URL
        settings.CELERY_TASK_ALWAYS_EAGER = False
        previous = {key: app.conf[key] for key in CELERY_KEYS}
        try:
            app.conf.update(
                broker_url=prod.CELERY_BROKER_URL,
                broker_transport_options=prod.CELERY_BROKER_TRANSPORT_OPTIONS,
                broker_connection_timeout=prod.CELERY_BROKER_CONNECTION_TIMEOUT,
                task_publish_retry_policy=prod.CELERY_TASK_PUBLISH_RETRY_POLICY,
                task_always_eager=False,
            )
            reset_broker_pools()
            tasking.resume_publishing()
            # Not vacuous: while Redis answers, a publish really lands in this server's queue.
            assert tasking.publish_quietly(check_ticket_deadlines, ticket_id=0) is True
            assert server.client(REDIS_DB).llen("celery") == 1
            server.client(REDIS_DB).delete("celery")
            yield server
        finally:
            server.resume()
            reset_broker_pools()
            app.conf.update(previous)
            tasking.resume_publishing()


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    ensure_default_categories()


def timed(call, limit: float = BOUND_SECONDS + 5):
    """Run `call` in a thread and return (its result, seconds taken). A call still running after
    `limit` fails the test instead of hanging it; the fixture's teardown resumes and stops Redis,
    which releases the thread."""
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = call()
        except BaseException as exc:  # noqa: BLE001  (re-raised in the test's thread)
            outcome["error"] = exc
        finally:
            connection.close()  # this thread's own database connection

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    elapsed = time.monotonic() - started
    if thread.is_alive():
        pytest.fail(f"no answer within {limit:.0f} s: the hung Redis blocks the request")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"], elapsed


def ticket_body(unit, **extra) -> dict:
    body = {
        "unit": unit.pk,
        "kind": "complaint",
        "channel": "phone",
        "category": category("noise").pk,
        "description": "楼上深夜噪音",
        "reporter_name": "张先生",
        "reporter_phone": "13800138000",
    }
    body.update(extra)
    return body


def test_ticket_registration_through_the_api_answers_within_the_bound(
    redis_server, api_as, users, unit_a, caplog
):
    redis_server.hang()
    with caplog.at_level(logging.WARNING, logger="servicecenter.tasks"):
        response, elapsed = timed(
            lambda: api_as(users["frontdesk"]).post("/api/tickets/", ticket_body(unit_a), format="json")
        )
    assert response.status_code == 201, response.content
    assert elapsed < BOUND_SECONDS
    assert Ticket.objects.count() == 1 and Ticket.objects.filter(pk=response.json()["id"]).exists()
    # The publish really went to the hung broker, and gave up.
    assert "broker unavailable" in caplog.text


def test_ticket_registration_on_the_desk_form_answers_within_the_bound(
    redis_server, client_as, users, unit_a, caplog
):
    redis_server.hang()
    with caplog.at_level(logging.WARNING, logger="servicecenter.tasks"):
        response, elapsed = timed(
            lambda: client_as(users["frontdesk"]).post(reverse("tickets:create"), ticket_body(unit_a))
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert elapsed < BOUND_SECONDS
    assert "broker unavailable" in caplog.text


def test_a_second_registration_does_not_wait_for_the_hung_broker_again(redis_server, api_as, users, unit_a):
    redis_server.hang()
    client = api_as(users["frontdesk"])
    first, first_elapsed = timed(lambda: client.post("/api/tickets/", ticket_body(unit_a), format="json"))
    second, second_elapsed = timed(lambda: client.post("/api/tickets/", ticket_body(unit_a), format="json"))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first_elapsed < BOUND_SECONDS
    assert second_elapsed < 1.0  # publishing is paused after the failure
    assert Ticket.objects.count() == 2


def test_a_payment_with_an_idempotency_key_answers_within_the_bound(redis_server, api_as, users, unit_a):
    bill = make_bill(unit_a, "100.00")
    body = {"unit": unit_a.pk, "amount": "100.00", "method": "cash", "bills": [bill.pk]}
    client = api_as(users["clerk"])
    redis_server.hang()
    first, elapsed = timed(
        lambda: client.post("/api/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    )
    assert first.status_code == 201, first.content
    assert elapsed < BOUND_SECONDS
    retry, elapsed = timed(
        lambda: client.post("/api/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    )
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    assert elapsed < BOUND_SECONDS
    assert Payment.objects.count() == 1


def test_healthz_answers_503_within_its_stated_timeout(redis_server, client):
    redis_server.hang()
    response, elapsed = timed(lambda: client.get(reverse("healthz")))
    data = response.json()
    assert response.status_code == 503
    assert data["timeout_seconds"] == views.HEALTHZ_TIMEOUT_SECONDS
    assert elapsed < views.HEALTHZ_TIMEOUT_SECONDS + 0.5
    assert data["database"] == "ok"
    assert data["broker"] != "ok" and data["cache"] != "ok"


def test_healthz_answers_within_its_timeout_when_the_broker_host_is_unreachable(client, settings):
    # A blackhole address: the SYN goes unanswered (or the network is unreachable at once).
    from servicecenter.celery import app as celery_app

    previous = celery_app.conf.broker_url, celery_app.conf.broker_transport_options
    celery_app.conf.broker_url = "redis://10.255.255.1:6379/0"
    celery_app.conf.broker_transport_options = {"socket_timeout": 1, "socket_connect_timeout": 1}
    try:
        response, elapsed = timed(lambda: client.get(reverse("healthz")))
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = previous
    assert response.status_code == 503
    assert response.json()["broker"] != "ok"
    assert elapsed < views.HEALTHZ_TIMEOUT_SECONDS + 0.5


def test_the_desk_id_check_is_refused_quickly_with_the_cache_hung(
    redis_server, client_as, api_as, users, unit_a
):
    number = make_id_number(31)
    person = PersonFactory(estate=unit_a.estate, name="刘洋", id_number=number)
    OccupancyFactory(unit=unit_a, person=person)
    redis_server.hang()
    page, elapsed = timed(
        lambda: client_as(users["frontdesk"]).post(
            reverse("residents:person_verify_id", args=[person.pk]), {"presented": number}
        )
    )
    # One cache round trip with a 1 s socket timeout (redis-py alone would wait 5 s).
    assert page.status_code == 503 and elapsed < 3
    api, elapsed = timed(
        lambda: api_as(users["frontdesk"]).post(
            f"/api/persons/{person.pk}/verify-id/", {"id_number": number}, format="json"
        )
    )
    assert api.status_code == 503 and api.json()["code"] == "check_unavailable"
    assert elapsed < 3
    assert not SensitiveAccessLog.objects.exists()


def test_after_redis_answers_again_the_sweeps_do_the_lost_work_once(
    redis_server, api_as, users, unit_a, settings
):
    settings.EMAIL_CHANNEL_BACKEND = f"{__name__}.RecordingBackend"
    RecordingBackend.sent = []
    users["clerk"].email = "clerk@example.com"
    users["clerk"].save()
    redis_server.hang()
    # Both after-commit messages are lost: the deadline check and the outbound delivery.
    response, _ = timed(
        lambda: api_as(users["frontdesk"]).post("/api/tickets/", ticket_body(unit_a), format="json")
    )
    assert response.status_code == 201
    timed(
        lambda: staff_services.notify(
            recipients=[users["clerk"]], kind="t", title="Lost nudge", channels=("email",)
        )
    )
    assert OutboundMessage.objects.get().status == "pending"

    redis_server.resume()
    # A publish that timed out may still land late (the write sat in the socket buffer); the
    # sweeps must not rely on it either way. Here it is lost, as a restart without persistence
    # would lose it.
    assert redis_server.client(REDIS_DB).llen("celery") <= 1
    redis_server.client(REDIS_DB).delete("celery")
    # The periodic sweeps, run twice as beat would, find the work from the rows alone.
    for _ in range(2):
        staff_tasks.deliver_outbound_messages.apply()
        ticket_services.run_deadline_sweep(now=timezone.now() + timedelta(hours=73))
    assert OutboundMessage.objects.get().status == "sent"
    assert RecordingBackend.sent == ["clerk@example.com"]
    ticket = Ticket.objects.get()
    assert Escalation.objects.filter(ticket=ticket, kind=Escalation.Kind.COMPLAINT_OVERDUE).count() == 1
    # And publishing works again once the pause is over.
    tasking.resume_publishing()
    assert tasking.publish_quietly(check_ticket_deadlines, ticket_id=ticket.pk) is True
    assert redis_server.client(REDIS_DB).llen("celery") == 1
