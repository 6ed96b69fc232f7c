"""The desk ID check is rate-limited through the cache; with the cache down it is refused
(fail closed) with a clear translated 503, on the desk page and in the API, never a 500."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from residents import services
from residents.models import Occupancy, SensitiveAccessLog
from tests.factories import OccupancyFactory, PersonFactory, make_id_number

pytestmark = pytest.mark.django_db

ID_NUMBER = make_id_number(77)
UNAVAILABLE = "The ID check is unavailable right now; please try again in a few minutes."


@pytest.fixture
def person(unit_a):
    person = PersonFactory(estate=unit_a.estate, name="陈静", id_number=ID_NUMBER)
    OccupancyFactory(unit=unit_a, person=person, role=Occupancy.Role.OWNER)
    return person


@pytest.fixture
def cache_down(settings):
    """The cache is Redis, and nothing listens where it should be."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }


def test_the_check_is_refused_when_the_cache_is_down(users, person, cache_down):
    with pytest.raises(services.CheckUnavailable) as refused:
        services.verify_person_id_number(actor=users["frontdesk"], person=person, presented=ID_NUMBER)
    assert refused.value.status_code == 503
    assert refused.value.code == "check_unavailable"
    # Refused before comparing: nothing was checked, so nothing is logged as checked.
    assert not SensitiveAccessLog.objects.exists()


def test_any_cache_failure_refuses_the_check(users, person, monkeypatch):
    def broken(*args, **kwargs):
        raise ImproperlyConfigured("cache misconfigured")

    monkeypatch.setattr(services.cache, "add", broken)
    with pytest.raises(services.CheckUnavailable):
        services.verify_person_id_number(actor=users["frontdesk"], person=person, presented=ID_NUMBER)


def test_the_check_still_answers_when_the_cache_is_up(users, person):
    assert services.verify_person_id_number(actor=users["frontdesk"], person=person, presented=ID_NUMBER)


def test_the_desk_page_says_the_check_is_unavailable(client_as, users, person, cache_down):
    response = client_as(users["frontdesk"]).post(
        reverse("residents:person_verify_id", args=[person.pk]), {"presented": ID_NUMBER}
    )
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    assert response.context["verify_result"] is None


def test_the_api_answers_a_translated_503(api_as, users, person, cache_down):
    response = api_as(users["frontdesk"]).post(
        f"/api/persons/{person.pk}/verify-id/",
        {"id_number": ID_NUMBER},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 503
    assert response.json() == {"detail": UNAVAILABLE, "code": "check_unavailable"}
    assert not SensitiveAccessLog.objects.exists()
