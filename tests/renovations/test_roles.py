"""Each role holds exactly the renovation and pass permissions the contract of #10 lists."""

import pytest

from staff.roles import ROLES, collect_role_permissions

VIEW_ALL = {
    "renovations.view_renovation",
    "renovations.view_violation",
    "renovations.view_patrol",
    "renovations.view_renovationworker",
    "renovations.view_inspection",
    "renovations.view_deduction",
    "renovations.view_renovationcharge",
    "renovations.view_renovationdocument",
}
CONFIGURATION = {
    f"renovations.{verb}_{model}"
    for model in ("scopeitem", "renovationrules", "publicholiday")
    for verb in ("view", "add", "change")
} | {"renovations.delete_publicholiday"}
ALL_ACTIONS = {
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
}
ISSUE, VERIFY = "residents.issue_pass", "residents.verify_pass"

EXPECTED = {
    "resident": {"renovations.view_renovation"},
    "frontdesk": {
        "renovations.view_renovation",
        "renovations.view_violation",
        "renovations.view_patrol",
        "renovations.register_renovation",
        ISSUE,
        VERIFY,
    },
    "clerk": VIEW_ALL
    | {"renovations.register_renovation", "renovations.issue_renovation_permit", ISSUE, VERIFY},
    "housekeeper": VIEW_ALL
    | {"renovations.record_renovation_patrol", "renovations.manage_renovation_violation", VERIFY},
    "technician": {"renovations.view_renovation", VERIFY},
    "engineer": VIEW_ALL
    | {
        "renovations.review_renovation_engineering",
        "renovations.inspect_renovation",
        "renovations.manage_renovation_violation",
        VERIFY,
    },
    "supervisor": VIEW_ALL
    | {
        "renovations.register_renovation",
        "renovations.record_renovation_patrol",
        "renovations.manage_renovation_violation",
        "renovations.escalate_renovation_violation",
        ISSUE,
        VERIFY,
    },
    "manager": VIEW_ALL
    | CONFIGURATION
    | ALL_ACTIONS
    | {"renovations.view_renovationevent", "renovations.view_violationevent", ISSUE, VERIFY},
    # The company reads what the manager reads (staff.roles copies the manager's view_ rights).
    "company": VIEW_ALL
    | {
        "renovations.view_renovationevent",
        "renovations.view_violationevent",
        "renovations.view_scopeitem",
        "renovations.view_renovationrules",
        "renovations.view_publicholiday",
    },
}


def _renovation_permissions(perms: set[str]) -> set[str]:
    return {p for p in perms if p.startswith("renovations.") or p in (ISSUE, VERIFY)}


@pytest.mark.parametrize("role", ROLES)
def test_role_holds_exactly_its_renovation_permissions(role):
    assert _renovation_permissions(collect_role_permissions()[role]) == EXPECTED[role]


def test_every_listed_permission_exists(db):
    from django.contrib.auth.models import Permission

    existing = {
        f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")
    }
    listed = set().union(*EXPECTED.values())
    assert listed - existing == set()


@pytest.mark.django_db
def test_role_groups_grant_the_permissions_to_users(users, resident):
    assert users["engineer"].has_perm("renovations.review_renovation_engineering")
    assert not users["clerk"].has_perm("renovations.approve_renovation")
    assert users["manager"].has_perm("renovations.approve_renovation_refund")
    assert users["technician"].has_perm(VERIFY)
    assert not users["technician"].has_perm(ISSUE)
    assert not users["company"].has_perm("renovations.approve_renovation")
    assert resident.has_perm("renovations.view_renovation")
    assert not resident.has_perm(VERIFY)
