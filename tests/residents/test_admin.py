"""The archive's Django admin: scoped to the user's estates, numbers masked, the access log read-only."""

import pytest
from django.urls import reverse

from residents import services
from residents.models import Person, SensitiveAccessLog, Unit
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    OccupancyFactory,
    PersonFactory,
    UnitFactory,
    make_id_number,
    make_staff,
)

FULL_ID = make_id_number(321)
FULL_MOBILE = "13912345678"


@pytest.fixture
def admin_manager(estate_a):
    """A manager of estate A who may use the admin site."""
    return make_staff("manager", estate_a, username="admin-manager", is_staff=True)


@pytest.fixture
def admin_company(db):
    return make_staff("company", username="admin-company", is_staff=True)


@pytest.fixture
def owner(unit_a):
    person = PersonFactory(estate=unit_a.estate, name="张伟", mobile=FULL_MOBILE, id_number=FULL_ID)
    OccupancyFactory(unit=unit_a, person=person)
    return person


def _changelist(model):
    return reverse(f"admin:residents_{model._meta.model_name}_changelist")


def _change(obj):
    return reverse(f"admin:residents_{obj._meta.model_name}_change", args=[obj.pk])


def test_site_header_is_the_service_centre(client_as, admin_manager):
    html = client_as(admin_manager).get(reverse("admin:index")).content.decode()
    assert "Service centre administration" in html


def test_unit_changelist_excludes_other_estates(client_as, admin_manager, unit_a, unit_b):
    response = client_as(admin_manager).get(_changelist(Unit))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [unit_a]


def test_change_page_of_another_estates_unit_is_not_found(client_as, admin_manager, unit_b):
    response = client_as(admin_manager).get(_change(unit_b))
    # The admin answers "does not exist" with a redirect to its index.
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"] == reverse("admin:index")
    response = client_as(admin_manager).post(_change(unit_b), {"number": "9999", "area": "1"})
    unit_b.refresh_from_db()
    assert unit_b.number == "0801"


def test_company_user_sees_every_estates_units(client_as, admin_company, unit_a, unit_b):
    client = client_as(admin_company)
    response = client.get(_changelist(Unit))
    assert set(response.context["cl"].result_list) == {unit_a, unit_b}
    assert client.get(_change(unit_b)).status_code == 200


def test_estate_list_filter_offers_only_the_users_estates(client_as, estate_a, unit_a, unit_b):
    estate_c = EstateFactory(name="东湖园", code="DHY")
    UnitFactory(building=BuildingFactory(estate=estate_c, code="1"))
    manager = make_staff("manager", estate_a, estate_c, username="two-estates", is_staff=True)
    response = client_as(manager).get(_changelist(Unit))
    estate_filter = next(
        f for f in response.context["cl"].filter_specs if getattr(f, "field_path", "") == "estate"
    )
    assert {label for _pk, label in estate_filter.lookup_choices} == {"绿景苑", "东湖园"}


def test_unit_form_offers_only_buildings_of_the_users_estates(client_as, admin_manager, building_a, unit_b):
    response = client_as(admin_manager).get(reverse("admin:residents_unit_add"))
    buildings = response.context["adminform"].form.fields["building"].queryset
    assert list(buildings) == [building_a]
    posted = client_as(admin_manager).post(
        reverse("admin:residents_unit_add"),
        {
            "building": unit_b.building_id,
            "number": "0901",
            "area": "80",
            "use": "residential",
            "state": "vacant",
        },
    )
    assert posted.status_code == 200
    assert "building" in posted.context["adminform"].form.errors
    assert not Unit.objects.filter(number="0901").exists()


