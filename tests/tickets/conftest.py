import importlib

import pytest

from staff.models import StaffProfile, Team
from tests.factories import TeamFactory, make_staff


@pytest.fixture
def maintenance(estate_a):
    return TeamFactory(estate=estate_a, kind=Team.Kind.MAINTENANCE, name="维修组")


@pytest.fixture
def customer_service(estate_a):
    return TeamFactory(estate=estate_a, kind=Team.Kind.CUSTOMER_SERVICE, name="客服组")


@pytest.fixture
def technician(users, maintenance):
    """The `technician` user, a member of estate A's maintenance team."""
    user = users["technician"]
    StaffProfile.objects.filter(user=user).update(team=maintenance)
    user.refresh_from_db()  # not the profile cached from before the move
    return user


@pytest.fixture
def technician2(estate_a, maintenance):
    return make_staff("technician", estate_a, username="technician2", team=maintenance)


def ensure_default_categories() -> None:
    from django.apps import apps

    from tickets.models import TicketCategory

    if not TicketCategory.objects.exists():
        importlib.import_module("tickets.migrations.0002_default_categories").seed(apps, None)
        importlib.import_module(
            "tickets.migrations.0010_co_reporters_desk_preference_category_kinds"
        ).seed_category_kinds(apps, None)
    from tickets.models import RootCause

    if not RootCause.objects.exists():
        importlib.import_module("tickets.migrations.0007_backfill_kpi_fields").seed_root_causes(apps, None)
