"""What each role may do at the front desk (applied to the role groups by staff.roles.sync_role_groups).

Visitors, lost and found and parcels: the desk registers and acts, and so do the duty supervisor
and the manager; clerks and housekeepers read the logs; technicians and engineers see none of
them. Only a manager disposes of a lost item before its keep period ends, and keeps the estate's
lost-and-found rules in the admin. Residents see their own units' parcels through `visible_to`
(no permission needed)."""

from servicecenter.roles import CLERK, FRONTDESK, HOUSEKEEPER, MANAGER, SUPERVISOR

_VIEW_LOGS = ["frontdesk.view_visitor", "frontdesk.view_lostitem", "frontdesk.view_parcel"]
_ACT_ON_LOGS = ["frontdesk.log_visitor", "frontdesk.handle_lost_item", "frontdesk.handle_parcel"]
_VIEW_LOG_EVENTS = [
    "frontdesk.view_visitorevent",
    "frontdesk.view_lostitemevent",
    "frontdesk.view_parcelevent",
]
_CONFIGURE_LOGS = [
    "frontdesk.view_lostfoundrules",
    "frontdesk.add_lostfoundrules",
    "frontdesk.change_lostfoundrules",
]

ROLE_PERMISSIONS = {
    FRONTDESK: [*_VIEW_LOGS, *_ACT_ON_LOGS],
    CLERK: [*_VIEW_LOGS],
    HOUSEKEEPER: [*_VIEW_LOGS],
    SUPERVISOR: [*_VIEW_LOGS, *_ACT_ON_LOGS],
    MANAGER: [
        *_VIEW_LOGS,
        *_ACT_ON_LOGS,
        *_VIEW_LOG_EVENTS,
        *_CONFIGURE_LOGS,
        "frontdesk.dispose_lost_item_early",
    ],
}
