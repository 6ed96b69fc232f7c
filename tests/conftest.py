"""Fixtures shared by every app: two estates, one user per role in estate A, API clients."""

from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from staff.roles import STAFF_ROLES
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, make_resident, make_staff


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(autouse=True)
def _default_categories(request):
    """Transactional tests (the PostgreSQL and browser ones) flush the database, data migrations
    included; put the seeded ticket categories and root causes back so every test, in any app and
    in any order a worker runs them, starts from a migrated database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    request.getfixturevalue("transactional_db" if transactional else "db")
    from tests.tickets.conftest import ensure_default_categories

    ensure_default_categories()
    from renovations.models import PublicHoliday

    if not PublicHoliday.objects.filter(estate__isnull=True).exists():
        from renovations.defaults import apply_default_holidays

        apply_default_holidays(holiday_model=PublicHoliday)


@pytest.fixture(autouse=True)
def _skip_postgres_only_on_sqlite(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks / concurrent transactions); set DATABASE_URL to run it")


@pytest.fixture
def estate_a(db):
    return EstateFactory(name="绿景苑", code="LJY")


@pytest.fixture
def estate_b(db):
    return EstateFactory(name="滨江大厦", code="BJDS")


@pytest.fixture
def building_a(estate_a):
    return BuildingFactory(estate=estate_a, code="3", name="3栋")


@pytest.fixture
def unit_a(building_a):
    return UnitFactory(building=building_a, entrance="2", number="1101", floor=11)


@pytest.fixture
def unit_a2(building_a):
    return UnitFactory(building=building_a, entrance="2", number="1102", floor=11)


@pytest.fixture
def unit_b(estate_b):
    return UnitFactory(
        building=BuildingFactory(estate=estate_b, code="A", name="A座"), entrance="", number="0801"
    )


@pytest.fixture
def users(estate_a):
    """One staff user per role, all on estate A only (company sees every estate)."""
    made = {role: make_staff(role, estate_a, username=role) for role in STAFF_ROLES if role != "company"}
    made["company"] = make_staff("company", username="company")
    return made


@pytest.fixture
def resident(unit_a):
    return make_resident(unit_a, username="resident")


@pytest.fixture
def resident2(unit_a2):
    return make_resident(unit_a2, username="resident2")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as():
    """api_as(user) -> an APIClient authenticated with the user's token."""

    def make(user):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def client_as(client):
    """client_as(user) -> the Django test client logged in as the user."""

    def make(user):
        client.force_login(user)
        return client

    return make


# --- rows built once per module ---------------------------------------------------------------
# The matrix tests (every workflow action in every state, every URL for every role, every portal
# URL against another unit) run thousands of cases over the same world. Building it once per
# module instead of once per case is most of `make test`'s time. The module's transaction is
# rolled back after its last test; each test's own transaction nests inside it as a savepoint,
# so a test still changes nothing the next one sees.


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            from tests.tickets.conftest import ensure_default_categories

            ensure_default_categories()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_media(tmp_path_factory):
    """Uploads of a module's world go to a folder of its own (removed with pytest's tmp dirs)."""
    from django.conf import settings

    location = tmp_path_factory.mktemp("media")
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    with override_settings(STORAGES=storages):
        yield location


@pytest.fixture(scope="module")
def module_people(module_db):
    """The shared fixtures' estate A, its two units, one user per role and the two residents, built
    once for a module. A module that uses it overrides `estate_a`, `unit_a`, `unit_a2`, `users`,
    `resident` and `resident2` with `module_fixtures` below."""
    estate_a = EstateFactory(name="绿景苑", code="LJY")
    building_a = BuildingFactory(estate=estate_a, code="3", name="3栋")
    unit_a = UnitFactory(building=building_a, entrance="2", number="1101", floor=11)
    unit_a2 = UnitFactory(building=building_a, entrance="2", number="1102", floor=11)
    users = {role: make_staff(role, estate_a, username=role) for role in STAFF_ROLES if role != "company"}
    users["company"] = make_staff("company", username="company")
    return SimpleNamespace(
        estate_a=estate_a,
        building_a=building_a,
        unit_a=unit_a,
        unit_a2=unit_a2,
        users=users,
        resident=make_resident(unit_a, username="resident"),
        resident2=make_resident(unit_a2, username="resident2"),
    )
