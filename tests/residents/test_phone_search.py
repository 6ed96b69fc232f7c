"""A masked phone (135****8095) must not be recoverable by searching, filtering or sorting.

Issue #7: adding one digit at a time to `?q=` recovered a hidden mobile in 16 searches, because
every search matched any fragment of the stored number. Now every surface matches a phone by its
full digits or by exactly its last four (which the mask shows anyway), phones are stored as
digits, and nothing filters or sorts by a phone or an ID number.
"""

from __future__ import annotations

import importlib

import django_filters
import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.urls import reverse

from residents import services as resident_services
from residents.models import Person
from servicecenter.api_router import router
from servicecenter.ordering import SafeOrderingFilter, is_secret_ordering
from servicecenter.phones import SECRET_FIELD_NAMES, phone_search_digits
from servicecenter.validators import normalize_phone, normalize_phone_list
from staff.models import StaffProfile
from tests.factories import BuildingFactory, OccupancyFactory, PersonFactory, UnitFactory, make_staff

VICTIM_MOBILE = "13512348095"
VICTIM_NAME = "欧阳受害"

# The attack of the issue: growing prefixes, the masked form as shown, and every fragment of the
# number that is not the whole number or exactly its last four.
ATTACK_QUERIES = sorted(
    {VICTIM_MOBILE[:n] for n in range(1, 11)}
    | {VICTIM_MOBILE[-n:] for n in (1, 2, 3, 5, 6, 7, 8, 9, 10)}
    | {VICTIM_MOBILE[i : i + n] for n in range(4, 11) for i in range(1, 11 - n)}
    | {"135****8095", "1351***8095", "135-1234-809", "+86 135 1234 809", "+8613512348095" + "0"}
)
FOUND_BY = ["13512348095", "135-1234-8095", "135 1234 8095", "+86 135 1234 8095", "8095"]


@pytest.fixture
def victim(estate_a):
    # A unit code that no digit query starts with, so that a unit shows only through its occupant.
    unit = UnitFactory(
        building=BuildingFactory(estate=estate_a, code="B", name="B座"), entrance="", number="0302"
    )
    person = PersonFactory(estate=estate_a, name=VICTIM_NAME, mobile=VICTIM_MOBILE)
    OccupancyFactory(unit=unit, person=person)
    # A neighbour whose number shares the victim's prefix, so a prefix query is not empty by itself.
    PersonFactory(estate=estate_a, name="邻居", mobile="13599990000")
    return person


@pytest.fixture
def admin_manager(estate_a):
    return make_staff("manager", estate_a, username="admin-manager", is_staff=True)


def _desk_search(users, client_as, victim, query):
    from residents.selectors import search_archive

    found = search_archive(user=users["frontdesk"], query=query)
    unit = victim.occupancies.get().unit
    html = client_as(users["frontdesk"]).get(reverse("search"), {"q": query}).content.decode()
    return victim in found.persons or unit in found.units or VICTIM_NAME in html


def _reporter_type_ahead(users, client_as, victim, query):
    rows = client_as(users["frontdesk"]).get(reverse("tickets:lookup"), {"q": query}).json()["results"]
    return any(row["person"] and row["person"]["id"] == victim.pk for row in rows)


def _cashier_type_ahead(users, client_as, victim, query):
    rows = client_as(users["clerk"]).get(reverse("billing:unit_search"), {"q": query}).json()["results"]
    return any(row["id"] == victim.occupancies.get().unit_id for row in rows)


def _desk_person_list(users, client_as, victim, query):
    html = client_as(users["frontdesk"]).get(reverse("residents:person_list"), {"q": query}).content.decode()
    return VICTIM_NAME in html


def _persons_to_pick(users, client_as, victim, query):
    from residents.selectors import persons_to_pick

    return victim in persons_to_pick(user=users["frontdesk"], estate_id=victim.estate_id, query=query)


def _api_persons(users, client_as, victim, query):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(users["frontdesk"])
    response = api.get("/api/persons/", {"q": query})
    assert response.status_code == 200
    return any(row["id"] == victim.pk for row in response.json()["results"])


def _admin_persons(users, client_as, victim, query):
    manager = make_staff("manager", victim.estate, username="admin-manager", is_staff=True)
    html = client_as(manager).get(reverse("admin:residents_person_changelist"), {"q": query}).content.decode()
    return VICTIM_NAME in html


SURFACES = [
    _desk_search,
    _reporter_type_ahead,
    _cashier_type_ahead,
    _desk_person_list,
    _persons_to_pick,
    _api_persons,
    _admin_persons,
]


@pytest.mark.django_db
@pytest.mark.parametrize("surface", SURFACES, ids=lambda f: f.__name__.strip("_"))
def test_the_digit_by_digit_attack_finds_nobody_on_any_surface(surface, users, client_as, victim):
    leaks = [query for query in ATTACK_QUERIES if surface(users, client_as, victim, query)]
    assert leaks == []


