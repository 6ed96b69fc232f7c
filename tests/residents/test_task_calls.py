"""The purpose-bound phone reveal (issue #8): no view_sensitive and no typed reason, one log row per
call with the task in structured fields; the free-text reveal still needs both."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse

from residents import services
from residents.models import SensitiveAccessLog
from servicecenter.exceptions import DomainError
from tests.factories import PersonFactory, make_staff

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_reveal_for_a_task_logs_the_task_and_needs_no_view_sensitive(users, estate_a):
    technician = users["technician"]
    assert not technician.has_perm("residents.view_sensitive")
    person = PersonFactory(estate=estate_a, mobile="13812345678")
    phone = services.reveal_phone_for_task(
        actor=technician,
        purpose=SensitiveAccessLog.Purpose.TICKET,
        purpose_id=41,
        task="LJY-0001",
        person=person,
        phone=person.mobile,
        estate_id=estate_a.pk,
        ip_address="10.0.0.9",
        now=NOW,
    )
    assert phone == "13812345678"
    log = SensitiveAccessLog.objects.get()
    assert (
        log.action,
        log.purpose,
        log.purpose_id,
        log.person,
        log.reason,
        log.ip_address,
        log.created_at,
    ) == (
        "call",
        "ticket",
        41,
        person,
        "Call about ticket LJY-0001",
        "10.0.0.9",
        NOW,
    )


def test_reveal_for_a_task_without_a_number_logs_nothing(users, estate_a):
    with pytest.raises(DomainError) as refused:
        services.reveal_phone_for_task(
            actor=users["housekeeper"],
            purpose=SensitiveAccessLog.Purpose.CALLBACK,
            purpose_id=1,
            task="LJY-0001",
            person=None,
            phone="  ",
            estate_id=estate_a.pk,
        )
    assert refused.value.code == "no_phone"
    assert not SensitiveAccessLog.objects.exists()


def test_reveal_for_a_task_refuses_an_unknown_purpose_and_a_person_of_another_estate(
    users, estate_a, estate_b
):
    kwargs = {"actor": users["housekeeper"], "purpose_id": 1, "task": "x", "phone": "13800000000"}
    with pytest.raises(DomainError):
        services.reveal_phone_for_task(**kwargs, purpose="gossip", person=None, estate_id=estate_a.pk)
    with pytest.raises(DomainError):
        services.reveal_phone_for_task(
            **kwargs, purpose="callback", person=PersonFactory(estate=estate_b), estate_id=estate_a.pk
        )
    assert not SensitiveAccessLog.objects.exists()


def test_a_call_row_without_its_task_is_refused_by_the_database(users, estate_a):
    with pytest.raises(IntegrityError):
        SensitiveAccessLog.objects.create(estate=estate_a, actor=users["housekeeper"], action="call")


def test_a_reveal_row_still_needs_a_person(users, estate_a):
    with pytest.raises(IntegrityError):
        SensitiveAccessLog.objects.create(
            estate=estate_a, actor=users["manager"], action="reveal", reason="x"
        )


def test_the_free_text_reveal_still_requires_its_reason_and_permission(users, estate_a):
    person = PersonFactory(estate=estate_a)
    with pytest.raises(ValidationError):
        services.reveal_person(actor=users["housekeeper"], person=person, reason=" ")
    with pytest.raises(PermissionDenied):
        services.reveal_person(actor=users["technician"], person=person, reason="想打电话")
    assert not SensitiveAccessLog.objects.exists()


def test_the_api_lists_call_rows_with_their_task(api_as, users, estate_a):
    services.reveal_phone_for_task(
        actor=users["housekeeper"],
        purpose=SensitiveAccessLog.Purpose.CALLBACK,
        purpose_id=7,
        task="LJY-0007",
        person=None,
        phone="13800000000",
        estate_id=estate_a.pk,
    )
    response = api_as(users["manager"]).get("/api/access-logs/")
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert (row["action"], row["purpose"], row["purpose_id"], row["person"], row["person_name"]) == (
        "call",
        "callback",
        7,
        None,
        None,
    )
    assert "13800000000" not in response.content.decode()


def test_the_admin_shows_the_task_of_a_call(client_as, users, estate_a, unit_a):
    services.reveal_phone_for_task(
        actor=users["housekeeper"],
        purpose=SensitiveAccessLog.Purpose.FEE_CALL,
        purpose_id=unit_a.pk,
        task=unit_a.code,
        person=None,
        phone="13800000000",
        estate_id=estate_a.pk,
    )
    admin_manager = make_staff("manager", estate_a, username="admin-manager", is_staff=True)
    response = client_as(admin_manager).get(
        reverse("admin:residents_sensitiveaccesslog_changelist"), {"purpose__exact": "fee_call"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("residents:unit_detail", args=[unit_a.pk]) in html and "Fee-collection call" in html
