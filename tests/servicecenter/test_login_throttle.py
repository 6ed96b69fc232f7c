"""Guessing passwords: the desk login, the admin login and the API token endpoint are throttled
per username + IP, per IP and per username; locks end by time or by a manager; the client IP
comes from X-Forwarded-For only when the request comes from a trusted proxy."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import trans_real
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from residents.models import SensitiveAccessLog
from servicecenter.login_throttle import check_trusted_proxies
from servicecenter.net import client_ip
from tests.factories import PersonFactory, make_staff

LOCKOUT_EN = "Too many failed login attempts. Logging in is blocked for up to 30 minutes"
LOCKOUT_ZH = "登录失败次数过多，已暂停登录，最长 30 分钟"
ZH = {
    "Too many failed login attempts. Logging in is blocked for up to %(minutes)s minutes; try again "
    "later, or ask a manager to unlock the account.": "登录失败次数过多，已暂停登录，最长 %(minutes)s 分钟；请稍后再试，或请经理解除锁定。",
    "Login blocked": "登录已锁定",
}


@pytest.fixture
def zh_catalog():
    """Put the new strings into the zh-hans catalogue until they are compiled into locale/."""
    catalog = trans_real.translation("zh-hans")._catalog
    added = {msgid: text for msgid, text in ZH.items() if msgid not in catalog}
    catalog._catalogs[0].update(added)
    yield
    for msgid in added:
        catalog._catalogs[0].pop(msgid, None)


def desk_login(username, password, *, ip="203.0.113.10", lang="en", **extra):
    client = Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=lang, **extra)
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


def token_login(username, password, *, ip="203.0.113.10", lang="en"):
    client = APIClient(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=lang)
    return client.post(reverse("api-token"), {"username": username, "password": password}, format="json")


def is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def fail(times, username, *, ip="203.0.113.10"):
    for _ in range(times):
        desk_login(username, "wrong", ip=ip)


# --- Desk login -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_desk_login_refuses_the_right_password_after_the_limit(users):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _client, response = desk_login("frontdesk", "wrong")
        assert response.status_code == 200  # the form again, with its error
    _client, response = desk_login("frontdesk", "wrong")
    assert response.status_code == 429
    assert LOCKOUT_EN in response.content.decode()

    client, response = desk_login("frontdesk", "pw")
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_desk_login_works_below_the_limit_and_forgets_those_failures(users):
    fail(settings.LOGIN_FAILURE_LIMIT - 1, "frontdesk")
    client, response = desk_login("frontdesk", "pw")
    assert response.status_code == 302 and is_logged_in(client)
    # A typo later the same day does not lock the account: the earlier failures were forgotten.
    fail(settings.LOGIN_FAILURE_LIMIT - 1, "frontdesk")
    client, response = desk_login("frontdesk", "pw")
    assert response.status_code == 302 and is_logged_in(client)


@pytest.mark.django_db
def test_a_lock_holds_the_user_at_that_ip_only(users):
    fail(settings.LOGIN_FAILURE_LIMIT, "frontdesk", ip="203.0.113.10")
    assert desk_login("frontdesk", "pw", ip="203.0.113.10")[1].status_code == 429
    # Someone guessing from elsewhere cannot lock the receptionist out at her own desk ...
    client, response = desk_login("frontdesk", "pw", ip="198.51.100.7")
    assert response.status_code == 302 and is_logged_in(client)
    # ... nor a colleague who logs in from the guessing machine.
    client, response = desk_login("clerk", "pw", ip="203.0.113.10")
    assert response.status_code == 302 and is_logged_in(client)


@pytest.mark.django_db
def test_one_ip_trying_many_users_is_locked_for_every_user(users):
    per_user = settings.LOGIN_FAILURE_LIMIT - 1  # never enough to lock any single username
    for n in range(settings.LOGIN_IP_FAILURE_LIMIT):
        desk_login(f"guess{n // per_user}", "wrong", ip="203.0.113.66")
    client, response = desk_login("clerk", "pw", ip="203.0.113.66")
    assert response.status_code == 429 and not is_logged_in(client)
    assert token_login("clerk", "pw", ip="203.0.113.66").status_code == 429
    assert desk_login("clerk", "pw", ip="203.0.113.67")[1].status_code == 302


@pytest.mark.django_db
def test_one_user_guessed_from_many_ips_is_locked_everywhere(users):
    for n in range(settings.LOGIN_USER_FAILURE_LIMIT):
        desk_login("manager", "wrong", ip=f"198.51.100.{n + 1}")
    client, response = desk_login("manager", "pw", ip="192.0.2.200")
    assert response.status_code == 429 and not is_logged_in(client)
    assert desk_login("clerk", "pw", ip="192.0.2.200")[1].status_code == 302


@pytest.mark.django_db
def test_refused_attempts_while_locked_do_not_extend_the_lock(users):
    fail(settings.LOGIN_FAILURE_LIMIT, "frontdesk")
    attempt = AccessAttempt.objects.get(username="frontdesk")
    failures, locked_at = attempt.failures_since_start, attempt.attempt_time
    desk_login("frontdesk", "wrong")
    desk_login("frontdesk", "pw")
    attempt.refresh_from_db()
    assert (attempt.failures_since_start, attempt.attempt_time) == (failures, locked_at)


@pytest.mark.django_db
def test_admin_login_is_throttled_too(users):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        Client(REMOTE_ADDR="203.0.113.10").post(
            reverse("admin:login"), {"username": "manager", "password": "wrong"}
        )
    response = Client(REMOTE_ADDR="203.0.113.10").post(
        reverse("admin:login"), {"username": "manager", "password": "pw"}
    )
    assert response.status_code == 429


# --- The lockout message ------------------------------------------------------------------------


@pytest.mark.django_db
def test_lockout_page_speaks_the_users_language(users, zh_catalog):
    fail(settings.LOGIN_FAILURE_LIMIT, "frontdesk")
    _client, response = desk_login("frontdesk", "pw", lang="zh-hans")
    html = response.content.decode()
    assert response.status_code == 429
    assert LOCKOUT_ZH in html and "登录已锁定" in html
    assert LOCKOUT_EN not in html


@pytest.mark.django_db
def test_token_lockout_detail_speaks_the_users_language(users, zh_catalog):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        token_login("frontdesk", "wrong")
    response = token_login("frontdesk", "pw", lang="zh-hans")
    assert response.status_code == 429
    assert response.json()["detail"].startswith(LOCKOUT_ZH)


# --- API token endpoint -------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_endpoint_refuses_the_right_password_after_the_limit(users):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert token_login("frontdesk", "wrong").status_code == 400
    response = token_login("frontdesk", "wrong")
    assert response.status_code == 429
    response = token_login("frontdesk", "pw")
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"
    assert response.json()["detail"].startswith(LOCKOUT_EN)
    assert response["Retry-After"] == str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    assert not Token.objects.filter(user=users["frontdesk"]).exists()


@pytest.mark.django_db
def test_desk_and_token_failures_count_together(users):
    fail(settings.LOGIN_FAILURE_LIMIT - 1, "frontdesk")
    assert token_login("frontdesk", "wrong").status_code == 429
    assert token_login("frontdesk", "pw").status_code == 429


# --- Unlocking ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lock_ends_after_the_cool_off(users):
    fail(settings.LOGIN_FAILURE_LIMIT, "frontdesk")
    assert desk_login("frontdesk", "pw")[1].status_code == 429
    # Move the failures back in time rather than the clock forward: axes reads the time itself.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1)
    )
    client, response = desk_login("frontdesk", "pw")
    assert response.status_code == 302 and is_logged_in(client)


@pytest.mark.django_db
@override_settings(LOGIN_LOCKOUT_MINUTES=5)
def test_the_cool_off_follows_the_setting(users):
    fail(settings.LOGIN_FAILURE_LIMIT, "frontdesk")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=4))
    assert desk_login("frontdesk", "pw")[1].status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=2))
    assert desk_login("frontdesk", "pw")[1].status_code == 302


@pytest.mark.django_db
def test_a_manager_unlocks_in_the_admin(client, users, estate_a):
    manager = make_staff("manager", estate_a, username="admin-manager", is_staff=True)
    fail(settings.LOGIN_FAILURE_LIMIT, "frontdesk")
    assert desk_login("frontdesk", "pw")[1].status_code == 429

    client.force_login(manager)
    changelist = reverse("admin:axes_accessattempt_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    attempt = AccessAttempt.objects.get(username="frontdesk")
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()

    client2, response = desk_login("frontdesk", "pw")
    assert response.status_code == 302 and is_logged_in(client2)


@pytest.mark.django_db
def test_a_manager_sees_the_attempts_of_their_estates_only(client, users, estate_a, estate_b, resident):
    manager = make_staff("manager", estate_a, username="admin-manager", is_staff=True)
    company = make_staff("company", username="admin-company", is_staff=True)
    make_staff("frontdesk", estate_b, username="frontdesk-b")
    for username in ("frontdesk", "resident", "frontdesk-b", "nobody"):
        desk_login(username, "wrong")
    changelist = reverse("admin:axes_accessattempt_changelist")

    client.force_login(manager)
    listed = {attempt.username for attempt in client.get(changelist).context["cl"].result_list}
    assert listed == {"frontdesk", "resident"}
    other = AccessAttempt.objects.get(username="frontdesk-b")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"})
    assert AccessAttempt.objects.filter(pk=other.pk).exists()

    client.force_login(company)
    listed = {attempt.username for attempt in client.get(changelist).context["cl"].result_list}
    assert listed == {"frontdesk", "resident", "frontdesk-b", "nobody"}


@pytest.mark.django_db
def test_cleaning_up_expired_attempts_in_the_admin_works(client, users, estate_a):
    manager = make_staff("manager", estate_a, username="admin-manager", is_staff=True)
    fail(2, "frontdesk")
    fail(1, "clerk")
    AccessAttempt.objects.filter(username="clerk").update(
        attempt_time=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    )
    client.force_login(manager)
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "cleanup_expired_attempts",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["frontdesk"]


@pytest.mark.django_db
def test_other_staff_cannot_see_or_clear_login_attempts(client, users, estate_a):
    supervisor = make_staff("supervisor", estate_a, username="admin-supervisor", is_staff=True)
    client.force_login(supervisor)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


@pytest.mark.django_db
def test_axes_reset_command_unlocks(users):
    fail(settings.LOGIN_FAILURE_LIMIT, "frontdesk")
    call_command("axes_reset_username", "frontdesk")
    assert desk_login("frontdesk", "pw")[1].status_code == 302


# --- Client IP and trusted proxies --------------------------------------------------------------


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXIES=[])
def test_forwarded_for_is_ignored_without_a_trusted_proxy():
    assert client_ip(_request("203.0.113.10", "1.2.3.4")) == "203.0.113.10"


@override_settings(TRUSTED_PROXIES=["10.0.0.5"])
def test_forwarded_for_is_ignored_from_an_untrusted_sender():
    assert client_ip(_request("203.0.113.10", "1.2.3.4")) == "203.0.113.10"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "2001:db8::/32"])
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),
        # The client wrote the left part itself: the right-most address we did not add wins.
        ("10.0.0.5", "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.1.2.3", "198.51.100.7"),
        ("10.0.0.5", "not-an-ip, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "198.51.100.7, garbage", "10.0.0.5"),
        ("10.0.0.5", "", "10.0.0.5"),
        ("10.0.0.5", None, "10.0.0.5"),
        ("10.0.0.5", "198.51.100.7:51234", "198.51.100.7"),
        ("2001:db8::1", "[2001:db9::7]:443", "2001:db9::7"),
        ("::ffff:10.0.0.5", "198.51.100.7", "198.51.100.7"),
    ],
)
def test_forwarded_for_from_a_trusted_proxy_names_the_client(remote, forwarded, expected):
    assert client_ip(_request(remote, forwarded)) == expected


@pytest.mark.django_db
def test_rotating_forwarded_for_does_not_escape_the_lock_without_a_trusted_proxy(users):
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        desk_login("frontdesk", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    client, response = desk_login("frontdesk", "pw", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429 and not is_logged_in(client)


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["10.0.0.5"])
def test_behind_a_trusted_proxy_locks_follow_the_real_client(users):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        desk_login("frontdesk", "wrong", ip="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    locked = desk_login("frontdesk", "pw", ip="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")[1]
    assert locked.status_code == 429
    # The same proxy carries another client: not locked.
    other = desk_login("frontdesk", "pw", ip="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.8")[1]
    assert other.status_code == 302


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["10.0.0.5"])
def test_the_archive_access_log_records_the_client_behind_the_proxy(api_as, users, unit_a):
    person = PersonFactory(estate=unit_a.estate, id_number="110101199003071234")
    client = api_as(users["housekeeper"])
    response = client.post(
        f"/api/persons/{person.pk}/reveal/",
        {"reason": "owner called"},
        format="json",
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )
    assert response.status_code == 200
    assert SensitiveAccessLog.objects.get().ip_address == "198.51.100.7"


@override_settings(TRUSTED_PROXIES=["10.0.0.5", "proxy.example.com"])
def test_a_malformed_trusted_proxy_is_a_system_check_error():
    assert [error.id for error in check_trusted_proxies(None)] == ["servicecenter.E101"]
