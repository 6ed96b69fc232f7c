"""Getting into the resident portal (issue #14): activation codes issued by the desk, activation,
login by mobile, password reset through the verified mobile, no enumeration, throttling."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from residents import services_access as access
from residents.backends import MobileBackend
from residents.models import Occupancy, PortalCode
from servicecenter.exceptions import DomainError
from staff.models import OutboundMessage
from staff.services import REDACTED_BODY, deliver_due_messages
from tests.factories import OccupancyFactory, PersonFactory, make_resident

pytestmark = pytest.mark.django_db

PASSWORD = "Lantern-river-42"
MOBILE = "13912345678"


@pytest.fixture
def person(unit_a):
    person = PersonFactory(estate=unit_a.estate, name="陈静", mobile=MOBILE)
    OccupancyFactory(unit=unit_a, person=person, role=Occupancy.Role.OWNER)
    return person


def issue(users, person, *, by_sms=False, now=None):
    return access.issue_activation_code(actor=users["frontdesk"], person=person, by_sms=by_sms, now=now)


def activate(code, *, identifier=MOBILE, password=PASSWORD, now=None, username=""):
    return access.activate_portal_account(
        identifier=identifier, code=code, password=password, username=username, now=now
    )


# --- issuing ------------------------------------------------------------------------------------


def test_the_code_is_stored_hashed_and_shown_once(users, person):
    issued = issue(users, person)
    row = PortalCode.objects.get()
    assert len(issued.code) == access.ACTIVATION_LENGTH
    assert issued.code not in row.code_hash and issued.code not in row.code_salt
    assert row.issued_by == users["frontdesk"] and row.expires_at - row.issued_at == timedelta(hours=72)


def test_only_the_desk_roles_may_issue(users, person):
    with pytest.raises(PermissionDenied):
        access.issue_activation_code(actor=users["technician"], person=person, by_sms=False)
    assert not PortalCode.objects.exists()


def test_no_code_for_someone_who_occupies_no_unit(users, estate_a):
    stranger = PersonFactory(estate=estate_a)
    with pytest.raises(DomainError):
        issue(users, stranger)
    assert not PortalCode.objects.exists()


def test_the_sms_carries_the_code_and_is_wiped_once_sent(users, person):
    issued = issue(users, person, by_sms=True)
    message = OutboundMessage.objects.get()
    assert message.address == MOBILE and issued.display in message.body
    deliver_due_messages()
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT and message.body == REDACTED_BODY


def test_reissuing_voids_the_previous_code(users, person):
    first = issue(users, person)
    second = issue(users, person)
    with pytest.raises(access.CodeRefused):
        activate(first.code)
    user = activate(second.code)
    assert PortalCode.objects.get(pk=first.portal_code.pk).voided_at is not None
    assert user.persons.get() == person


# --- activating ---------------------------------------------------------------------------------


def test_activation_creates_a_resident_login_linked_to_the_person(users, person):
    issued = issue(users, person)
    user = activate(issued.display.lower())  # typed in lower case, with the dash
    person.refresh_from_db()
    assert person.user == user and user.username == MOBILE and user.check_password(PASSWORD)
    assert user.groups.filter(name="resident").exists()
    assert PortalCode.objects.get().used_by == user


def test_activation_is_single_use(users, person):
    issued = issue(users, person)
    activate(issued.code)
    with pytest.raises(access.CodeRefused, match="already been used"):
        activate(issued.code, password="Another-pass-99")
    assert get_user_model().objects.get(username=MOBILE).check_password(PASSWORD)


def test_activation_expires_after_72_hours(users, person):
    now = timezone.now()
    issued = issue(users, person, now=now)
    with pytest.raises(access.CodeRefused, match="expired"):
        activate(issued.code, now=now + timedelta(hours=72, seconds=1))
    assert not get_user_model().objects.filter(username=MOBILE).exists()


def test_a_wrong_code_says_how_many_tries_are_left_and_changes_nothing_else(users, person):
    issue(users, person)
    with pytest.raises(access.CodeRefused, match="4 tries left"):
        activate("WRONGCOD")
    assert PortalCode.objects.get().failed_attempts == 1
    assert not get_user_model().objects.filter(username=MOBILE).exists()
    person.refresh_from_db()
    assert person.user is None


def test_the_sixth_attempt_is_refused_even_with_the_right_code(users, person):
    issued = issue(users, person)
    for _ in range(5):
        with pytest.raises(access.CodeRefused):
            activate("WRONGCOD")
    with pytest.raises(access.CodeRefused, match="locked"):
        activate(issued.code)
    assert not get_user_model().objects.filter(username=MOBILE).exists()


def test_a_weak_password_is_refused_without_spending_the_code(users, person):
    issued = issue(users, person)
    with pytest.raises(ValidationError):
        activate(issued.code, password="123")
    row = PortalCode.objects.get()
    assert row.used_at is None and row.failed_attempts == 0
    activate(issued.code)


def test_an_existing_login_is_reopened_with_the_new_password(users, unit_a):
    user = make_resident(unit_a, username="chen")
    person = user.persons.get()
    issued = issue(users, person)
    assert activate(issued.code, identifier=person.mobile) == user
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and user.username == "chen"


# --- logging in by mobile -----------------------------------------------------------------------


def test_login_by_mobile_number(users, person):
    activate(issue(users, person).code, username="chenjing")
    client = Client(REMOTE_ADDR="203.0.113.20")
    response = client.post(reverse("login"), {"username": "139 1234 5678", "password": PASSWORD})
    assert response.status_code == 302 and SESSION_KEY in client.session
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_mobile_shared_by_two_logins_logs_nobody_in(users, person, unit_a2):
    activate(issue(users, person).code, username="chenjing")
    other = make_resident(unit_a2, username="spouse")
    other.persons.update(mobile=MOBILE)
    other.set_password(PASSWORD)
    other.save()
    assert MobileBackend().authenticate(None, username=MOBILE, password=PASSWORD) is None
    client = Client(REMOTE_ADDR="203.0.113.22")
    client.post(reverse("login"), {"username": MOBILE, "password": PASSWORD})
    assert SESSION_KEY not in client.session
    client.post(reverse("login"), {"username": "chenjing", "password": PASSWORD})
    assert SESSION_KEY in client.session


def test_wrong_mobile_logins_are_counted_by_axes(users, person):
    activate(issue(users, person).code, username="chenjing")
    client = Client(REMOTE_ADDR="203.0.113.21")
    for _ in range(5):
        client.post(reverse("login"), {"username": MOBILE, "password": "wrong"})
    response = client.post(reverse("login"), {"username": MOBILE, "password": PASSWORD})
    assert response.status_code == 429 and SESSION_KEY not in client.session


# --- password reset -----------------------------------------------------------------------------


@pytest.fixture
def member(users, person):
    activate(issue(users, person).code, username="chenjing")
    OutboundMessage.objects.all().delete()
    return get_user_model().objects.get(username="chenjing")


def _reset_code(sms: OutboundMessage) -> str:
    return next(word for word in sms.body.replace(",", " ").split() if word.isdigit() and len(word) == 6)


def test_reset_flow(member):
    access.request_password_reset(mobile=MOBILE)
    sms = OutboundMessage.objects.get()
    assert sms.ignores_quiet_hours
    code = _reset_code(sms)
    access.reset_password_with_code(mobile=MOBILE, code=code, password="Fresh-harbour-77")
    member.refresh_from_db()
    assert member.check_password("Fresh-harbour-77")
    with pytest.raises(access.CodeRefused):  # single use
        access.reset_password_with_code(mobile=MOBILE, code=code, password="Other-harbour-78")


def test_reset_code_expires_after_15_minutes(member):
    now = timezone.now()
    access.request_password_reset(mobile=MOBILE, now=now)
    code = _reset_code(OutboundMessage.objects.get())
    with pytest.raises(access.CodeRefused):
        access.reset_password_with_code(
            mobile=MOBILE, code=code, password="Fresh-harbour-77", now=now + timedelta(minutes=15, seconds=1)
        )
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_reset_code_is_locked_after_five_wrong_tries(member):
    access.request_password_reset(mobile=MOBILE)
    code = _reset_code(OutboundMessage.objects.get())
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(access.CodeRefused):
            access.reset_password_with_code(mobile=MOBILE, code=wrong, password="Fresh-harbour-77")
    with pytest.raises(access.CodeRefused):
        access.reset_password_with_code(mobile=MOBILE, code=code, password="Fresh-harbour-77")
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_reset_pages_answer_the_same_for_registered_and_unknown_numbers(member):
    answers = []
    for mobile in (MOBILE, "13700000000"):
        client = Client(REMOTE_ADDR="203.0.113.30", HTTP_ACCEPT_LANGUAGE="en")
        response = client.post(reverse("password_reset"), {"mobile": mobile}, follow=True)
        refused = client.post(
            reverse("password_reset_confirm"),
            {
                "mobile": mobile,
                "code": "000001",
                "password1": "Fresh-harbour-77",
                "password2": "Fresh-harbour-77",
            },
        )
        answers.append((response.status_code, response.redirect_chain, refused.status_code))
        text = response.content.decode()
        assert "If this number belongs to a portal account" in text
        assert "The code is wrong or no longer valid" in refused.content.decode()
    assert answers[0] == answers[1]
    assert OutboundMessage.objects.filter(address=MOBILE).count() == 1
    assert not OutboundMessage.objects.filter(address="13700000000").exists()


def test_reset_requests_per_number_are_capped(member):
    for _ in range(access.RESET_CODES_PER_HOUR + 2):
        access.request_password_reset(mobile=MOBILE)
    assert OutboundMessage.objects.count() == access.RESET_CODES_PER_HOUR


# --- the pages ----------------------------------------------------------------------------------


def _activation_post(client, code, **extra):
    data = {"identifier": MOBILE, "code": code, "username": "", "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("activate"), {**data, **extra})


def test_activation_page_shows_tries_left_and_then_activates(users, person):
    issued = issue(users, person)
    client = Client(REMOTE_ADDR="203.0.113.40", HTTP_ACCEPT_LANGUAGE="en")
    refused = _activation_post(client, "WRONGCOD")
    assert refused.status_code == 400 and "4 tries left" in refused.content.decode()
    done = _activation_post(client, issued.display)
    assert done.status_code == 302 and done["Location"] == reverse("login")


def test_activation_page_is_throttled_like_the_login(users, person):
    issued = issue(users, person)
    client = Client(REMOTE_ADDR="203.0.113.41")
    for _ in range(5):
        _activation_post(client, "WRONGCOD")
    assert AccessAttempt.objects.filter(username=MOBILE).exists()
    response = _activation_post(client, issued.code)
    assert response.status_code == 429
    assert not get_user_model().objects.filter(username=MOBILE).exists()


def test_the_desk_issues_a_code_on_the_person_page(users, person, client_as):
    client = client_as(users["frontdesk"])
    page = client.get(reverse("residents:person_detail", args=[person.pk]))
    assert reverse("residents:person_portal_code", args=[person.pk]) in page.content.decode()
    slip = client.post(reverse("residents:person_portal_code", args=[person.pk]), {"by_sms": ""})
    assert slip.status_code == 200 and "no-store" in slip["Cache-Control"]
    code = slip.context["issued"].display
    assert code in slip.content.decode()
    history = client.get(reverse("residents:person_portal_code", args=[person.pk])).content.decode()
    assert code not in history


def test_the_api_issues_a_code(users, person, api_as):
    response = api_as(users["frontdesk"]).post(
        reverse("person-portal-code", args=[person.pk]), {"by_sms": True}, format="json"
    )
    assert response.status_code == 201 and response["Cache-Control"].startswith("private, no-store")
    assert response.json()["delivery"] == "sms"
    activate(response.json()["code"])
    refused = api_as(users["clerk"]).post(reverse("person-portal-code", args=[person.pk]), {}, format="json")
    assert refused.status_code == 403
