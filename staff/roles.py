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

_TRAINING_WRITERS = [
    "staff.view_trainingsession",
    "staff.add_trainingsession",
    "staff.view_trainingattendance",
    "staff.add_trainingattendance",
]

ROLE_PERMISSIONS = {
    SUPERVISOR: ["staff.view_team", "staff.view_staffprofile", "staff.view_zone", *_TRAINING_WRITERS],
    MANAGER: [
        "staff.view_team",
        "staff.add_team",
        "staff.change_team",
        "staff.view_staffprofile",
        "staff.change_staffprofile",
        "staff.view_zone",
        "staff.add_zone",
        "staff.change_zone",
        *_TRAINING_WRITERS,
        # Unlocking a login blocked by too many failures = deleting its access attempts (admin).
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
    COMPANY: ["staff.view_all_estates", "staff.view_team", "staff.view_staffprofile", "staff.view_zone"],
}
# Every staff member reads their own training record (the sessions they attended or gave).
for _role in STAFF_ROLES:
    ROLE_PERMISSIONS.setdefault(_role, []).append("staff.view_trainingattendance")

# Rosters: every member of staff reads the rosters of their estates and asks for swaps; the duty
# supervisor fills in the roster, approves swaps, redraws the zones and sets the reception hours;
# the manager also sets the shift types.
_READ_ROSTERS = ["staff.view_rosterentry", "staff.view_shifttype", "staff.view_swaprequest"]
_ASK_FOR_SWAPS = [*_READ_ROSTERS, "staff.add_swaprequest"]
_RUN_ROSTERS = [
    *_ASK_FOR_SWAPS,
    "staff.add_rosterentry",
    "staff.change_rosterentry",
    "staff.delete_rosterentry",
    "staff.approve_swaprequest",
    "staff.view_receptionhours",
    "staff.view_zone",
    "staff.redraw_zones",
]
ROSTER_PERMISSIONS = {
    FRONTDESK: _ASK_FOR_SWAPS,
    CLERK: _ASK_FOR_SWAPS,
    HOUSEKEEPER: _ASK_FOR_SWAPS,
    TECHNICIAN: _ASK_FOR_SWAPS,
    ENGINEER: _ASK_FOR_SWAPS,
    SUPERVISOR: [*_RUN_ROSTERS, "staff.change_receptionhours"],
    MANAGER: [
        *_RUN_ROSTERS,
        "staff.add_shifttype",
        "staff.change_shifttype",
        "staff.change_receptionhours",
    ],
    COMPANY: [*_READ_ROSTERS, "staff.view_receptionhours"],
}
for _role, _perms in ROSTER_PERMISSIONS.items():
    ROLE_PERMISSIONS.setdefault(_role, [])
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]

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

# Quality supervision (品质巡检/督办) and incidents (突发事件): the duty supervisor and the manager
# inspect, issue and verify rectification orders, record incidents and drills; the manager also
# keeps the inspection checklists (configuration, admin).
_QUALITY = [
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
]
ROLE_PERMISSIONS[SUPERVISOR] += _QUALITY
ROLE_PERMISSIONS[MANAGER] += [
    *_QUALITY,
    "staff.add_inspectionchecklist",
    "staff.change_inspectionchecklist",
    "staff.add_inspectionchecklistitem",
    "staff.change_inspectionchecklistitem",
    "staff.view_inspectionchecklistitem",
]

APPS_WITH_ROLES = [
    "staff",
    "residents",
    "tickets",
    "billing",
    "renovations",
    "moveins",
    "frontdesk",
    "relations",
    "dashboards",
]


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