def test_unit_admin_refuses_a_duplicate_unit_code(client_as, admin_manager, unit_a):
    response = client_as(admin_manager).post(
        reverse("admin:residents_unit_add"),
        {
            "building": unit_a.building_id,
            "entrance": "2",
            "number": "1101",
            "area": "80",
            "use": "residential",
            "state": "vacant",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["number"]
    assert Unit.objects.filter(code="3-2-1101").count() == 1


def test_building_autocomplete_returns_only_the_users_estates(client_as, admin_manager, building_a, unit_b):
    response = client_as(admin_manager).get(
        reverse("admin:autocomplete"),
        {"app_label": "residents", "model_name": "unit", "field_name": "building", "term": ""},
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(building_a.pk)]


def test_person_changelist_shows_masked_numbers_only(client_as, admin_manager, owner):
    html = client_as(admin_manager).get(_changelist(Person)).content.decode()
    assert owner.mobile_masked in html and owner.id_number_masked in html
    assert FULL_MOBILE not in html and FULL_ID not in html


def test_person_change_page_shows_no_full_numbers_and_no_ciphertext(client_as, admin_manager, owner):
    response = client_as(admin_manager).get(_change(owner))
    html = response.content.decode()
    assert response.status_code == 200
    assert FULL_MOBILE not in html and FULL_ID not in html
    assert owner.id_number_ciphertext not in html and owner.id_number_hash not in html
    assert owner.id_number_masked in html  # in the "leave blank to keep" help text
    form_fields = set(response.context["adminform"].form.fields)
    assert not form_fields & {"id_number_ciphertext", "id_number_hash", "id_number_masked"}
    assert "reveal" not in html.lower()


def _person_post(person, **overrides):
    data = {
        "name": person.name,
        "mobile": "",
        "other_phones": "",
        "id_number": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "notes": "",
        "user": "",
        "occupancies-TOTAL_FORMS": "1",
        "occupancies-INITIAL_FORMS": "1",
        "occupancies-MIN_NUM_FORMS": "0",
        "occupancies-MAX_NUM_FORMS": "1000",
        "occupancies-0-id": str(person.occupancies.get().pk),
        "occupancies-0-person": str(person.pk),
    }
    data.update(overrides)
    return data


def test_person_admin_blank_numbers_keep_the_stored_ones(client_as, admin_manager, owner):
    response = client_as(admin_manager).post(_change(owner), _person_post(owner, name="张伟伟"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    owner.refresh_from_db()
    assert (owner.name, owner.mobile, owner.decrypted_id_number()) == ("张伟伟", FULL_MOBILE, FULL_ID)


def test_person_admin_stores_a_new_id_number_encrypted(client_as, admin_manager, owner):
    new_id = make_id_number(654)
    response = client_as(admin_manager).post(_change(owner), _person_post(owner, id_number=new_id))
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.decrypted_id_number() == new_id
    assert new_id not in owner.id_number_ciphertext
    assert owner.id_number_masked == new_id[:3] + "*" * 11 + new_id[-4:]


def test_person_admin_rejects_a_bad_checksum_and_a_duplicate(client_as, admin_manager, owner, estate_a):
    other = PersonFactory(estate=estate_a, name="李娜")
    OccupancyFactory(person=other, unit=owner.occupancies.get().unit)
    bad = FULL_ID[:17] + ("0" if FULL_ID[17] != "0" else "1")
    for value in (bad, FULL_ID):
        response = client_as(admin_manager).post(_change(other), _person_post(other, id_number=value))
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["id_number"]
    other.refresh_from_db()
    assert other.id_number_hash is None


def test_person_admin_search_finds_a_full_id_number(client_as, admin_manager, owner, estate_a):
    PersonFactory(estate=estate_a, name="李娜")
    response = client_as(admin_manager).get(_changelist(Person), {"q": FULL_ID})
    assert list(response.context["cl"].result_list) == [owner]


def test_access_log_is_read_only_in_admin(client_as, admin_manager, owner):
    services.reveal_person(actor=admin_manager, person=owner, reason="核实")
    log = SensitiveAccessLog.objects.get()
    client = client_as(admin_manager)
    assert client.get(_changelist(SensitiveAccessLog)).status_code == 200
    assert client.get(reverse("admin:residents_sensitiveaccesslog_add")).status_code == 403
    client.post(_change(log), {"reason": "changed"})
    assert client.post(reverse("admin:residents_sensitiveaccesslog_delete", args=[log.pk])).status_code == 403
    log.refresh_from_db()
    assert log.reason == "核实"


def test_access_log_admin_is_scoped(client_as, admin_manager, owner, estate_b):
    person_b = PersonFactory(estate=estate_b)
    manager_b = make_staff("manager", estate_b, username="manager-b")
    services.reveal_person(actor=manager_b, person=person_b, reason="B")
    services.reveal_person(actor=admin_manager, person=owner, reason="A")
    response = client_as(admin_manager).get(_changelist(SensitiveAccessLog))
    assert [log.reason for log in response.context["cl"].result_list] == ["A"]


@pytest.mark.parametrize(
    "model_name", ["estate", "building", "unit", "person", "occupancy", "archivedocument"]
)
def test_every_archive_changelist_opens(client_as, admin_company, owner, unit_b, model_name):
    response = client_as(admin_company).get(reverse(f"admin:residents_{model_name}_changelist"), {"q": "3"})
    assert response.status_code == 200


def test_renaming_a_building_in_admin_renumbers_its_units(client_as, admin_manager, unit_a):
    building = unit_a.building
    response = client_as(admin_manager).post(
        reverse("admin:residents_building_change", args=[building.pk]),
        {"code": "5", "name": building.name, "floors": "18", "has_elevator": "on"},
    )
    assert response.status_code == 302
    unit_a.refresh_from_db()
    assert unit_a.code == "5-2-1101"


def test_building_admin_is_scoped(client_as, admin_manager, building_a, estate_b):
    BuildingFactory(estate=estate_b, code="Z")
    response = client_as(admin_manager).get(_changelist(BuildingFactory._meta.model))
    assert list(response.context["cl"].result_list) == [building_a]
