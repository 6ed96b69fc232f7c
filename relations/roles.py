"""What each role may do in resident relations (applied to the role groups by
staff.roles.sync_role_groups). Each area adds its permissions to ROLE_PERMISSIONS."""

from servicecenter.roles import CLERK, COMPANY, FRONTDESK, HOUSEKEEPER, MANAGER, SUPERVISOR

ROLE_PERMISSIONS: dict[str, list[str]] = {}

# --- notices and community events -----------------------------------------------------------------
# The front desk, the duty supervisor and the manager write, publish and withdraw notices and run
# community events; clerks and housekeepers (who answer residents about them) and head office read.
# Residents need no permission: their portal shows what `visible_to` gives them.
_NOTICE_READ = ["relations.view_notice", "relations.view_communityevent", "relations.view_eventsignup"]
_NOTICE_WRITE = [
    "relations.add_notice",
    "relations.change_notice",
    "relations.publish_notice",
    "relations.add_communityevent",
    "relations.change_communityevent",
    "relations.publish_communityevent",
]
for _role in (FRONTDESK, SUPERVISOR, MANAGER):
    ROLE_PERMISSIONS.setdefault(_role, []).extend(_NOTICE_READ + _NOTICE_WRITE)
for _role in (CLERK, HOUSEKEEPER, COMPANY):
    ROLE_PERMISSIONS.setdefault(_role, []).extend(_NOTICE_READ)
