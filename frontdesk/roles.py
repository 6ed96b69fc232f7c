"""What each role may do at the front desk (applied to the role groups by
staff.roles.sync_role_groups).

Move-outs and moving requests: the desk (and the duty supervisor) registers, approves (issuing the
release pass), completes and cancels them, but may not release a unit that owes money; the
manager may, with a reason. Clerks and housekeepers read them (the fees they chase). Every staff
member at a gate verifies the passes (residents.verify_pass, granted with the renovations').
"""

from servicecenter.roles import CLERK, FRONTDESK, HOUSEKEEPER, MANAGER, SUPERVISOR

_MOVEOUT_VIEW = ["frontdesk.view_moveout"]
_MOVEOUT_DESK = [
    *_MOVEOUT_VIEW,
    "frontdesk.register_moveout",
    "frontdesk.approve_moveout",
    "frontdesk.complete_moveout",
]

ROLE_PERMISSIONS = {
    FRONTDESK: [*_MOVEOUT_DESK],
    CLERK: [*_MOVEOUT_VIEW],
    HOUSEKEEPER: [*_MOVEOUT_VIEW],
    SUPERVISOR: [*_MOVEOUT_DESK],
    MANAGER: [*_MOVEOUT_DESK, "frontdesk.override_moveout_arrears", "frontdesk.view_moveoutevent"],
}