@pytest.mark.django_db
@pytest.mark.parametrize("surface", SURFACES, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("query", FOUND_BY)
def test_the_full_number_or_exactly_the_last_four_finds_the_person(surface, query, users, client_as, victim):
    assert surface(users, client_as, victim, query)


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("13512348095", "13512348095"),
        ("+86 135 1234 8095", "13512348095"),
        ("0755-8888-1234", "075588881234"),
        ("8095", "8095"),
        ("80951", None),  # 5 to 10 digits: a fragment, never a phone search
        ("1351234809", None),
        ("135", None),
        ("135****8095", None),
        ("王", None),
    ],
)
def test_only_a_whole_number_or_four_digits_is_a_phone_search(typed, digits):
    assert phone_search_digits(typed) == digits


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0755-8888-1234", "075588881234"),
        ("138 0013 8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086 138-0013-8000", "13800138000"),
        ("(0755) 8888 1234", "075588881234"),
        ("+852 9123 4567", "0085291234567"),
        ("", ""),
    ],
)
def test_phones_are_stored_as_digits(typed, stored):
    assert normalize_phone(typed) == stored


def test_a_list_of_phones_is_normalised_entry_by_entry():
    assert normalize_phone_list("0755-8888-1234，138 0013 8000; 075588881234") == "075588881234, 13800138000"


@pytest.mark.django_db
def test_a_dashed_landline_is_found_by_its_full_digits_or_last_four(users, estate_a):
    from residents.selectors import search_archive

    person = resident_services.create_person(
        actor=users["frontdesk"], estate=estate_a, name="座机户", other_phones="0755-8888-1234, 138 0013 8000"
    )
    assert person.other_phones == "075588881234, 13800138000"
    frontdesk = users["frontdesk"]
    for query in ("0755-8888-1234", "075588881234", "1234", "138-0013-8000", "8000"):
        assert search_archive(user=frontdesk, query=query).persons == [person], query
    for query in ("8888", "88881234", "0755", "0755888", "5888812", "0013"):
        assert search_archive(user=frontdesk, query=query).persons == [], query


@pytest.mark.django_db
def test_other_phones_without_digits_are_refused(users, estate_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        resident_services.create_person(
            actor=users["frontdesk"], estate=estate_a, name="无号", other_phones="无"
        )
    assert "other_phones" in caught.value.message_dict


@pytest.mark.django_db
def test_a_reporters_free_text_phone_is_stored_as_digits(users, unit_a):
    from tests.tickets.conftest import ensure_default_categories
    from tests.tickets.factories import register

    ensure_default_categories()  # an earlier transactional test may have flushed the seeded ones
    ticket = register(users["frontdesk"], unit_a, reporter_phone="0755-8888-1234")
    assert ticket.reporter_phone == "075588881234"


@pytest.mark.django_db
def test_a_staff_phone_is_stored_as_digits_and_found_in_the_admin_by_last_four(client_as, estate_a):
    boss = make_staff("company", username="admin-company", is_staff=True)
    profile = StaffProfile.objects.get(user=make_staff("technician", estate_a, username="worker"))
    profile.phone = "0755-2600 4321"
    profile.save()
    profile.refresh_from_db()
    assert profile.phone == "075526004321"
    url = reverse("admin:staff_staffprofile_changelist")
    assert "worker" in client_as(boss).get(url, {"q": "4321"}).content.decode()
    assert "worker" in client_as(boss).get(url, {"q": "0755-2600-4321"}).content.decode()
    assert "worker" not in client_as(boss).get(url, {"q": "26004"}).content.decode()


# --- filters, ordering and admin lookups --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ordering", ["mobile", "-mobile", "other_phones", "id_number_hash", "id_number_masked"]
)
def test_the_api_refuses_to_sort_people_by_a_phone_or_id_number(ordering, users, estate_a):
    from rest_framework.test import APIClient

    # Names sort one way, mobiles the opposite way: a sort by mobile would show.
    for name, mobile in (("甲", "13900000003"), ("乙", "13900000002"), ("丙", "13900000001")):
        PersonFactory(estate=estate_a, name=name, mobile=mobile)
    api = APIClient()
    api.force_authenticate(users["frontdesk"])
    plain = [row["id"] for row in api.get("/api/persons/").json()["results"]]
    sorted_ = [row["id"] for row in api.get("/api/persons/", {"ordering": ordering}).json()["results"]]
    assert sorted_ == plain


@pytest.mark.parametrize(
    "term", ["mobile", "-person__mobile", "reporter_phone", "id_number_hash", "unit__x__phone"]
)
def test_the_ordering_filter_drops_secret_terms_even_from_all_fields(term):
    from residents.api.views import PersonViewSet

    view = PersonViewSet()
    view.ordering_fields = "__all__"
    assert is_secret_ordering(term)
    kept = SafeOrderingFilter().remove_invalid_fields(Person.objects.all(), ["name", "mobile"], view, None)
    assert kept == ["name"]


