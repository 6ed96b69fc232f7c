"""The load test's pre-opened sessions log their user in exactly as the login form would."""

import pytest
from django.conf import settings
from django.urls import reverse

from loadtest.accounts import make_accounts, open_sessions
from tests.factories import OccupancyFactory, TeamFactory


@pytest.mark.django_db
def test_an_opened_session_is_its_user_on_the_next_request(client, estate_a, unit_a):
    TeamFactory(estate=estate_a, kind="customer_service")
    OccupancyFactory(unit=unit_a)
    data = make_accounts(staff=1, residents=1, password="pw-12345678")
    staff, resident = data["staff"][0]["username"], data["residents"][0]["username"]

    keys = open_sessions([staff, resident, "nobody-of-that-name"])

    assert set(keys) == {staff, resident}
    client.cookies[settings.SESSION_COOKIE_NAME] = keys[staff]
    page = client.get(reverse("tickets:list"))
    assert page.status_code == 200
    assert page.wsgi_request.user.username == staff

    client.cookies[settings.SESSION_COOKIE_NAME] = keys[resident]
    portal = client.get(reverse("portal:home"))
    assert portal.status_code == 200
    assert portal.wsgi_request.user.username == resident


@pytest.mark.django_db
def test_a_password_change_ends_an_opened_session(client, estate_a):
    TeamFactory(estate=estate_a, kind="customer_service")
    data = make_accounts(staff=1, residents=0, password="pw-12345678")
    username = data["staff"][0]["username"]
    key = open_sessions([username])[username]

    make_accounts(staff=1, residents=0, password="another-pw-987")  # a new hash: old sessions end
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    page = client.get(reverse("tickets:list"))

    assert page.status_code == 302
    assert reverse("login") in page["Location"]
