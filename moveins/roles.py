"""What each role may do with move-ins (applied to the role groups by staff.roles.sync_role_groups).

The desk registers move-ins, works the owner's checklist, goes round the unit with the owner and
hands over the keys; the engineering supervisor inspects; the clerk takes the deposits and the
payments (billing's permissions); the manager does all of it, waives charges, cancels, runs the
batches, spot-checks the records and reads the warranty report. Residents hold no move-in model
permission: their portal page reads their own move-in through `visible_to`.
"""

from servicecenter.roles import CLERK, COMPANY, ENGINEER, FRONTDESK, MANAGER, SUPERVISOR

_VIEW = [
    "moveins.view_movein",
    "moveins.view_moveinbatch",
    "moveins.view_moveinslot",
    "moveins.view_checklistitem",
    "moveins.view_moveincharge",
    "moveins.view_inspection",
    "moveins.view_defect",
]
_HANDLE = ["moveins.handle_movein"]
_INSPECT = ["moveins.inspect_movein"]
_KEYS = ["moveins.hand_over_keys"]
# The estate's move-in configuration, kept by the manager in the admin.
_CONFIGURE = [
    "moveins.view_checklistitemtemplate",
    "moveins.add_checklistitemtemplate",
    "moveins.change_checklistitemtemplate",
    "moveins.view_chargerule",
    "moveins.add_chargerule",
    "moveins.change_chargerule",
]
# The timeline and the records behind the read-only admin pages.
_VIEW_RECORDS = ["moveins.view_moveinevent", "moveins.view_spotcheck"]

ROLE_PERMISSIONS = {
    FRONTDESK: [*_VIEW, *_HANDLE, *_INSPECT, *_KEYS],
    CLERK: [*_VIEW],
    ENGINEER: [*_VIEW, *_INSPECT],
    SUPERVISOR: [*_VIEW],
    MANAGER: [
        *_VIEW,
        *_VIEW_RECORDS,
        *_CONFIGURE,
        *_HANDLE,
        *_INSPECT,
        *_KEYS,
        "moveins.waive_movein_fees",
        "moveins.cancel_movein",
        "moveins.manage_movein_batches",
        "moveins.spot_check_movein",
        "moveins.view_warranty_report",
    ],
    COMPANY: [*_VIEW, "moveins.view_warranty_report"],
}
