"""What each role may do in resident relations (applied to the role groups by
staff.roles.sync_role_groups). Each area adds its permissions to ROLE_PERMISSIONS."""

from servicecenter.roles import CLERK, COMPANY, FRONTDESK, HOUSEKEEPER, MANAGER, SUPERVISOR

ROLE_PERMISSIONS: dict[str, list[str]] = {}

# Household visits (拜访) and important households (重要业户): housekeepers log visits and flag
# households, the duty supervisor and the manager too; the desk and head office read them.

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

def _grant(roles, permissions) -> None:
    for role in roles:
        ROLE_PERMISSIONS.setdefault(role, []).extend(permissions)


# --- special services (特约服务): the desk reads the catalogue and the bookings (booking itself
# needs tickets.add_ticket, as a booking is a ticket); the manager keeps the catalogue in the admin.
_grant(
    (FRONTDESK, CLERK, HOUSEKEEPER, SUPERVISOR, MANAGER, COMPANY),
    ["relations.view_specialservice", "relations.view_specialservicebooking"],
)
_grant((MANAGER,), ["relations.add_specialservice", "relations.change_specialservice"])
