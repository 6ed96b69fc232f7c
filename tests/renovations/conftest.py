"""Renovation fixtures: estate A with its rules (deposit 3000, rubbish 500, pass cards 10 a
worker), regular and non-regular scope items, an owner of unit A, and the staff per role with the
renovation permissions of the contract (granted here until `renovations/roles.py` exists)."""

import importlib.util
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission

from renovations.models import RenovationRules
from tests.billing.conftest import new_key  # noqa: F401  (re-exported for the renovation tests)
from tests.factories import make_id_number
from tests.renovations.factories import RenovationRulesFactory, ScopeItemFactory, current_owner

TZ = ZoneInfo("Asia/Shanghai")

_VIEW = [
    "renovations.view_renovation",
    "renovations.view_violation",
    "renovations.view_patrol",
    "renovations.view_renovationworker",
    "renovations.view_inspection",
    "renovations.view_deduction",
    "renovations.view_renovationcharge",
    "renovations.view_renovationdocument",
]
_ALL = [
    *_VIEW,
    "renovations.register_renovation",
    "renovations.review_renovation_engineering",
    "renovations.approve_renovation",
    "renovations.waive_renovation_fees",
    "renovations.issue_renovation_permit",
    "renovations.record_renovation_patrol",
    "renovations.manage_renovation_violation",
    "renovations.escalate_renovation_violation",
    "renovations.inspect_renovation",
    "renovations.approve_renovation_refund",
]
_ISSUE, _VERIFY = "residents.issue_pass", "residents.verify_pass"
# The permission list of RENOVATION_CONTRACT.md (renovations/roles.py is reno-admin's).
CONTRACT_PERMISSIONS = {
    "frontdesk": [
        "renovations.view_renovation",
        "renovations.register_renovation",
        "renovations.view_violation",
        "renovations.view_patrol",
        _ISSUE,
        _VERIFY,
    ],
    "clerk": [
        *_VIEW,
        "renovations.register_renovation",
        "renovations.issue_renovation_permit",
        _ISSUE,
        _VERIFY,
    ],
    "housekeeper": [
        *_VIEW,
        "renovations.record_renovation_patrol",
        "renovations.manage_renovation_violation",
        _VERIFY,
    ],
    "technician": ["renovations.view_renovation", _VERIFY],
    "engineer": [
        *_VIEW,
        "renovations.review_renovation_engineering",
        "renovations.inspect_renovation",
        "renovations.manage_renovation_violation",
        _VERIFY,
    ],
    "supervisor": [
        *_VIEW,
        "renovations.register_renovation",
        "renovations.record_renovation_patrol",
        "renovations.manage_renovation_violation",
        "renovations.escalate_renovation_violation",
        _VERIFY,
        _ISSUE,
    ],
    "manager": [*_ALL, _ISSUE, _VERIFY],
    "company": _VIEW,
    "resident": ["renovations.view_renovation"],
}


def grant_renovation_permissions() -> None:
    """Give the role groups the contract's renovation permissions, unless `renovations/roles.py`
    exists (then the migrated groups already have its list, which its own tests check)."""
    if importlib.util.find_spec("renovations.roles") is not None:
        return
    for role, perms in CONTRACT_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def at(year, month, day, hour=10, minute=0) -> datetime:
    """An aware Shanghai time (services take `now`)."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def worker(n: int = 1, **overrides) -> dict:
    """A worker as the registration form gives it: name, mobile, ID number, trade."""
    return {
        "name": f"工人{n}",
        "mobile": f"1371234{n:04d}",
        "id_number": make_id_number(100 + n, birth="19850315"),
        "trade": "水电工",
        **overrides,
    }


@pytest.fixture(autouse=True)
def _renovation_permissions(db):
    grant_renovation_permissions()


@pytest.fixture
def rules(estate_a) -> RenovationRules:
    return RenovationRulesFactory(
        estate=estate_a,
        deposit_amount=Decimal("3000.00"),
        rubbish_fee=Decimal("500.00"),
        pass_card_fee=Decimal("10.00"),
        second_inspection_days=90,
        max_duration_days=180,
    )


@pytest.fixture
def regular_item(estate_a):
    return ScopeItemFactory(estate=estate_a, name="墙面粉刷")


@pytest.fixture
def regular_item2(estate_a):
    return ScopeItemFactory(estate=estate_a, name="铺设地板", area="finishing")


@pytest.fixture
def non_regular_item(estate_a):
    return ScopeItemFactory(estate=estate_a, name="拆改墙体", non_regular=True)


@pytest.fixture
def other_estate_item(estate_b):
    return ScopeItemFactory(estate=estate_b, name="墙面粉刷")


@pytest.fixture
def owner(unit_a):
    """The current owner (业主) of unit A."""
    return current_owner(unit_a)


@pytest.fixture
def frontdesk(users):
    return users["frontdesk"]


@pytest.fixture
def clerk(users):
    return users["clerk"]


@pytest.fixture
def engineer(users):
    return users["engineer"]


@pytest.fixture
def manager(users):
    return users["manager"]


@pytest.fixture
def housekeeper(users):
    return users["housekeeper"]


@pytest.fixture
def supervisor(users):
    return users["supervisor"]


@pytest.fixture
def technician(users):
    return users["technician"]


@pytest.fixture
def planned():
    """A period inside the rules' maximum: 2 March to 30 April 2026."""
    return {"planned_start": date(2026, 3, 2), "planned_end": date(2026, 4, 30)}
