"""Function-scoped stand-ins for the shared fixtures, served from `module_people` (tests/conftest.py).

A module whose world is built once imports these, overriding `estate_a`, `unit_a`, `unit_a2`,
`users`, `resident` and `resident2` for its tests only:

    from tests.module_world import estate_a, resident, resident2, unit_a, unit_a2, users  # noqa: F401

Users are read afresh for each test, so a permission cached on an instance by one test never
leaks into the next (the rows themselves are rolled back with the test)."""

import pytest
from django.contrib.auth import get_user_model


def _fresh(*users):
    found = get_user_model().objects.in_bulk([u.pk for u in users])
    return [found[u.pk] for u in users]


@pytest.fixture
def estate_a(module_people, db):
    return module_people.estate_a


@pytest.fixture
def building_a(module_people, db):
    return module_people.building_a


@pytest.fixture
def unit_a(module_people, db):
    return module_people.unit_a


@pytest.fixture
def unit_a2(module_people, db):
    return module_people.unit_a2


@pytest.fixture
def users(module_people, db):
    roles = list(module_people.users)
    return dict(zip(roles, _fresh(*module_people.users.values()), strict=True))


@pytest.fixture
def resident(module_people, db):
    return _fresh(module_people.resident)[0]


@pytest.fixture
def resident2(module_people, db):
    return _fresh(module_people.resident2)[0]
