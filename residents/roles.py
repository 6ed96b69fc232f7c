from servicecenter.roles import (
    CLERK,
    COMPANY,
    ENGINEER,
    FRONTDESK,
    HOUSEKEEPER,
    MANAGER,
    RESIDENT,
    SUPERVISOR,
    TECHNICIAN,
)

_READ = [
    "residents.view_estate",
    "residents.view_building",
    "residents.view_unit",
    "residents.view_person",
    "residents.view_occupancy",
    "residents.view_archivedocument",
    "residents.view_householdchange",  # who named the payer, who sees the bills (read-only)
]
_EDIT_PEOPLE = [
    "residents.add_person",
    "residents.change_person",
    "residents.add_occupancy",
    "residents.change_occupancy",
    "residents.add_archivedocument",
]

# Passes (装修出入证, 搬家放行条, shop staff, resident cards): every staff member at a gate checks
# them; the desk issues and revokes them.
_PASS_CHECK = ["residents.view_pass", "residents.verify_pass"]
_PASS_DESK = [*_PASS_CHECK, "residents.issue_pass"]
# Portal sign-up (issue #14): the desk checks a person and issues their activation code.
_PORTAL_DESK = ["residents.issue_portal_code", "residents.view_portalcode"]

ROLE_PERMISSIONS = {
    RESIDENT: [],
    FRONTDESK: [*_READ, *_EDIT_PEOPLE, "residents.verify_id_number", *_PASS_DESK, *_PORTAL_DESK],
    CLERK: [*_READ, *_EDIT_PEOPLE, "residents.verify_id_number", *_PASS_DESK],
    HOUSEKEEPER: [
        *_READ,
        *_EDIT_PEOPLE,
        "residents.view_sensitive",
        "residents.verify_id_number",
        *_PASS_CHECK,
    ],
    TECHNICIAN: ["residents.view_estate", "residents.view_building", "residents.view_unit", *_PASS_CHECK],
    # The engineering supervisor reviews renovations and inspects units: the archive, masked.
    ENGINEER: [*_READ, *_PASS_CHECK],
    SUPERVISOR: [
        *_READ,
        *_EDIT_PEOPLE,
        "residents.view_sensitive",
        "residents.verify_id_number",
        *_PASS_DESK,
        *_PORTAL_DESK,
    ],
    MANAGER: [
        *_PORTAL_DESK,
        *_PASS_DESK,
        *_READ,
        *_EDIT_PEOPLE,
        "residents.view_sensitive",
        "residents.verify_id_number",
        "residents.import_archive",
        "residents.add_building",
        "residents.change_building",
        "residents.add_unit",
        "residents.change_unit",
        "residents.change_estate",
        "residents.view_sensitiveaccesslog",
    ],
    COMPANY: [*_READ, "residents.view_sensitiveaccesslog", "residents.view_pass"],
}

# Household requests (issue #14): an owner asks in the portal to add a family member or a tenant;
# the desk, the housekeeper, the duty supervisor and the manager verify and decide.
_HOUSEHOLD_REQUESTS = ["residents.view_householdrequest", "residents.decide_householdrequest"]
for _role in (FRONTDESK, HOUSEKEEPER, SUPERVISOR, MANAGER):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_HOUSEHOLD_REQUESTS]
