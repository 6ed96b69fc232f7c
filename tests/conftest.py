"""Fixtures shared by every app: two estates, one user per role in estate A, API clients."""

import pytest
from django.db import connection
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
