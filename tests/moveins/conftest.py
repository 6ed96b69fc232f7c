"""Move-in fixtures: estate A (its default checklist and charges seeded by the post_save hook)
with a property service fee of 2.50 a square metre, its maintenance and warranty teams, a vacant
unit, an owner with an ID number in the archive, and the staff per role (`users`)."""

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from residents.models import Unit
from staff.models import Team
from tests.billing.conftest import make_item, new_key  # noqa: F401  (re-exported)
from tests.factories import PersonFactory, TeamFactory, make_id_number

TZ = ZoneInfo("Asia/Shanghai")
OWNER_ID = make_id_number(77, birth="19850315")


def at(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def a_photo(name="scan.png", color=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def service_fee(estate_a):
    """2.50 a square metre a month; the vacant-unit discount applies to it."""
    return make_item(estate_a, "property", rate="2.50", vacant_discount_applies=True)


@pytest.fixture
def teams(estate_a):
    return {
        "engineering": TeamFactory(estate=estate_a, kind=Team.Kind.MAINTENANCE, name="工程部"),
        "warranty": TeamFactory(estate=estate_a, kind=Team.Kind.WARRANTY, name="开发商售后"),
    }


@pytest.fixture
def vacant_unit(unit_a):
    """89.50 m²: three months of service fee are 3 × 223.75 = 671.25."""
    Unit.objects.filter(pk=unit_a.pk).update(state=Unit.State.VACANT)
    unit_a.refresh_from_db()
    return unit_a


@pytest.fixture
def owner(estate_a):
    return PersonFactory(estate=estate_a, name="王建国", id_number=OWNER_ID)


@pytest.fixture
def desk(users):
    return users["frontdesk"]


@pytest.fixture
def manager(users):
    return users["manager"]


@pytest.fixture
def engineer(users):
    return users["engineer"]


@pytest.fixture
def clerk(users):
    return users["clerk"]


@pytest.fixture
def ready(service_fee, teams, vacant_unit, owner):
    """Everything a move-in of the vacant unit needs."""
    return vacant_unit


@pytest.fixture(autouse=True)
def _fresh_id_check_counts():
    """The desk's ID checks are rate-limited per user in the cache; user ids repeat across tests."""
    from django.core.cache import cache

    cache.clear()