def _filtersets():
    for app in ("residents", "tickets", "billing", "staff"):
        importlib.import_module(f"{app}.filters") if importlib.util.find_spec(f"{app}.filters") else None
    found, todo = set(), [django_filters.FilterSet]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    for _prefix, viewset, _basename in router.registry:
        fields = getattr(viewset, "filterset_fields", None)
        if fields:
            found.add((viewset.__name__, tuple(fields)))
    return sorted(found, key=str)


@pytest.mark.parametrize("filterset", _filtersets(), ids=str)
def test_no_filter_narrows_by_a_phone_or_id_number(filterset):
    if isinstance(filterset, tuple):
        names = list(filterset[1])
    else:
        names = [f.field_name or "" for f in filterset.base_filters.values()]
    assert not [n for n in names if set(n.split("__")) & SECRET_FIELD_NAMES]


def _model_admins():
    return sorted(admin.site._registry.values(), key=lambda a: a.model._meta.label)


@pytest.mark.parametrize("model_admin", _model_admins(), ids=lambda a: a.model._meta.label)
def test_no_admin_searches_sorts_or_filters_by_part_of_a_phone(model_admin):
    secret = SECRET_FIELD_NAMES | set(getattr(model_admin, "secret_fields", ()))
    for field in model_admin.search_fields or ():
        if set(field.lstrip("^@").split("__")) & secret:
            assert field.startswith("="), field  # an exact match on the whole value only
    for entry in [*(model_admin.list_filter or ()), *(model_admin.ordering or ())]:
        name = entry if isinstance(entry, str) else entry[0] if isinstance(entry, tuple) else ""
        assert not set(name.lstrip("-").split("__")) & secret, name
    own = {f.name for f in model_admin.model._meta.get_fields()} & secret
    for field in own:
        assert not model_admin.lookup_allowed(f"{field}__startswith", "135", None), field


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup", ["mobile__startswith", "mobile__contains", "other_phones__contains", "id_number_hash"]
)
def test_the_admin_changelist_refuses_a_filter_on_a_phone_in_the_url(
    lookup, client_as, admin_manager, victim
):
    url = reverse("admin:residents_person_changelist")
    response = client_as(admin_manager).get(url, {lookup: "1351"})
    assert response.status_code == 400
    assert VICTIM_NAME not in response.content.decode()


# --- the data migrations ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_residents_migration_normalises_stored_phones(estate_a):
    migration = importlib.import_module("residents.migrations.0005_normalise_phones")
    person = PersonFactory(estate=estate_a)
    Person.objects.filter(pk=person.pk).update(
        mobile="+86 135-1234-8095",
        other_phones="0755-8888-1234，138 0013 8000",
        emergency_contact_phone="139 0000 1111",
    )
    untouched = PersonFactory(estate=estate_a, mobile="13600000000")
    migration.normalise_person_phones(django_apps, None)
    person.refresh_from_db()
    assert (person.mobile, person.other_phones, person.emergency_contact_phone) == (
        "13512348095",
        "075588881234, 13800138000",
        "13900001111",
    )
    untouched.refresh_from_db()
    assert untouched.mobile == "13600000000"


@pytest.mark.django_db
def test_the_tickets_and_staff_migrations_normalise_stored_phones(users, unit_a):
    from tests.tickets.conftest import ensure_default_categories
    from tests.tickets.factories import TicketFactory
    from tickets.models import Ticket

    ensure_default_categories()
    ticket = TicketFactory(unit=unit_a)
    Ticket.objects.filter(pk=ticket.pk).update(reporter_phone="0755-8888 1234")
    StaffProfile.objects.filter(user=users["frontdesk"]).update(phone="+86 139-0000-2222")
    importlib.import_module("tickets.migrations.0009_normalise_reporter_phones").normalise_reporter_phones(
        django_apps, None
    )
    importlib.import_module("staff.migrations.0005_normalise_staff_phones").normalise_staff_phones(
        django_apps, None
    )
    ticket.refresh_from_db()
    assert ticket.reporter_phone == "075588881234"
    assert StaffProfile.objects.get(user=users["frontdesk"]).phone == "13900002222"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["+" + "1" * 19, "不知道"])  # "+" grows to "00"; no digits at all
def test_a_reporter_phone_too_long_or_without_digits_is_refused(users, unit_a, typed):
    from django.core.exceptions import ValidationError

    from tests.tickets.conftest import ensure_default_categories
    from tests.tickets.factories import register

    ensure_default_categories()
    with pytest.raises(ValidationError) as caught:
        register(users["frontdesk"], unit_a, reporter_phone=typed)
    assert "reporter_phone" in caught.value.message_dict


@pytest.mark.django_db
def test_other_phones_too_long_once_normalised_are_refused(users, estate_a):
    from django.core.exceptions import ValidationError

    typed = ",".join(f"+{n}" for n in range(10, 60))  # each "+NN" grows to "00NN, "
    assert len(typed) <= 200
    with pytest.raises(ValidationError) as caught:
        resident_services.create_person(
            actor=users["frontdesk"], estate=estate_a, name="多号", other_phones=typed
        )
    assert "other_phones" in caught.value.message_dict
