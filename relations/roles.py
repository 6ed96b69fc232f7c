"""What each role may do in resident relations (applied to the role groups by
staff.roles.sync_role_groups). Each area adds its permissions to ROLE_PERMISSIONS."""

ROLE_PERMISSIONS: dict[str, list[str]] = {}

# Household visits (拜访) and important households (重要业户): housekeepers log visits and flag
# households, the duty supervisor and the manager too; the desk and head office read them.
from servicecenter.roles import COMPANY, FRONTDESK, HOUSEKEEPER, MANAGER, SUPERVISOR  # noqa: E402

_VISIT_READ = ["relations.view_visit", "relations.view_importanthousehold"]
_VISIT_WRITE = [*_VISIT_READ, "relations.add_visit", "relations.flag_important_household"]
for _role, _perms in (
    (HOUSEKEEPER, _VISIT_WRITE),
    (SUPERVISOR, _VISIT_WRITE),
    (MANAGER, _VISIT_WRITE),
    (FRONTDESK, _VISIT_READ),
    (COMPANY, _VISIT_READ),
):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS.get(_role, []), *_perms]
