"""Issue #8, household privacy: who pays a unit's bills and who sees them (residents services, the
portal household page, the desk unit page and the occupancy API)."""

import importlib
from datetime import date, timedelta

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from residents import services
from residents.models import HouseholdChange, Occupancy
from residents.selectors import payers_by_unit
from servicecenter.exceptions import DomainError
from tests.factories import OccupancyFactory, PersonFactory, make_resident

pytestmark = pytest.mark.django_db


def occupancy_of(user) -> Occupancy:
    return Occupancy.objects.get(person__user=user)


@pytest.fixture
def tenant(unit_a, resident):
    return make_resident(unit_a, username="tenant", role=Occupancy.Role.TENANT)


def payer_of(unit) -> Occupancy | None:
    return payers_by_unit([unit.pk]).get(unit.pk)


# --- the default and fallback rules ---------------------------------------------------------------


def test_an_owner_added_through_the_service_becomes_payer_by_default(users, unit_a):
    person = PersonFactory(estate=unit_a.estate)
    occupancy = services.add_occupancy(
        actor=users["frontdesk"], unit=unit_a, person=person, role=Occupancy.Role.OWNER
    )
    assert occupancy.is_payer and occupancy.sees_bills
    change = HouseholdChange.objects.get()
    assert (change.kind, change.occupancy, change.actor) == ("payer_default", occupancy, None)


def test_a_second_owner_or_a_tenant_does_not_take_over_as_payer(users, unit_a):
    first = services.add_occupancy(
        actor=users["frontdesk"], unit=unit_a, person=PersonFactory(estate=unit_a.estate), role="owner"
    )
    second = services.add_occupancy(
        actor=users["frontdesk"], unit=unit_a, person=PersonFactory(estate=unit_a.estate), role="co_owner"
    )
    tenant = services.add_occupancy(
        actor=users["frontdesk"], unit=unit_a, person=PersonFactory(estate=unit_a.estate), role="tenant"
    )
    assert Occupancy.objects.get(pk=first.pk).is_payer
    assert not second.is_payer and not tenant.is_payer and not tenant.sees_bills


def test_without_a_flag_the_owner_is_payer(resident, tenant, unit_a):
    # Factories and bulk imports set no flag: the rule still names the owner.
    assert payer_of(unit_a) == occupancy_of(resident)


def test_a_unit_with_tenants_only_has_no_payer(unit_a):
    OccupancyFactory(unit=unit_a, role=Occupancy.Role.TENANT)
    assert payer_of(unit_a) is None


def test_ending_the_payers_occupancy_falls_back_to_the_owner(users, resident, tenant, unit_a):
    services.set_payer(actor=resident, unit=unit_a, occupancy=occupancy_of(tenant))
    services.end_occupancy(actor=users["frontdesk"], occupancy=occupancy_of(tenant))
    owner = occupancy_of(resident)
    assert owner.is_payer and not occupancy_of(tenant).is_payer
    assert payer_of(unit_a) == owner
    assert HouseholdChange.objects.filter(kind="payer_default", occupancy=owner).exists()


def test_the_owner_moving_out_hands_over_to_a_co_owner(users, resident, unit_a):
    services.set_payer(actor=users["frontdesk"], unit=unit_a, occupancy=occupancy_of(resident))
    co_owner = OccupancyFactory(unit=unit_a, role=Occupancy.Role.CO_OWNER)
    services.end_occupancy(actor=users["frontdesk"], occupancy=occupancy_of(resident))
    assert payer_of(unit_a) == co_owner
    co_owner.refresh_from_db()
    assert co_owner.is_payer


def test_a_payer_moving_out_later_stays_payer_until_then(users, resident, tenant, unit_a):
    services.set_payer(actor=resident, unit=unit_a, occupancy=occupancy_of(tenant))
    services.end_occupancy(
        actor=users["frontdesk"],
        occupancy=occupancy_of(tenant),
        end_date=timezone.localdate() + timedelta(days=30),
    )
    assert payer_of(unit_a) == occupancy_of(tenant)
    later = timezone.localdate() + timedelta(days=31)
    assert payers_by_unit([unit_a.pk], today=later)[unit_a.pk] == occupancy_of(resident)


