"""Issue #14, household requests: the owner asks the centre to add a family member or a tenant;
the desk approves (person and occupancy through the archive's services) or rejects; duplicates
and non-owners are refused."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from residents import services_household as services
from residents.models import HouseholdRequest, Occupancy, Person
from servicecenter.exceptions import DomainError
from tests.factories import PersonFactory, make_id_number, make_resident

pytestmark = pytest.mark.django_db

MEMBER_ID = make_id_number(41, birth="20120304")


def ask(owner, unit, *, id_number=MEMBER_ID, key="", **extra):
    values = {
        "name": "王小明",
        "role": "household_member",
        "mobile": "13900001111",
        "move_in_date": date(2026, 3, 1),
    }
    values.update(extra)
    return services.request_household_member(
        actor=owner, unit=unit, id_number=id_number, idempotency_key=key, **values
    )


def test_the_owner_asks_and_the_desk_approves_creating_person_and_occupancy(resident, unit_a, users):
    request = ask(resident, unit_a)
    assert request.status == "requested"
    assert request.id_number_masked == MEMBER_ID[:3] + "*" * 11 + MEMBER_ID[-4:]
    assert MEMBER_ID not in request.id_number_ciphertext
    services.approve_household_request(request=request, actor=users["frontdesk"])
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", users["frontdesk"])
    person = Person.objects.get(name="王小明")
    assert person.decrypted_id_number() == MEMBER_ID and person.mobile == "13900001111"
    occupancy = request.occupancy
    assert (occupancy.person, occupancy.unit, occupancy.role) == (person, unit_a, "household_member")
    assert occupancy.start_date == date(2026, 3, 1) and not occupancy.sees_bills
    assert [e.action for e in request.events.all()] == ["request", "approve"]


def test_approval_reuses_a_person_already_in_the_estates_archive(resident, unit_a, unit_a2, users):
    existing = PersonFactory(estate=unit_a.estate, name="王小明", id_number=MEMBER_ID)
    Occupancy.objects.create(person=existing, unit=unit_a2, role="tenant", start_date=date(2025, 1, 1))
    services.approve_household_request(request=ask(resident, unit_a), actor=users["housekeeper"])
    assert Person.objects.filter(id_number_hash=existing.id_number_hash).count() == 1
    assert Occupancy.objects.filter(person=existing, unit=unit_a).exists()


def test_a_pending_duplicate_is_refused(resident, unit_a):
    ask(resident, unit_a)
    with pytest.raises(DomainError) as error:
        ask(resident, unit_a, name="王小明二")
    assert error.value.code == "duplicate_member"
    assert HouseholdRequest.objects.count() == 1


def test_someone_already_living_in_the_unit_is_refused(resident, unit_a):
    person = PersonFactory(estate=unit_a.estate, id_number=MEMBER_ID)
    Occupancy.objects.create(person=person, unit=unit_a, role="household_member", start_date=date(2025, 1, 1))
    with pytest.raises(DomainError, match="already lives"):
        ask(resident, unit_a)
    assert not HouseholdRequest.objects.exists()


def test_a_rejected_request_may_be_asked_again(resident, unit_a, users):
    first = ask(resident, unit_a)
    services.reject_household_request(request=first, actor=users["supervisor"], reason="证件不清")
    first.refresh_from_db()
    assert (first.status, first.reject_reason) == ("rejected", "证件不清")
    assert ask(resident, unit_a).pk != first.pk


def test_the_same_idempotency_key_returns_the_first_request(resident, unit_a):
    first = ask(resident, unit_a, key="k-1")
    assert ask(resident, unit_a, key="k-1").pk == first.pk
    assert HouseholdRequest.objects.count() == 1


def test_a_tenant_may_not_ask(unit_a, resident):
    tenant = make_resident(unit_a, username="tenant", role=Occupancy.Role.TENANT)
    with pytest.raises(PermissionDenied):
        ask(tenant, unit_a)
    assert not HouseholdRequest.objects.exists()


def test_an_owner_may_not_ask_for_another_unit(resident, unit_a2):
    with pytest.raises(PermissionDenied):
        ask(resident, unit_a2)


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("id_number", {"id_number": "110101201203040411"}),  # bad check digit
        ("name", {"name": "  "}),
        ("role", {"role": "owner"}),
        ("mobile", {"mobile": "12345"}),
        ("move_in_date", {"move_in_date": None}),
    ],
)
def test_bad_fields_are_refused_by_field(resident, unit_a, field, values):
    with pytest.raises(ValidationError) as error:
        ask(resident, unit_a, **values)
    assert field in error.value.message_dict
    assert not HouseholdRequest.objects.exists()


def test_reject_needs_a_reason_and_a_decided_request_cannot_be_decided_again(resident, unit_a, users):
    request = ask(resident, unit_a)
    with pytest.raises(DomainError):
        services.reject_household_request(request=request, actor=users["manager"], reason=" ")
    services.approve_household_request(request=request, actor=users["manager"])
    with pytest.raises(DomainError):
        services.reject_household_request(request=request, actor=users["manager"], reason="x")


def test_staff_of_another_estate_may_not_decide(resident, unit_a, estate_b):
    from tests.factories import make_staff

    other = make_staff("frontdesk", estate_b, username="fd-b")
    request = ask(resident, unit_a)
    with pytest.raises(PermissionDenied):
        services.approve_household_request(request=request, actor=other)
    request.refresh_from_db()
    assert request.status == "requested"


# --- pages ---------------------------------------------------------------------------------------


def _form(unit, **extra):
    data = {
        "unit": unit.pk,
        "name": "李四",
        "role": "tenant",
        "mobile": "",
        "id_number": MEMBER_ID,
        "move_in_date": "2026-04-01",
        "idempotency_key": "form-1",
    }
    data.update(extra)
    return data


def test_portal_form_creates_a_request_and_the_page_lists_it(client_as, resident, unit_a):
    client = client_as(resident)
    page = client.get(reverse("portal:household"))
    assert b'data-testid="household-ask"' in page.content
    response = client.post(reverse("portal:household_request"), _form(unit_a), follow=True)
    assert response.status_code == 200
    assert HouseholdRequest.objects.get().role == "tenant"
    assert "李四".encode() in response.content and MEMBER_ID.encode() not in response.content


def test_portal_form_of_a_tenant_changes_nothing(client_as, unit_a, resident):
    tenant = make_resident(unit_a, username="tenant", role=Occupancy.Role.TENANT)
    client = client_as(tenant)
    assert b'data-testid="household-ask"' not in client.get(reverse("portal:household")).content
    assert client.post(reverse("portal:household_request"), _form(unit_a)).status_code == 403
    assert not HouseholdRequest.objects.exists()


def test_portal_form_for_another_units_id_is_404(client_as, resident, resident2, unit_a2):
    response = client_as(resident).post(reverse("portal:household_request"), _form(unit_a2))
    assert response.status_code == 404
    assert not HouseholdRequest.objects.exists()


def test_desk_queue_detail_and_approve(client_as, resident, unit_a, users, django_assert_max_num_queries):
    for n in range(3):
        ask(resident, unit_a, id_number=make_id_number(60 + n, birth="20100101"), name=f"成员{n}")
    client = client_as(users["frontdesk"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("residents:household_requests"))
    assert page.content.count(b"/archive/household-requests/") >= 3
    request = HouseholdRequest.objects.first()
    detail = client.get(reverse("residents:household_request_detail", args=[request.pk]))
    assert b'data-action="approve"' in detail.content and MEMBER_ID.encode() not in detail.content
    client.post(reverse("residents:household_request_action", args=[request.pk, "approve"]))
    request.refresh_from_db()
    assert request.status == "approved" and request.occupancy is not None


def test_desk_reject_without_a_reason_changes_nothing(client_as, resident, unit_a, users):
    request = ask(resident, unit_a)
    client = client_as(users["housekeeper"])
    client.post(reverse("residents:household_request_action", args=[request.pk, "reject"]), {"reason": ""})
    request.refresh_from_db()
    assert request.status == "requested"


def test_clerk_may_not_decide(client_as, resident, unit_a, users):
    request = ask(resident, unit_a)
    response = client_as(users["clerk"]).post(
        reverse("residents:household_request_action", args=[request.pk, "approve"])
    )
    assert response.status_code == 403
