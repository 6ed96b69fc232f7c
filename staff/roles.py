"""Roles are Django groups. Each app lists what its roles may do in its own `roles.py`.

`sync_role_groups()` makes the groups match those lists. A data migration calls it when the
project is first migrated, and a post_migrate hook calls it again so that permissions added by
later migrations reach their groups.
"""

from importlib import import_module

from servicecenter.roles import (  # noqa: F401  (ROLE_LABELS, STAFF_ROLES: re-exported for callers)
    CLERK,
    COMPANY,
    ENGINEER,
    FRONTDESK,
    HOUSEKEEPER,
    MANAGER,
    ROLE_LABELS,
    ROLES,
    STAFF_ROLES,
    SUPERVISOR,
    TECHNICIAN,
)

ROLE_PERMISSIONS = {
    SUPERVISOR: ["staff.view_team", "staff.view_staffprofile", "staff.view_zone"],
    MANAGER: [
        "staff.view_team",
        "staff.add_team",
        "staff.change_team",
        "staff.view_staffprofile",
        "staff.change_staffprofile",
        "staff.view_zone",
        "staff.add_zone",
        "staff.change_zone",
        # Unlocking a login blocked by too many failures = deleting its access attempts (admin).
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
    COMPANY: ["staff.view_all_estates", "staff.view_team", "staff.view_staffprofile", "staff.view_zone"],
}

# Shift handovers (交接班) and attendance (考勤): every estate staff member writes and acknowledges
# handovers and clocks in; the supervisor and the manager read everyone's attendance and flags.
_SHIFT_WORKERS = (FRONTDESK, CLERK, HOUSEKEEPER, TECHNICIAN, ENGINEER, SUPERVISOR, MANAGER)
for _role in _SHIFT_WORKERS:
    ROLE_PERMISSIONS.setdefault(_role, []).extend(
        [
            "staff.view_shifthandover",
            "staff.add_shifthandover",
            "staff.change_shifthandover",
            "staff.add_attendancerecord",
        ]
    )
for _role in (SUPERVISOR, MANAGER):
    ROLE_PERMISSIONS[_role].append("staff.view_attendancerecord")
ROLE_PERMISSIONS[MANAGER] += ["staff.view_estatestaffsettings", "staff.change_estatestaffsettings"]

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
