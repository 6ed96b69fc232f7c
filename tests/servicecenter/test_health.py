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
        "broker_transport": None,
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
    class BrokenCursor:
        def __enter__(self):
            raise ConnectionError("database gone")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(views.connection, "cursor", lambda: BrokenCursor())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "ConnectionError"


def test_healthz_needs_no_login_and_answers_json(client, db):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
