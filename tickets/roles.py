"""What each role may do with tickets (applied to the role groups by staff.roles.sync_role_groups).

Technicians lack `view_all_tickets`: they see their own team's tickets and what is assigned to
them. Residents see only the tickets of the units they occupy (`Ticket.objects.for_resident`).
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

_SEE = ["tickets.view_ticket", "tickets.view_all_tickets", "tickets.view_ticketcategory"]
_SEE_CALLBACKS = ["tickets.view_callback"]
_DISPATCH = ["tickets.add_ticket", "tickets.change_ticket", "tickets.assign_ticket"]
_WORK = ["tickets.work_ticket"]
# Replies to the reporter (what answers a complaint) and the lists behind public-area and
# complaint-analysis fields.
_REPLY = ["tickets.reply_ticket"]
_LISTS = ["tickets.view_publiclocation", "tickets.view_rootcause"]
_SUPERVISE = [
    *_SEE,
    *_SEE_CALLBACKS,
    *_DISPATCH,
    *_WORK,
    *_REPLY,
    *_LISTS,
    "tickets.cancel_ticket",
    "tickets.reopen_ticket",
    "tickets.close_ticket",
    "tickets.flag_major",
    "tickets.record_callback",
    "tickets.view_escalation",
    "tickets.view_ticket_metrics",
]

ROLE_PERMISSIONS = {
    RESIDENT: ["tickets.view_ticket", "tickets.add_ticket"],
    FRONTDESK: [
        *_SEE,
        *_SEE_CALLBACKS,
        *_DISPATCH,
        *_REPLY,
        *_LISTS,
        "tickets.cancel_ticket",
        "tickets.reopen_ticket",
        "tickets.flag_major",
    ],
    CLERK: [*_SEE],
    HOUSEKEEPER: [*_SEE, *_SEE_CALLBACKS, *_REPLY, *_LISTS, "tickets.add_ticket", "tickets.record_callback"],
    TECHNICIAN: ["tickets.view_ticket", "tickets.view_ticketcategory", *_WORK],
    # The engineering supervisor (工程主管) sees the estate's tickets (renovation
    # complaints, defects); the maintenance team works them.
    ENGINEER: [*_SEE, *_LISTS],
    SUPERVISOR: _SUPERVISE,
    MANAGER: [
        *_SUPERVISE,
        "tickets.review_callback",
        "tickets.view_callbackreview",
        "tickets.view_callbacksample",
        "tickets.add_ticketcategory",
        "tickets.change_ticketcategory",
        "tickets.view_slatarget",
        "tickets.add_slatarget",
        "tickets.change_slatarget",
        "tickets.delete_slatarget",
        "tickets.view_ticketpolicy",
        "tickets.add_ticketpolicy",
        "tickets.change_ticketpolicy",
        "tickets.add_publiclocation",
        "tickets.change_publiclocation",
        "tickets.add_rootcause",
        "tickets.change_rootcause",
    ],
    COMPANY: [*_SEE, *_SEE_CALLBACKS, "tickets.view_escalation", "tickets.view_ticket_metrics"],
}
