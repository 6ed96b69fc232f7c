"""What each role may do at the front desk (applied to the role groups by staff.roles.sync_role_groups).

Visitors, lost and found and parcels: the desk registers and acts, and so do the duty supervisor
and the manager; clerks and housekeepers read the logs; technicians and engineers see none of
them. Only a manager disposes of a lost item before its keep period ends, and keeps the estate's
lost-and-found rules in the admin. Residents see their own units' parcels through `visible_to`
(no permission needed).

Key custody, invoice requests and the knowledge base: the desk takes keys in and hands them out,
and registers invoice requests; the clerk issues (or rejects) the invoices; supervisors read; the
manager does everything and keeps the knowledge base in the admin. Residents ask for invoices for
their own units in the portal (the service checks the unit is theirs). Every staff page has the
knowledge drawer, so every staff role reads the knowledge base.
"""

from servicecenter.roles import (
    CLERK,
    COMPANY,
    ENGINEER,
    FRONTDESK,
    HOUSEKEEPER,
    MANAGER,
    SUPERVISOR,
    TECHNICIAN,
)

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

_LOG_ROLE_PERMISSIONS = {
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


_KEYS_VIEW = ["frontdesk.view_keycustody"]
_KEYS = [*_KEYS_VIEW, "frontdesk.manage_key_custody"]
_INVOICES_VIEW = ["frontdesk.view_invoicerequest"]
_INVOICES_REQUEST = [*_INVOICES_VIEW, "frontdesk.request_invoice"]
_INVOICES_ISSUE = [*_INVOICES_REQUEST, "frontdesk.issue_invoice"]
_KNOWLEDGE_VIEW = ["frontdesk.view_knowledgeentry"]
_KNOWLEDGE_EDIT = [
    *_KNOWLEDGE_VIEW,
    "frontdesk.add_knowledgeentry",
    "frontdesk.change_knowledgeentry",
    # A wrong entry has an "active" flag; deleting is for the one entered twice.
    "frontdesk.delete_knowledgeentry",
]
# The timelines behind the read-only admin pages.
_VIEW_EVENTS = ["frontdesk.view_keycustodyevent", "frontdesk.view_invoicerequestevent"]

_KEY_ROLE_PERMISSIONS = {
    FRONTDESK: [*_KEYS, *_INVOICES_REQUEST, *_KNOWLEDGE_VIEW],
    CLERK: [*_KEYS_VIEW, *_INVOICES_ISSUE, *_KNOWLEDGE_VIEW],
    # Every staff page has the knowledge drawer: whoever answers a resident may read the answers.
    HOUSEKEEPER: [*_KNOWLEDGE_VIEW],
    TECHNICIAN: [*_KNOWLEDGE_VIEW],
    ENGINEER: [*_KNOWLEDGE_VIEW],
    SUPERVISOR: [*_KEYS, *_INVOICES_VIEW, *_KNOWLEDGE_VIEW],
    MANAGER: [*_KEYS, *_INVOICES_ISSUE, *_KNOWLEDGE_EDIT, *_VIEW_EVENTS],
    COMPANY: [*_KEYS_VIEW, *_INVOICES_VIEW, *_KNOWLEDGE_VIEW],
}


def _combine(*tables: dict) -> dict[str, list[str]]:
    combined: dict[str, list[str]] = {}
    for table in tables:
        for role, perms in table.items():
            combined.setdefault(role, []).extend(perms)
    return combined


# Move-outs and moving requests: the desk (and the duty supervisor) registers, approves (issuing the
# release pass), completes and cancels them, but may not release a unit that owes money; the
# manager may, with a reason. Clerks and housekeepers read them (the fees they chase).
_MOVEOUT_VIEW = ["frontdesk.view_moveout"]
_MOVEOUT_DESK = [
    *_MOVEOUT_VIEW,
    "frontdesk.register_moveout",
    "frontdesk.approve_moveout",
    "frontdesk.complete_moveout",
]
_MOVEOUT_ROLE_PERMISSIONS = {
    FRONTDESK: [*_MOVEOUT_DESK],
    CLERK: [*_MOVEOUT_VIEW],
    HOUSEKEEPER: [*_MOVEOUT_VIEW],
    SUPERVISOR: [*_MOVEOUT_DESK],
    MANAGER: [*_MOVEOUT_DESK, "frontdesk.override_moveout_arrears", "frontdesk.view_moveoutevent"],
}

ROLE_PERMISSIONS = _combine(_LOG_ROLE_PERMISSIONS, _KEY_ROLE_PERMISSIONS, _MOVEOUT_ROLE_PERMISSIONS)