def test_one_payer_per_unit_in_the_database(resident, tenant, unit_a):
    from django.db import IntegrityError, transaction

    Occupancy.objects.filter(pk=occupancy_of(resident).pk).update(is_payer=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupancy.objects.filter(pk=occupancy_of(tenant).pk).update(is_payer=True)


# --- who may change it ------------------------------------------------------------------------


def test_owner_names_a_tenant_payer_and_it_is_logged(resident, tenant, unit_a):
    services.set_payer(actor=resident, unit=unit_a, occupancy=occupancy_of(tenant))
    assert payer_of(unit_a) == occupancy_of(tenant)
    assert not occupancy_of(resident).is_payer
    change = HouseholdChange.objects.get(kind="payer")
    assert (change.actor, change.occupancy, change.unit) == (resident, occupancy_of(tenant), unit_a)


def test_a_tenant_cannot_name_the_payer_or_grant_visibility(resident, tenant, unit_a):
    with pytest.raises(PermissionDenied):
        services.set_payer(actor=tenant, unit=unit_a, occupancy=occupancy_of(tenant))
    with pytest.raises(PermissionDenied):
        services.set_bill_visibility(actor=tenant, occupancy=occupancy_of(tenant), visible=True)
    assert payer_of(unit_a) == occupancy_of(resident)
    assert not HouseholdChange.objects.exists()


def test_an_owner_of_another_unit_cannot_change_this_one(resident2, tenant, unit_a):
    with pytest.raises(PermissionDenied):
        services.set_payer(actor=resident2, unit=unit_a, occupancy=occupancy_of(tenant))


def test_staff_of_another_estate_cannot_change_it(users, estate_b, tenant, unit_a):
    from tests.factories import make_staff

    outsider = make_staff("frontdesk", estate_b, username="frontdesk-b")
    with pytest.raises(PermissionDenied):
        services.set_payer(actor=outsider, unit=unit_a, occupancy=occupancy_of(tenant))


def test_only_a_current_occupant_can_be_payer(users, resident, unit_a):
    gone = OccupancyFactory(
        unit=unit_a, role=Occupancy.Role.TENANT, start_date=date(2020, 1, 1), end_date=date(2021, 1, 1)
    )
    with pytest.raises(DomainError):
        services.set_payer(actor=users["frontdesk"], unit=unit_a, occupancy=gone)


def test_owners_and_the_payer_cannot_be_hidden_from_the_bills(resident, tenant, unit_a):
    with pytest.raises(DomainError):
        services.set_bill_visibility(actor=resident, occupancy=occupancy_of(resident), visible=False)
    services.set_payer(actor=resident, unit=unit_a, occupancy=occupancy_of(tenant))
    with pytest.raises(DomainError):
        services.set_bill_visibility(actor=resident, occupancy=occupancy_of(tenant), visible=False)


def test_visibility_changes_are_logged_once(resident, tenant):
    occupancy = occupancy_of(tenant)
    services.set_bill_visibility(actor=resident, occupancy=occupancy, visible=True)
    services.set_bill_visibility(actor=resident, occupancy=occupancy, visible=True)
    services.set_bill_visibility(actor=resident, occupancy=occupancy, visible=False)
    assert list(HouseholdChange.objects.order_by("pk").values_list("kind", flat=True)) == [
        "bills_shown",
        "bills_hidden",
    ]


# --- the portal household page ------------------------------------------------------------------


def test_owner_sees_the_household_with_buttons(client_as, resident, tenant, django_assert_max_num_queries):
    client = client_as(resident)
    client.get(reverse("portal:household"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("portal:household"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "tenant-person" in html and "resident-person" in html
    assert reverse("portal:household_payer", args=[occupancy_of(tenant).pk]) in html
    assert reverse("portal:household_bills", args=[occupancy_of(tenant).pk]) in html


def test_household_page_queries_do_not_grow_with_occupants(
    client_as, resident, unit_a, django_assert_max_num_queries
):
    for _ in range(8):
        OccupancyFactory(unit=unit_a, role=Occupancy.Role.HOUSEHOLD_MEMBER)
    client = client_as(resident)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("portal:household"))
    assert page.content.decode().count('data-testid="household-occupant"') == 9


def test_owner_changes_payer_and_visibility_in_the_portal(client_as, resident, tenant, unit_a):
    client = client_as(resident)
    target = occupancy_of(tenant)
    response = client.post(reverse("portal:household_bills", args=[target.pk]), {"visible": "1"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.sees_bills
    client.post(reverse("portal:household_payer", args=[target.pk]))
    assert payer_of(unit_a) == target


def test_tenant_sees_the_household_without_buttons_and_cannot_post(client_as, resident, tenant, unit_a):
    client = client_as(tenant)
    html = client.get(reverse("portal:household")).content.decode()
    assert "resident-person" in html
    assert reverse("portal:household_payer", args=[occupancy_of(tenant).pk]) not in html
    response = client.post(reverse("portal:household_payer", args=[occupancy_of(tenant).pk]))
    assert response.status_code == 403
    response = client.post(
        reverse("portal:household_bills", args=[occupancy_of(tenant).pk]), {"visible": "1"}
    )
    assert response.status_code == 403
    assert payer_of(unit_a) == occupancy_of(resident) and not occupancy_of(tenant).sees_bills


def test_portal_household_post_for_another_units_occupant_is_404(client_as, resident, resident2):
    other = occupancy_of(resident2)
    response = client_as(resident).post(reverse("portal:household_payer", args=[other.pk]))
    assert response.status_code == 404


def test_bad_visibility_value_is_a_message_not_a_500(client_as, resident, tenant):
    response = client_as(resident).post(
        reverse("portal:household_bills", args=[occupancy_of(tenant).pk]), {"visible": "maybe"}, follow=True
    )
    assert response.status_code == 200
    assert not occupancy_of(tenant).sees_bills


# --- the desk and the API -----------------------------------------------------------------------


def test_desk_unit_page_shows_the_payer_and_changes_it(client_as, users, resident, tenant, unit_a):
    client = client_as(users["frontdesk"])
    html = client.get(reverse("residents:unit_detail", args=[unit_a.pk])).content.decode()
    assert 'data-testid="unit-payer"' in html
    assert reverse("residents:occupancy_payer", args=[occupancy_of(tenant).pk]) in html
    client.post(reverse("residents:occupancy_payer", args=[occupancy_of(tenant).pk]))
    assert payer_of(unit_a) == occupancy_of(tenant)
    client.post(reverse("residents:occupancy_bills", args=[occupancy_of(resident).pk]), {"visible": "0"})
    assert HouseholdChange.objects.get(kind="payer").actor == users["frontdesk"]
    assert not HouseholdChange.objects.filter(kind="bills_hidden").exists()  # an owner always sees


def test_desk_change_needs_change_occupancy(client_as, users, tenant):
    response = client_as(users["technician"]).post(
        reverse("residents:occupancy_payer", args=[occupancy_of(tenant).pk])
    )
    assert response.status_code in (403, 404)
    assert not HouseholdChange.objects.exists()


def test_api_actions_for_staff(api_as, users, resident, tenant, unit_a):
    client = api_as(users["frontdesk"])
    target = occupancy_of(tenant)
    response = client.post(f"/api/occupancies/{target.pk}/bill-visibility/", {"visible": True}, format="json")
    assert response.status_code == 200 and response.json()["sees_bills"] is True
    response = client.post(f"/api/occupancies/{target.pk}/payer/")
    assert response.status_code == 200 and response.json()["is_payer"] is True
    assert payer_of(unit_a) == target
    response = client.post(
        f"/api/occupancies/{occupancy_of(resident).pk}/bill-visibility/", {"visible": False}, format="json"
    )
    assert response.status_code == 400
    response = client.post(f"/api/occupancies/{target.pk}/bill-visibility/", {}, format="json")
    assert response.status_code == 400


def test_api_actions_refuse_residents_and_technicians(api_as, users, resident, tenant):
    target = occupancy_of(tenant)
    assert api_as(resident).post(f"/api/occupancies/{target.pk}/payer/").status_code in (403, 404)
    assert api_as(users["technician"]).post(f"/api/occupancies/{target.pk}/payer/").status_code == 403
    assert not HouseholdChange.objects.exists()


# --- the data migration -----------------------------------------------------------------------------


def test_the_migration_names_the_owner_payer_and_lets_owners_see_bills(unit_a, unit_a2):
    migration = importlib.import_module("residents.migrations.0008_default_payers")
    old = date(2020, 1, 1)
    tenant = OccupancyFactory(unit=unit_a, role=Occupancy.Role.TENANT, start_date=old)
    co_owner = OccupancyFactory(unit=unit_a, role=Occupancy.Role.CO_OWNER, start_date=old)
    owner = OccupancyFactory(unit=unit_a, role=Occupancy.Role.OWNER, start_date=date(2022, 1, 1))
    early = OccupancyFactory(unit=unit_a2, role=Occupancy.Role.CO_OWNER, start_date=old)
    late = OccupancyFactory(unit=unit_a2, role=Occupancy.Role.CO_OWNER, start_date=date(2021, 1, 1))
    migration.name_default_payers(django_apps, None)
    payers = set(Occupancy.objects.filter(is_payer=True).values_list("pk", flat=True))
    assert payers == {owner.pk, early.pk}
    seeing = set(Occupancy.objects.filter(sees_bills=True).values_list("pk", flat=True))
    assert seeing == {owner.pk, co_owner.pk, early.pk, late.pk}
    assert tenant.pk not in seeing
