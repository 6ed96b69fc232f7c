"""What each role may do with key custody, invoice requests and the desk knowledge base (applied
to the role groups by staff.roles.sync_role_groups). The other desk logs add their permissions to
these lists.

The desk takes keys in and hands them out, and registers invoice requests; the clerk issues (or
rejects) the invoices and may register requests too; supervisors read; the manager does
everything and keeps the knowledge base in the admin. Residents ask for invoices for their own
units in the portal, which needs no model permission (the service checks the unit is theirs).
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

ROLE_PERMISSIONS = {
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
