"""Roles are Django groups. Each app lists what its roles may do in its own `roles.py`.

`sync_role_groups()` makes the groups match those lists. A data migration calls it when the
project is first migrated, and a post_migrate hook calls it again so that permissions added by
later migrations reach their groups.
"""

from importlib import import_module

from servicecenter.roles import (  # noqa: F401  (ROLE_LABELS, STAFF_ROLES: re-exported for callers)
    COMPANY,
    MANAGER,
    ROLE_LABELS,
    ROLES,
    STAFF_ROLES,
    SUPERVISOR,
)

ROLE_PERMISSIONS = {
    SUPERVISOR: [
        "staff.view_team",
        "staff.view_staffprofile",
        "staff.view_zone",
        # Quality supervision and incidents (现场主任/品质).
        "staff.view_inspectionchecklist",
        "staff.view_qualityinspection",
        "staff.inspect_quality",
        "staff.view_rectificationorder",
        "staff.rectify_rectificationorder",
        "staff.verify_rectificationorder",
        "staff.view_correctiveaction",
        "staff.view_incident",
        "staff.add_incident",
        "staff.change_incident",
        "staff.view_drill",
        "staff.add_drill",
        "staff.change_drill",
    ],
    MANAGER: [
        "staff.view_team",
        "staff.add_team",
        "staff.change_team",
        "staff.view_staffprofile",
        "staff.change_staffprofile",
        "staff.view_zone",
        "staff.add_zone",
        "staff.change_zone",
        "staff.view_inspectionchecklist",
        "staff.view_qualityinspection",
        "staff.inspect_quality",
        "staff.view_rectificationorder",
        "staff.rectify_rectificationorder",
        "staff.verify_rectificationorder",
        "staff.view_correctiveaction",
        "staff.view_incident",
        "staff.add_incident",
        "staff.change_incident",
        "staff.view_drill",
        "staff.add_drill",
        "staff.change_drill",
        # The checklists are configuration (admin).
        "staff.add_inspectionchecklist",
        "staff.change_inspectionchecklist",
        "staff.add_inspectionchecklistitem",
        "staff.change_inspectionchecklistitem",
        "staff.view_inspectionchecklistitem",
        # Unlocking a login blocked by too many failures = deleting its access attempts (admin).
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
    COMPANY: ["staff.view_all_estates", "staff.view_team", "staff.view_staffprofile", "staff.view_zone"],
}

APPS_WITH_ROLES = ["staff", "residents", "tickets", "billing", "renovations", "moveins", "frontdesk"]


def collect_role_permissions() -> dict[str, set[str]]:
    collected: dict[str, set[str]] = {role: set() for role in ROLES}
    for app in APPS_WITH_ROLES:
        try:
            module = import_module(f"{app}.roles")
        except ModuleNotFoundError:
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            collected[role].update(perms)
    # The company quality department reads what the manager reads, but needs no one's full ID number.
    collected[COMPANY].update(
        p
        for p in collected[MANAGER]
        if p.split(".", 1)[1].startswith("view_") and not p.endswith(".view_sensitive")
    )
    return collected


def sync_role_groups(group_model, permission_model) -> None:
    """Create the role groups and grant each the permissions its apps list (idempotent)."""
    wanted = collect_role_permissions()
    for role in ROLES:
        group, _created = group_model.objects.get_or_create(name=role)
        keys = [p.split(".", 1) for p in wanted[role]]
        perms = [
            perm
            for perm in permission_model.objects.select_related("content_type").filter(
                codename__in=[codename for _app, codename in keys]
            )
            if f"{perm.content_type.app_label}.{perm.codename}" in wanted[role]
        ]
        group.permissions.set(perms)
