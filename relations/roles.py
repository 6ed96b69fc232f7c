"""What each role may do in resident relations (applied to the role groups by
staff.roles.sync_role_groups). Each area adds its permissions to ROLE_PERMISSIONS."""

from servicecenter.roles import CLERK, COMPANY, FRONTDESK, HOUSEKEEPER, MANAGER, SUPERVISOR

ROLE_PERMISSIONS: dict[str, list[str]] = {}


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
