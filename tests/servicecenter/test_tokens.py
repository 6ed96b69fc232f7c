"""API tokens expire after API_TOKEN_TTL_DAYS, and die on logout, password change and deactivation."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import trans_real
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from servicecenter.authentication import issue_token
from tests.factories import make_staff

EXPIRED_EN = "The API token has expired."
ZH = {
    "The API token has expired. Ask for a new one at /api/auth/token/.": "API 令牌已过期，请通过 /api/auth/token/ 重新获取。"
}


@pytest.fixture
def zh_catalog():
    """Put the new string into the zh-hans catalogue until it is compiled into locale/."""
    catalog = trans_real.translation("zh-hans")._catalog
    added = {msgid: text for msgid, text in ZH.items() if msgid not in catalog}
    catalog._catalogs[0].update(added)
    yield
    for msgid in added:
        catalog._catalogs[0].pop(msgid, None)


def token_aged(user, days: float) -> Token:
    token, _ = Token.objects.get_or_create(user=user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=days))
    return token


def get_estates(token: Token, **extra):
    client = APIClient(**extra)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client.get("/api/estates/")


def has_token(user) -> bool:
    return Token.objects.filter(user=user).exists()


# --- Expiry ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_29_days_old_still_works(users):
    assert get_estates(token_aged(users["frontdesk"], 29)).status_code == 200


@pytest.mark.django_db
def test_a_token_31_days_old_is_refused_with_401(users):
    response = get_estates(token_aged(users["frontdesk"], 31))
    assert response.status_code == 401
    assert response.json()["detail"].startswith(EXPIRED_EN)


@pytest.mark.django_db
def test_the_expiry_message_speaks_the_users_language(users, zh_catalog):
    response = get_estates(token_aged(users["frontdesk"], 31), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("API 令牌已过期")


@pytest.mark.django_db
@override_settings(API_TOKEN_TTL_DAYS=7)
def test_the_lifetime_follows_the_setting(users):
    assert get_estates(token_aged(users["frontdesk"], 6)).status_code == 200
    assert get_estates(token_aged(users["frontdesk"], 8)).status_code == 401


@pytest.mark.django_db
def test_the_token_endpoint_replaces_an_expired_token(users):
    old = token_aged(users["frontdesk"], 31)
    response = APIClient().post(
        reverse("api-token"), {"username": "frontdesk", "password": "pw"}, format="json"
    )
    assert response.status_code == 200
    new_key = response.json()["token"]
    assert new_key != old.key
    assert list(Token.objects.filter(user=users["frontdesk"]).values_list("key", flat=True)) == [new_key]
    assert get_estates(Token.objects.get(key=new_key)).status_code == 200
    expires_at = response.json()["expires_at"]
    assert expires_at.startswith(
        str((timezone.localdate() + timedelta(days=settings.API_TOKEN_TTL_DAYS)).year)
    )


@pytest.mark.django_db
def test_the_token_endpoint_keeps_a_live_token(users):
    live = token_aged(users["frontdesk"], 3)
    response = APIClient().post(
        reverse("api-token"), {"username": "frontdesk", "password": "pw"}, format="json"
    )
    assert response.json()["token"] == live.key


@pytest.mark.django_db
def test_issue_token_takes_now(users):
    token = issue_token(user=users["frontdesk"])
    later = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS + 1)
    assert issue_token(user=users["frontdesk"], now=later).key != token.key


# --- Revocation -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_logging_out_deletes_the_users_tokens(client, users):
    token = token_aged(users["frontdesk"], 0)
    token_aged(users["clerk"], 0)
    client.force_login(users["frontdesk"])
    client.post(reverse("logout"))
    assert not has_token(users["frontdesk"])
    assert has_token(users["clerk"])
    assert get_estates(token).status_code == 401


@pytest.mark.django_db
def test_set_password_and_save_deletes_the_tokens(users):
    user = users["frontdesk"]
    token = token_aged(user, 0)
    user.set_password("a-new-long-passphrase")
    user.save()
    assert not has_token(user)
    assert get_estates(token).status_code == 401


@pytest.mark.django_db
def test_password_reset_form_deletes_the_tokens(users):
    user = users["frontdesk"]
    token_aged(user, 0)
    form = SetPasswordForm(user, {"new_password1": "Ticket-desk-2026!", "new_password2": "Ticket-desk-2026!"})
    assert form.is_valid(), form.errors
    form.save()
    assert not has_token(user)


@pytest.mark.django_db
def test_admin_password_change_deletes_the_tokens(client, users, estate_a):
    admin_user = make_staff("manager", estate_a, username="root", is_staff=True, is_superuser=True)
    user = users["frontdesk"]
    token_aged(user, 0)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "Ticket-desk-2026!", "password2": "Ticket-desk-2026!"},
    )
    assert response.status_code == 302
    assert not has_token(user)


@pytest.mark.django_db
def test_a_hash_written_directly_deletes_the_tokens(users):
    user = users["frontdesk"]
    token_aged(user, 0)
    user = type(user).objects.get(pk=user.pk)  # a fresh copy, as an import script would have
    user.password = make_password("Ticket-desk-2026!")
    user.save(update_fields=["password"])
    assert not has_token(user)


@pytest.mark.django_db
def test_deactivating_the_account_deletes_the_tokens(users):
    user = users["frontdesk"]
    token = token_aged(user, 0)
    user.is_active = False
    user.save()
    assert not has_token(user)
    assert get_estates(token).status_code == 401


@pytest.mark.django_db
def test_other_saves_and_logins_keep_the_tokens(client, users):
    user = users["frontdesk"]
    token = token_aged(user, 0)
    user.first_name = "小王"
    user.save()
    user.save(update_fields=["last_login"])
    client.post(reverse("login"), {"username": "frontdesk", "password": "pw"})
    APIClient().post(reverse("api-token"), {"username": "frontdesk", "password": "pw"}, format="json")
    assert list(Token.objects.filter(user=user).values_list("key", flat=True)) == [token.key]
