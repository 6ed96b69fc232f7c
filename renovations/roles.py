"""What each role may do with renovations (applied to the role groups by staff.roles.sync_role_groups).

The desk registers applications; the engineering supervisor reviews non-regular ones and inspects
the finished works; the manager approves, waives charges and approves the deposit refund; the
clerk records the agreement, takes the money and issues the permit; housekeepers patrol and follow
up violations; everyone at the gate verifies passes. Passes live in `residents` (one `Pass` for
workers, visitors and moving), so the pass permissions are granted here with the work they serve.
"""

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

_VIEW = [
    "renovations.view_renovation",
    "renovations.view_violation",
    "renovations.view_patrol",
    "renovations.view_renovationworker",
    "renovations.view_inspection",
    "renovations.view_deduction",
    "renovations.view_renovationcharge",
    "renovations.view_renovationdocument",
]
_REGISTER = ["renovations.register_renovation"]
_ISSUE_PASS = ["residents.issue_pass"]
_VERIFY_PASS = ["residents.verify_pass"]
# The estate's renovation configuration, kept by the manager in the admin.
_CONFIGURE = [
    "renovations.view_scopeitem",
    "renovations.add_scopeitem",
    "renovations.change_scopeitem",
    "renovations.view_renovationrules",
    "renovations.add_renovationrules",
    "renovations.change_renovationrules",
    "renovations.view_publicholiday",
    "renovations.add_publicholiday",
    "renovations.change_publicholiday",
    # A holiday entered on the wrong day has no "inactive" flag to hide it behind.
    "renovations.delete_publicholiday",
]
# The timelines behind the read-only admin pages.
_VIEW_EVENTS = ["renovations.view_renovationevent", "renovations.view_violationevent"]

ROLE_PERMISSIONS = {
    RESIDENT: ["renovations.view_renovation"],
    FRONTDESK: [
        "renovations.view_renovation",
        "renovations.view_violation",
        "renovations.view_patrol",
        *_REGISTER,
        *_ISSUE_PASS,
        *_VERIFY_PASS,
    ],
    CLERK: [*_VIEW, *_REGISTER, "renovations.issue_renovation_permit", *_ISSUE_PASS, *_VERIFY_PASS],
    HOUSEKEEPER: [
        *_VIEW,
        "renovations.record_renovation_patrol",
        "renovations.manage_renovation_violation",
        *_VERIFY_PASS,
    ],
    # Security guards and maintenance staff at the gate check worker passes.
    TECHNICIAN: ["renovations.view_renovation", *_VERIFY_PASS],
    ENGINEER: [
        *_VIEW,
        "renovations.review_renovation_engineering",
        "renovations.inspect_renovation",
        "renovations.manage_renovation_violation",
        *_VERIFY_PASS,
    ],
    SUPERVISOR: [
        *_VIEW,
        *_REGISTER,
        "renovations.record_renovation_patrol",
        "renovations.manage_renovation_violation",
        "renovations.escalate_renovation_violation",
        *_ISSUE_PASS,
        *_VERIFY_PASS,
    ],
    MANAGER: [
        *_VIEW,
        *_VIEW_EVENTS,
        *_CONFIGURE,
        *_REGISTER,
        "renovations.review_renovation_engineering",
        "renovations.approve_renovation",
        "renovations.waive_renovation_fees",
        "renovations.issue_renovation_permit",
        "renovations.record_renovation_patrol",
        "renovations.manage_renovation_violation",
        "renovations.escalate_renovation_violation",
        "renovations.inspect_renovation",
        "renovations.approve_renovation_refund",
        *_ISSUE_PASS,
        *_VERIFY_PASS,
    ],
    COMPANY: [*_VIEW],
}
