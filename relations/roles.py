"""What each role may do in resident relations (applied to the role groups by
staff.roles.sync_role_groups). Each area adds its permissions to ROLE_PERMISSIONS."""

ROLE_PERMISSIONS: dict[str, list[str]] = {}
