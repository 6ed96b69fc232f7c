"""The role names: one Django group per role. Kernel, so every app and the authorization matrix
name roles without importing the staff app. What each role may do stays with each app, in its
own `roles.py` (`ROLE_PERMISSIONS`); `staff.roles.sync_role_groups` applies them to the groups."""

from django.utils.translation import gettext_lazy as _

RESIDENT = "resident"
FRONTDESK = "frontdesk"
CLERK = "clerk"
HOUSEKEEPER = "housekeeper"
TECHNICIAN = "technician"
SUPERVISOR = "supervisor"
ENGINEER = "engineer"
MANAGER = "manager"
COMPANY = "company"

STAFF_ROLES = (FRONTDESK, CLERK, HOUSEKEEPER, TECHNICIAN, ENGINEER, SUPERVISOR, MANAGER, COMPANY)
ROLES = (RESIDENT, *STAFF_ROLES)
ROLE_LABELS = {
    RESIDENT: _("Resident"),
    FRONTDESK: _("Front desk"),
    CLERK: _("Clerk"),
    HOUSEKEEPER: _("Housekeeper"),
    TECHNICIAN: _("Technician"),
    ENGINEER: _("Engineering supervisor"),
    SUPERVISOR: _("Duty supervisor"),
    MANAGER: _("Manager"),
    COMPANY: _("Company quality department"),
}
