import threading
import time

import pytest
from django.urls import reverse

from servicecenter import views


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() | {"broker_transport": None} == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
        "broker_transport": None,
        "timeout_seconds": views.HEALTHZ_TIMEOUT_SECONDS,
    }


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    from servicecenter.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] != "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    def database_gone():
        raise ConnectionError("database gone")

    monkeypatch.setitem(views.PROBES, "database", database_gone)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "ConnectionError"


@pytest.mark.django_db
def test_healthz_is_503_when_the_cache_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["cache"] == "ConnectionError"
    assert response.json()["database"] == "ok"


@pytest.fixture
def hung_probe(monkeypatch):
    """A probe that never answers until the test ends (a driver without a socket timeout)."""
    release = threading.Event()
    calls = []

    def hang():
        calls.append(1)
        release.wait(30)

    monkeypatch.setitem(views.PROBES, "broker", hang)
    yield calls
    release.set()
    thread = views._running.get("broker")
    if thread is not None:
        thread.join(5)


@pytest.mark.django_db
def test_healthz_answers_503_within_its_timeout_when_a_probe_hangs(client, monkeypatch, hung_probe):
    monkeypatch.setattr(views, "HEALTHZ_TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    assert time.monotonic() - started < 0.5 + 1.0
    assert response.status_code == 503
    assert response.json()["broker"] == "timeout"
    assert response.json()["timeout_seconds"] == 0.5
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_does_not_pile_up_threads_on_a_hung_probe(client, monkeypatch, hung_probe):
    monkeypatch.setattr(views, "HEALTHZ_TIMEOUT_SECONDS", 0.2)
    first = client.get(reverse("healthz"))
    second = client.get(reverse("healthz"))
    assert first.json()["broker"] == second.json()["broker"] == "timeout"
    assert len(hung_probe) == 1  # the second request did not start another hung probe


def test_healthz_needs_no_login_and_answers_json(client, db):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
