"""Who may use what: the one authorization matrix of the project (data and helpers only).

Every URL name in the URLconf and every API viewset action has an entry here; tests walk the
URLconf and the router and fail for anything without one (tests/servicecenter/test_authz_matrix.py),
and check with a real user per role that each entry is what the code does. The code enforces it
where it always has (desk_page/portal_page permissions, DRF permission classes, `visible_to`);
this table is the declaration a reviewer reads and the tests hold the code to.

A rule is a set of role names, or one of:
  PUBLIC         anyone, signed in or not (health check, login, language switch)
  AUTHENTICATED  any signed-in user, who sees only their own rows (notifications, API root)
Staff roles see their own estates only (`visible_to`), technicians their own work only; the
resident role means the resident portal and the API, scoped to the units the person occupies
today. An entry ending in ":*" covers a whole namespace that guards itself (the Django admin:
is_staff plus model permissions).

WRITABLE_FIELDS lists, per input and per kind of user, the fields they may send on create and
update; a field outside the list is refused with a 400 that names it.
"""

from __future__ import annotations

from collections.abc import Iterable

from servicecenter.roles import (  # noqa: F401  (ROLES: re-exported for the matrix tests)
    CLERK,
    COMPANY,
    ENGINEER,
    FRONTDESK,
    HOUSEKEEPER,
    MANAGER,
    RESIDENT,
    ROLES,
    STAFF_ROLES,
    SUPERVISOR,
    TECHNICIAN,
)

PUBLIC = frozenset({"public"})
AUTHENTICATED = frozenset({"authenticated"})


def roles(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return frozenset(names)


def all_staff_but(*names: str) -> frozenset[str]:
    return frozenset(STAFF_ROLES) - roles(*names)


NOBODY: frozenset[str] = frozenset()
ALL_STAFF = frozenset(STAFF_ROLES)
RESIDENTS = roles(RESIDENT)


def allows(rule: frozenset[str], role: str | None) -> bool:
    """Whether the rule lets a user of `role` in (None: not signed in)."""
    if rule == PUBLIC:
        return True
    if role is None:
        return False
    return rule == AUTHENTICATED or role in rule


def rule_for_url(name: str) -> frozenset[str] | None:
    if name in URLS:
        return URLS[name]
    namespace = name.split(":", 1)[0]
    return URLS.get(f"{namespace}:*") if ":" in name else None


# --- fields each kind of user may write -------------------------------------------------------

ALL_FIELDS = None  # no restriction beyond the serializer's own fields

WRITABLE_FIELDS: dict[str, dict[str, frozenset[str] | None]] = {
    # A resident reports what and where; the centre decides priority, team, assignee, whether it
    # is a paid service and whether it is a major complaint. `channel` is accepted (a portal
    # client may say "portal") but the service makes every resident's ticket a portal ticket.
    "tickets.ticket.create": {
        "resident": frozenset(
            {"kind", "category", "description", "unit", "location", "channel", "idempotency_key"}
        ),
        "staff": ALL_FIELDS,
    },
}


def forbidden_fields(resource: str, *, is_staff_member: bool, submitted: Iterable[str]) -> list[str]:
    """The submitted fields this kind of user may not write, sorted (empty: all allowed)."""
    allowed = WRITABLE_FIELDS[resource]["staff" if is_staff_member else "resident"]
    if allowed is ALL_FIELDS:
        return []
    return sorted(set(submitted) - allowed)


# --- the matrix ---------------------------------------------------------------------------------

# Who reads what, in words the roles.py files grant as permissions.
_TICKET_READERS = all_staff_but()  # technicians: their own work only (Ticket.visible_to)
_ARCHIVE_READERS = all_staff_but(TECHNICIAN)  # people, occupancies, documents
_UNIT_READERS = all_staff_but()  # technicians: the units of their own tickets only
_ARCHIVE_EDITORS = roles(FRONTDESK, CLERK, HOUSEKEEPER, SUPERVISOR, MANAGER)
_REVEALERS = roles(HOUSEKEEPER, SUPERVISOR, MANAGER)
_PORTAL_CODE_ISSUERS = roles(FRONTDESK, SUPERVISOR, MANAGER)  # portal activation codes (issue #14)
_BILLING_READERS = all_staff_but(TECHNICIAN, ENGINEER)
_BILLING_REPORTS = roles(CLERK, SUPERVISOR, MANAGER, COMPANY)
_CASHIERS = roles(CLERK, MANAGER)
_FEE_CALLERS = roles(HOUSEKEEPER, MANAGER)
_REGISTRARS = roles(FRONTDESK, HOUSEKEEPER, SUPERVISOR, MANAGER)
_CALLBACK_READERS = roles(FRONTDESK, HOUSEKEEPER, SUPERVISOR, MANAGER, COMPANY)
_CALLBACK_RECORDERS = roles(HOUSEKEEPER, SUPERVISOR, MANAGER)
_DISPATCHERS = roles(FRONTDESK, SUPERVISOR, MANAGER)
_WORKERS = roles(TECHNICIAN, SUPERVISOR, MANAGER)  # technicians: their own tickets
_KPI_READERS = roles(SUPERVISOR, MANAGER, COMPANY)
_REPEAT_WORKERS = roles(SUPERVISOR, MANAGER)  # dashboards.work_repeatrepair
# Replies that reached the reporter (what answers a complaint within 72 hours).
_REPLIERS = roles(FRONTDESK, HOUSEKEEPER, SUPERVISOR, MANAGER)
# Dialling the reporter from a ticket: whoever dispatches it, or the technician it is assigned to.
_REPORTER_CALLERS = roles(FRONTDESK, TECHNICIAN, SUPERVISOR, MANAGER)
_STAFF_ADMIN_READERS = roles(SUPERVISOR, MANAGER, COMPANY)
# Rosters (staff/roles.py): every staff member reads the rosters of their estates and asks for
# swaps (head office reads only); the duty supervisor fills them in and approves swaps; the
# manager also sets the shift types.
_ROSTER_READERS = ALL_STAFF
_ROSTER_KEEPERS = roles(SUPERVISOR, MANAGER)
_SWAP_ASKERS = all_staff_but(COMPANY)


_QUALITY_READERS = roles(SUPERVISOR, MANAGER, COMPANY)  # inspections, orders, incidents, drills
_QUALITY_INSPECTORS = roles(SUPERVISOR, MANAGER)
# Renovations (renovations/roles.py): every staff role reads renovations (technicians at the
# gate too); the rest of the file by what each role does in the renovation's life.
_RENO_READERS = ALL_STAFF
_RENO_DETAIL_READERS = all_staff_but(FRONTDESK, TECHNICIAN)  # documents, patrols, violations
_RENO_FILE_READERS = all_staff_but(FRONTDESK, TECHNICIAN)
_RENO_REGISTRARS = roles(FRONTDESK, CLERK, SUPERVISOR, MANAGER)
_RENO_PERMIT_ISSUERS = roles(CLERK, MANAGER)
_RENO_REVIEWERS = roles(ENGINEER, MANAGER)  # engineering review and the inspections
_RENO_PATROL_READERS = all_staff_but(TECHNICIAN)
_RENO_PATROLLERS = roles(HOUSEKEEPER, SUPERVISOR, MANAGER)
_RENO_VIOLATION_MANAGERS = roles(HOUSEKEEPER, ENGINEER, SUPERVISOR, MANAGER)
# Passes: every staff member at a gate checks them; the desk issues and revokes them.
_PASS_READERS = ALL_STAFF
_PASS_CHECKERS = all_staff_but(COMPANY)
_PASS_ISSUERS = roles(FRONTDESK, CLERK, SUPERVISOR, MANAGER)
# Renovations (renovations/roles.py): every staff member reads applications (technicians at the
# gate too); workers, documents, deductions, patrols and violations need the renovation view_*.
_RENO_API_READERS = all_staff_but(TECHNICIAN)
_RENO_ENGINEERING = roles(ENGINEER, MANAGER)  # review and inspection
_RENO_PERMIT = roles(CLERK, MANAGER)
_RENO_VIOLATIONS = roles(HOUSEKEEPER, ENGINEER, SUPERVISOR, MANAGER)
# The desk's visitor, lost-and-found and parcel logs (frontdesk/roles.py): the desk, the duty
# supervisor and the manager register and act; clerks and housekeepers read; technicians and
# engineers see none of it. Residents read their own units' parcels through the API.
_DESK_LOG_READERS = roles(FRONTDESK, CLERK, HOUSEKEEPER, SUPERVISOR, MANAGER, COMPANY)
_DESK_LOG_KEEPERS = roles(FRONTDESK, SUPERVISOR, MANAGER)

# Front desk (frontdesk/roles.py): key custody, invoice requests, the knowledge base.
_KEY_READERS = roles(FRONTDESK, CLERK, SUPERVISOR, MANAGER, COMPANY)
_KEY_KEEPERS = roles(FRONTDESK, SUPERVISOR, MANAGER)
_INVOICE_READERS = roles(FRONTDESK, CLERK, SUPERVISOR, MANAGER, COMPANY)
_INVOICE_REQUESTERS = roles(FRONTDESK, CLERK, MANAGER)
_INVOICE_ISSUERS = roles(CLERK, MANAGER)
_KNOWLEDGE_READERS = ALL_STAFF

# Move-outs and moving requests (frontdesk/roles.py): the desk and the duty supervisor register,
# approve, complete and cancel them (the manager too, and only the manager releases a unit that
# owes money: a rule inside the approval); clerks and housekeepers read them.
_MOVEOUT_READERS = roles(FRONTDESK, CLERK, HOUSEKEEPER, SUPERVISOR, MANAGER, COMPANY)
_MOVEOUT_DESK = roles(FRONTDESK, SUPERVISOR, MANAGER)
# Notices and community events (relations/roles.py): the desk, the duty supervisor and the manager
# write and publish them; clerks, housekeepers and head office read; residents read their own.
_NOTICE_READERS = roles(FRONTDESK, CLERK, HOUSEKEEPER, SUPERVISOR, MANAGER, COMPANY)
_NOTICE_WRITERS = roles(FRONTDESK, SUPERVISOR, MANAGER)

# Move-ins (moveins/roles.py): the desk registers, ticks the checklist, inspects and hands over the
# keys; the engineering supervisor inspects; the clerk takes deposits and fees; the manager all.
_MOVEIN_READERS = roles(FRONTDESK, CLERK, ENGINEER, SUPERVISOR, MANAGER, COMPANY)
_MOVEIN_HANDLERS = roles(FRONTDESK, MANAGER)
_MOVEIN_INSPECTORS = roles(FRONTDESK, ENGINEER, MANAGER)
_MOVEIN_KEYS = roles(FRONTDESK, MANAGER)


# Move-in batches (moveins/roles.py): whoever reads move-ins reads the batches and slots; the desk
# books appointments; the manager runs batches and spot checks; the warranty report goes to the
# manager and the company's quality department.
_BATCH_READERS = all_staff_but(HOUSEKEEPER, TECHNICIAN)
_BATCH_BOOKERS = roles(FRONTDESK, MANAGER)
_WARRANTY_READERS = roles(MANAGER, COMPANY)

# Household visits and important households (relations/roles.py): housekeepers, the duty
# supervisor and the manager log and flag; the desk and head office read.
_VISIT_WRITERS = roles(HOUSEKEEPER, SUPERVISOR, MANAGER)
_VISIT_READERS = _VISIT_WRITERS | roles(FRONTDESK, COMPANY)
# Special services (relations/roles.py): the desk reads the catalogue and the bookings; whoever
# registers tickets books one (a booking is a paid-service ticket).
_SPECIAL_SERVICE_READERS = roles(FRONTDESK, CLERK, HOUSEKEEPER, SUPERVISOR, MANAGER, COMPANY)
# Satisfaction surveys (relations/roles.py): the manager builds, opens and closes them; the duty
# supervisor and the company's quality department read them and their results; residents answer.
_SURVEY_READERS = roles(SUPERVISOR, MANAGER, COMPANY)
_SURVEY_RUNNERS = roles(MANAGER)
# Monthly reports (dashboards/roles.py, issue #15): the duty supervisor and the manager read their
# own estates' reports, the company's quality department every estate's; the manager rebuilds.
_MONTHLY_REPORT_READERS = roles(SUPERVISOR, MANAGER, COMPANY)
_MONTHLY_REPORT_REBUILDERS = roles(MANAGER)

# URLs mounted only when a setting is on (URL name -> setting): not stale when off.
URLS_BEHIND_SETTINGS: dict[str, str] = {"bench_floor": "BENCH_FLOOR_VIEW"}

URLS: dict[str, frozenset[str]] = {
    # --- public and account pages
    "healthz": PUBLIC,
    "login": PUBLIC,
    "logout": AUTHENTICATED,  # POST only; signing out when signed out just goes to the login page
    "set_language": PUBLIC,
    "javascript-catalog": PUBLIC,
    "api-token": PUBLIC,  # throttled by django-axes
    # portal sign-up and password reset (residents/views_access.py): throttled by django-axes
    "activate": PUBLIC,
    "password_reset": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "home": AUTHENTICATED,  # staff dashboard; residents are sent to the portal
    # the benchmark floor (make bench): mounted only when settings.BENCH_FLOOR_VIEW is on
    "bench_floor": AUTHENTICATED,
    "staff:notifications": AUTHENTICATED,  # one's own notifications only
    "staff:notifications_read": AUTHENTICATED,
    # performance (servicecenter/views_performance.py): the KPI readers see everyone of their
    # estates; every staff member sees their own figures
    "performance:list": _KPI_READERS,
    "performance:export": _KPI_READERS,
    "performance:me": ALL_STAFF,
    # the manager dashboard (dashboards/roles.py): its own estates only (another estate: 404)
    "dashboards:index": _KPI_READERS,
    # monthly reports (dashboards/views_reports.py)
    "monthly_reports:list": _MONTHLY_REPORT_READERS,
    "monthly_reports:detail": _MONTHLY_REPORT_READERS,
    "monthly_reports:excel": _MONTHLY_REPORT_READERS,
    "monthly_reports:pdf": _MONTHLY_REPORT_READERS,
    "monthly_reports:rebuild": _MONTHLY_REPORT_REBUILDERS,
    # training log: supervisors and managers log sessions and attendance; the company reads them;
    # everyone else reads the sessions they attended or gave
    "staff:training_list": ALL_STAFF,
    "staff:training_detail": ALL_STAFF,  # 404 for a session one neither attended nor gave
    "staff:training_materials": ALL_STAFF,
    "staff:training_create": roles(SUPERVISOR, MANAGER),
    "staff:training_attendance": roles(SUPERVISOR, MANAGER),
    "staff:roster": _ROSTER_READERS,  # the grid; only keepers get the selects and the save
    "staff:roster_save": _ROSTER_KEEPERS,
    "staff:roster_copy": _ROSTER_KEEPERS,
    "staff:swaps": _ROSTER_READERS,
    "staff:swap_new": _SWAP_ASKERS,
    # Per action the workflow's permission (cancel: the one who asked only); the walk posts "approve".
    "staff:swap_action": _ROSTER_KEEPERS,
    "staff:on_duty": _ROSTER_READERS,
    "staff:reception_hours": roles(SUPERVISOR, MANAGER),
    "staff:zones": _ROSTER_KEEPERS,
    # shift handovers (交接班) and attendance (考勤): staff/roles.py
    "staff:handover_teams": ALL_STAFF,  # the company reads, never writes
    "staff:handover_list": ALL_STAFF,
    "staff:handover_acknowledge": all_staff_but(COMPANY),  # never the writer; once
    "staff:attendance_clock": all_staff_but(COMPANY),  # one's own clock-ins
    "staff:attendance_clock_in": all_staff_but(COMPANY),
    "staff:attendance_clock_out": all_staff_but(COMPANY),
    "staff:attendance_flags": roles(SUPERVISOR, MANAGER, COMPANY),
    "staff:attendance_export": roles(SUPERVISOR, MANAGER, COMPANY),
    "staff:rectification_orders": _QUALITY_READERS,
    "staff:incidents": _QUALITY_READERS,
    "staff:incident": _QUALITY_READERS,
    "staff:inspections": _QUALITY_READERS,
    "staff:inspection_new": _QUALITY_INSPECTORS,
    "staff:inspection": _QUALITY_READERS,
    "staff:finding_photo": _QUALITY_READERS,
    "staff:order_issue": _QUALITY_INSPECTORS,
    "staff:rectification_order": _QUALITY_READERS,
    "staff:rectification_order_action": _QUALITY_INSPECTORS,  # each action's own permission decides too
    "staff:capa": _QUALITY_READERS,
    "staff:capa_new": _QUALITY_INSPECTORS,
    "staff:incident_new": _QUALITY_INSPECTORS,
    "staff:incident_timeline": _QUALITY_INSPECTORS,
    "staff:incident_notified": _QUALITY_INSPECTORS,
    "staff:incident_close": _QUALITY_INSPECTORS,
    "staff:incident_link_ticket": _QUALITY_INSPECTORS,
    "staff:drills": _QUALITY_READERS,
    "staff:drill_held": _QUALITY_INSPECTORS,
    "api-root": AUTHENTICATED,
    "api-schema": AUTHENTICATED,
    "api-docs": AUTHENTICATED,
    "admin:*": ALL_STAFF,  # the Django admin guards itself: is_staff plus model permissions
    "search": _UNIT_READERS,
    # --- the resident portal: each page shows only the units the person occupies today
    "portal:home": RESIDENTS,
    "portal:ticket_list": RESIDENTS,
    "portal:ticket_create": RESIDENTS,
    "portal:ticket_detail": RESIDENTS,
    "portal:ticket_rate": RESIDENTS,  # the reporter only (403 for a co-resident)
    "portal:ticket_comment": RESIDENTS,
    "portal:ticket_attachment": RESIDENTS,
    "portal:billing_bills": RESIDENTS,
    "portal:billing_bill": RESIDENTS,
    "portal:billing_payments": RESIDENTS,
    "portal:billing_receipt": RESIDENTS,
    "portal:billing_receipt_pdf": RESIDENTS,
    "portal:billing_pay": RESIDENTS,
    "portal:billing_order": RESIDENTS,
    "portal:billing_simulator": RESIDENTS,  # the built-in simulator stands in for the gateway's page
    "portal:renovation_deposit_pay": RESIDENTS,
    "payments:notify": PUBLIC,  # server to server from the gateway: the signature is checked
    "portal:household": RESIDENTS,
    "portal:household_payer": RESIDENTS,  # an owner or co-owner of the unit only (403 for others)
    "portal:household_bills": RESIDENTS,  # an owner or co-owner of the unit only (403 for others)
    "portal:household_request": RESIDENTS,  # the unit's owner only (403 for a tenant or member)
    "portal:parcels": RESIDENTS,  # the parcels of the units the person occupies today
    # --- archive
    "residents:unit_list": _UNIT_READERS,
    "residents:unit_detail": _UNIT_READERS,
    "residents:occupancy_add": _ARCHIVE_EDITORS,
    "residents:occupancy_end": _ARCHIVE_EDITORS,
    "residents:occupancy_payer": _ARCHIVE_EDITORS,
    "residents:occupancy_bills": _ARCHIVE_EDITORS,
    # household requests (issue #14): the owner asks in the portal, these staff verify and decide
    "residents:household_requests": _REGISTRARS | roles(COMPANY),  # head office reads every estate's
    "residents:household_request_detail": _REGISTRARS | roles(COMPANY),
    "residents:household_request_action": _REGISTRARS,  # approve, reject: one permission
    "residents:person_list": _ARCHIVE_READERS,
    "residents:person_detail": _ARCHIVE_READERS,
    "residents:person_create": _ARCHIVE_EDITORS,
    "residents:person_edit": _ARCHIVE_EDITORS,
    "residents:person_reveal": _REVEALERS,
    "residents:person_verify_id": _ARCHIVE_EDITORS,
    "residents:person_portal_code": _PORTAL_CODE_ISSUERS,
    "residents:document_upload": _ARCHIVE_EDITORS,
    "residents:document_download": _ARCHIVE_READERS,
    "residents:access_log": roles(MANAGER, COMPANY),
    "residents:import": roles(MANAGER),
    "residents:import_confirm": roles(MANAGER),
    "residents:export": roles(MANAGER),
    # --- passes (装修出入证 and the others): the gate check, the list, one pass, its card
    "passes:verify": _PASS_CHECKERS,
    "passes:list": _PASS_READERS,
    "passes:detail": _PASS_READERS,
    "passes:print": _PASS_READERS,
    "passes:revoke": _PASS_ISSUERS,
    # --- tickets (each transition is then checked per action: see the API's ticket.* entries)
    "tickets:list": _TICKET_READERS,
    "tickets:my_work": _TICKET_READERS,
    "tickets:detail": _TICKET_READERS,
    "tickets:action": _TICKET_READERS,  # then per transition: DESK_TICKET_ACTIONS
    "tickets:comment": _TICKET_READERS,
    "tickets:attach": _TICKET_READERS,
    "tickets:attachment": _TICKET_READERS,
    "tickets:create": _REGISTRARS,
    "tickets:lookup": _REGISTRARS,
    "tickets:duplicates": _REGISTRARS,
    "tickets:link_report": _REGISTRARS,  # a second caller joins the open ticket
    "tickets:callbacks": _CALLBACK_READERS,
    "tickets:callback_record": _CALLBACK_RECORDERS,
    "tickets:callback_call": _CALLBACK_RECORDERS,  # the number for this call, logged with the task
    "tickets:callback_detail": _CALLBACK_READERS,  # redirects to the ticket's callbacks
    "tickets:call": _REPORTER_CALLERS,
    "tickets:callback_reviews": roles(MANAGER),
    "tickets:callback_review_record": roles(MANAGER),
    "tickets:metrics": _KPI_READERS,
    # hotspots (dashboards/urls_hotspots.py): the heat table for the KPI readers; repeat repairs
    # read by them too, worked through by the supervisor and the manager.
    "hotspots:heat": _KPI_READERS,
    "hotspots:repeats": _KPI_READERS,
    "hotspots:repeat_detail": _KPI_READERS,
    "hotspots:repeat_action": _REPEAT_WORKERS,
    "hotspots:detect": _REPEAT_WORKERS,
    # --- fees
    "billing:cashier": _CASHIERS,
    "billing:unit_search": _CASHIERS,
    "billing:generate": _CASHIERS,
    "billing:meter_entry": _CASHIERS,
    "billing:payment_list": _BILLING_READERS,
    "billing:payment_detail": _BILLING_READERS,
    "billing:receipt": _BILLING_READERS,
    "billing:receipt_pdf": _BILLING_READERS,
    "billing:bill_list": _BILLING_READERS,
    "billing:bill_detail": _BILLING_READERS,
    "billing:letters": _BILLING_READERS,
    "billing:payment_void": roles(MANAGER),
    "billing:payment_refund": roles(MANAGER),
    "billing:bill_void": roles(MANAGER),
    "billing:bill_write_off": roles(MANAGER),
    "billing:arrears": _BILLING_REPORTS,
    "billing:escalations": _BILLING_REPORTS,
    "billing:journal": _BILLING_REPORTS,
    "billing:statement": _BILLING_REPORTS,
    "billing:statement_export": _BILLING_REPORTS,
    "billing:calls": _FEE_CALLERS,
    "billing:call_outcome": _FEE_CALLERS,
    "billing:call_dial": _FEE_CALLERS,  # the housekeeper on the reminder, or a manager
    "billing:deposits": _BILLING_READERS,  # a unit's deposit ledger; taking one needs a cashier
    "billing:deposit_refund": _CASHIERS,
    "billing:bill_waive_late_fee": roles(MANAGER),
    "billing:online_orders": _BILLING_READERS,
    "billing:online_order": _BILLING_READERS,
    "billing:online_refund": roles(MANAGER),
    # --- front desk: key custody, invoice requests, the knowledge drawer
    "frontdesk:keys": _KEY_READERS,
    "frontdesk:key_create": _KEY_KEEPERS,
    "frontdesk:key_export": _KEY_READERS,
    "frontdesk:key_detail": _KEY_READERS,
    "frontdesk:key_action": _KEY_KEEPERS,  # hand_out, take_back, return_to_owner: one permission
    "frontdesk:invoices": _INVOICE_READERS,
    "frontdesk:invoice_create": _INVOICE_REQUESTERS,
    "frontdesk:invoice_export": _INVOICE_READERS,
    "frontdesk:invoice_detail": _INVOICE_READERS,
    "frontdesk:invoice_action": _INVOICE_ISSUERS,  # issue, reject: one permission
    "frontdesk:knowledge_search": _KNOWLEDGE_READERS,
    "portal:invoice_requests": RESIDENTS,  # the units whose bills the person sees
    # --- renovations (each transition is then checked per action: DESK_RENOVATION_ACTIONS)
    "renovations:list": _RENO_READERS,
    "renovations:detail": _RENO_READERS,
    "renovations:action": _RENO_READERS,
    "renovations:create": _RENO_REGISTRARS,
    "renovations:deposit": _RENO_PERMIT_ISSUERS,
    "renovations:worker_add": _RENO_REGISTRARS,
    "renovations:worker_remove": _RENO_REGISTRARS,
    "renovations:document_upload": _RENO_REGISTRARS,
    "renovations:document": _RENO_FILE_READERS,
    "renovations:deduction_propose": _RENO_VIOLATION_MANAGERS,
    "renovations:deduction_withdraw": _RENO_VIOLATION_MANAGERS,
    "renovations:permit": _RENO_READERS,
    "renovations:patrols": _RENO_PATROL_READERS,
    "renovations:patrol": _RENO_PATROLLERS,
    "renovations:violations": _RENO_PATROL_READERS,
    "renovations:violation": _RENO_PATROL_READERS,
    "renovations:violation_action": _RENO_PATROL_READERS,  # then DESK_VIOLATION_ACTIONS
    "renovations:violation_create": _RENO_VIOLATION_MANAGERS,
    "renovations:link_complaint": _RENO_VIOLATION_MANAGERS,
    "renovations:metrics": _KPI_READERS,
    # --- the front desk (/desk/): visitors, lost and found, parcels
    "frontdesk:home": _DESK_LOG_READERS,
    "frontdesk:visitors": _DESK_LOG_READERS,
    "frontdesk:visitor_export": _DESK_LOG_READERS,
    "frontdesk:visitor_create": _DESK_LOG_KEEPERS,
    "frontdesk:visitor_leave": _DESK_LOG_KEEPERS,
    "frontdesk:lost_items": _DESK_LOG_READERS,
    "frontdesk:lost_item_export": _DESK_LOG_READERS,
    "frontdesk:lost_item": _DESK_LOG_READERS,
    "frontdesk:lost_item_photo": _DESK_LOG_READERS,
    "frontdesk:lost_item_create": _DESK_LOG_KEEPERS,
    "frontdesk:lost_item_action": _DESK_LOG_KEEPERS,  # claim, dispose: the same permission
    "frontdesk:parcels": _DESK_LOG_READERS,
    "frontdesk:parcel_export": _DESK_LOG_READERS,
    "frontdesk:parcel": _DESK_LOG_READERS,
    "frontdesk:parcel_create": _DESK_LOG_KEEPERS,
    "frontdesk:parcel_action": _DESK_LOG_KEEPERS,  # pick-up, return: the same permission
    # --- front desk: move-outs and moving requests (the release pass is checked at passes:verify)
    "frontdesk:moveouts": _MOVEOUT_READERS,
    "frontdesk:moveout_detail": _MOVEOUT_READERS,
    "frontdesk:moveout_create": _MOVEOUT_DESK,
    "frontdesk:moveout_approve": _MOVEOUT_DESK,
    "frontdesk:moveout_complete": _MOVEOUT_DESK,
    "frontdesk:moveout_cancel": _MOVEOUT_DESK,
    # --- move-ins (each transition is then checked per action: DESK_MOVEIN_ACTIONS)
    "moveins:list": _MOVEIN_READERS,
    "moveins:detail": _MOVEIN_READERS,
    "moveins:action": _MOVEIN_READERS,
    "moveins:create": _MOVEIN_HANDLERS,
    "moveins:checklist_tick": _MOVEIN_HANDLERS,
    "moveins:deposit": _CASHIERS,
    "moveins:readings": _MOVEIN_INSPECTORS,
    "moveins:defects": _MOVEIN_INSPECTORS,
    "moveins:keys": _MOVEIN_KEYS,
    "portal:move_ins": RESIDENTS,
    "portal:move_in": RESIDENTS,  # the owner's own move-in only (404 for anyone else's)
    "portal:move_in_rate": RESIDENTS,
    "portal:renovations": RESIDENTS,  # the units the person occupies today
    "portal:renovation_apply": RESIDENTS,  # an owner or co-owner of the unit only (404 otherwise)
    "portal:renovation": RESIDENTS,  # the person's own units' renovations only (404 otherwise)
    "portal:special_services": RESIDENTS,  # their estates' active catalogue, their units' bookings
    "portal:special_service_book": RESIDENTS,  # a service of an estate where they occupy a unit
    "portal:move_in_book": RESIDENTS,  # the owner's own scheduled move-in (also before handover)
    "portal:move_in_cancel_booking": RESIDENTS,
    # --- move-in batches, spot checks, the warranty report, the figures (moveins/views/batches.py)
    "moveins:batches": _BATCH_READERS,
    "moveins:batch": _BATCH_READERS,
    "moveins:batch_print": _BATCH_READERS,
    "moveins:batch_create": roles(MANAGER),
    "moveins:batch_slots_add": roles(MANAGER),
    "moveins:batch_book": _BATCH_BOOKERS,
    "moveins:batch_cancel_booking": _BATCH_BOOKERS,
    "moveins:spot_checks": roles(MANAGER),
    "moveins:spot_check_create": roles(MANAGER),
    "moveins:warranty_report": _WARRANTY_READERS,
    "moveins:warranty_report_export": _WARRANTY_READERS,
    "moveins:metrics": _KPI_READERS,
    # a resident books a move for a unit they occupy today and follows their own units' requests
    "portal:moveouts": RESIDENTS,
    "portal:moveout_create": RESIDENTS,
    # household visits (拜访) and important households (relations/roles.py)
    "relations:visit_list": _VISIT_READERS,
    "relations:visits_due": _VISIT_READERS,  # the housekeeper's own zone; others choose one
    "relations:visit_detail": _VISIT_READERS,
    "relations:visit_create": _VISIT_WRITERS,
    "relations:visit_ticket": _VISIT_WRITERS,  # the follow-up becomes a ticket, once
    "relations:unit_important": _VISIT_WRITERS,  # flag with a reason, or clear
    # --- notices and community events (relations/views/notices.py, relations/views/events.py)
    "relations:notices": _NOTICE_READERS,
    "relations:notice_create": _NOTICE_WRITERS,
    "relations:notice_detail": _NOTICE_READERS,
    "relations:notice_edit": _NOTICE_WRITERS,
    "relations:notice_publish": _NOTICE_WRITERS,
    "relations:notice_withdraw": _NOTICE_WRITERS,
    "relations:events": _NOTICE_READERS,
    "relations:event_create": _NOTICE_WRITERS,
    "relations:event_detail": _NOTICE_READERS,
    "relations:event_edit": _NOTICE_WRITERS,
    "relations:event_publish": _NOTICE_WRITERS,
    "relations:event_cancel": _NOTICE_WRITERS,
    # a resident reads the current notices of their buildings and signs up their household
    "portal:notices": RESIDENTS,
    "portal:notice_detail": RESIDENTS,
    "portal:events": RESIDENTS,
    "portal:event_detail": RESIDENTS,
    "portal:event_signup": RESIDENTS,
    "portal:event_signup_cancel": RESIDENTS,
    # --- satisfaction surveys (relations/views/surveys.py)
    "relations:surveys": _SURVEY_READERS,
    "relations:survey_create": _SURVEY_RUNNERS,
    "relations:survey_detail": _SURVEY_READERS,
    "relations:survey_questions": _SURVEY_RUNNERS,  # editable while a draft
    "relations:survey_open": _SURVEY_RUNNERS,
    "relations:survey_close": _SURVEY_RUNNERS,
    "relations:survey_export": _SURVEY_READERS,
    # a resident answers as the occupant of one of their units (404 for another's unit)
    "portal:survey": RESIDENTS,
}

# The transitions behind tickets:action/<slug> (the same rules as the API's ticket.<slug>).
DESK_TICKET_ACTIONS: dict[str, frozenset[str]] = {
    "assign": _DISPATCHERS,
    "take": roles(TECHNICIAN),  # self-dispatch: an unassigned ticket of the team one belongs to
    "start": _WORKERS,
    "hold": _WORKERS,
    "resume": _WORKERS,
    "resolve": _WORKERS,
    "reopen": _DISPATCHERS,
    "cancel": _DISPATCHERS,
    "close": roles(SUPERVISOR, MANAGER),
    "flag_major": _DISPATCHERS,
    "reply": _REPLIERS,
}

# The transitions behind renovations:action/<slug> (the workflow's permission of each action).
DESK_RENOVATION_ACTIONS: dict[str, frozenset[str]] = {
    "send_to_engineering": _RENO_REGISTRARS,
    "send_to_manager": _RENO_REGISTRARS,
    "engineering_approve": _RENO_REVIEWERS,
    "engineering_request_changes": _RENO_REVIEWERS,
    "engineering_reject": _RENO_REVIEWERS,
    "approve": roles(MANAGER),
    "request_changes": roles(MANAGER),
    "reject": roles(MANAGER),
    "resubmit": _RENO_REGISTRARS,
    "withdraw": _RENO_REGISTRARS,
    "record_agreement": _RENO_PERMIT_ISSUERS,
    "waive_charges": roles(MANAGER),
    "issue_permit": _RENO_PERMIT_ISSUERS,
    "start_works": _RENO_PERMIT_ISSUERS,
    "request_completion": _RENO_REGISTRARS,
    "accept": _RENO_REVIEWERS,
    "fail_acceptance": _RENO_REVIEWERS,
    "pass_second_inspection": _RENO_REVIEWERS,
    "fail_second_inspection": _RENO_REVIEWERS,
    "approve_refund": roles(MANAGER),
    "close": _RENO_REGISTRARS,
}
# The transitions behind moveins:action/<slug> (the workflow's permission of each action).
DESK_MOVEIN_ACTIONS: dict[str, frozenset[str]] = {
    "start": _MOVEIN_HANDLERS,
    "finish_documents": _MOVEIN_HANDLERS,
    "waive_fees": roles(MANAGER),
    "confirm_fees": _MOVEIN_HANDLERS,
    "pass_inspection": _MOVEIN_INSPECTORS,
    "reinspect": _MOVEIN_INSPECTORS,
    "cancel": roles(MANAGER),
}
# The transitions behind renovations:violation_action/<slug>.
DESK_VIOLATION_ACTIONS: dict[str, frozenset[str]] = {
    "order_rectification": _RENO_VIOLATION_MANAGERS,
    "confirm_rectified": _RENO_VIOLATION_MANAGERS,
    "escalate": roles(SUPERVISOR, MANAGER),
    "dismiss": _RENO_VIOLATION_MANAGERS,
}

# "<router basename>.<viewset action>". The resident role here means the API scoped to the units
# the person occupies today (`for_resident`).
_EVERYONE = AUTHENTICATED
API: dict[str, frozenset[str]] = {
    # archive
    "estate.list": _EVERYONE,
    "estate.retrieve": _EVERYONE,
    "building.list": _EVERYONE,
    "building.retrieve": _EVERYONE,
    "building.create": roles(MANAGER),
    "building.partial_update": roles(MANAGER),
    "unit.list": _EVERYONE,
    "unit.retrieve": _EVERYONE,
    "unit.create": roles(MANAGER),
    "unit.partial_update": roles(MANAGER),
    "person.list": _ARCHIVE_READERS | RESIDENTS,
    "person.retrieve": _ARCHIVE_READERS | RESIDENTS,
    "person.create": _ARCHIVE_EDITORS,
    "person.partial_update": _ARCHIVE_EDITORS,
    "person.reveal": _REVEALERS,
    "person.verify_id": _ARCHIVE_EDITORS,
    "person.portal_code": _PORTAL_CODE_ISSUERS,
    "occupancy.list": _ARCHIVE_READERS | RESIDENTS,
    "occupancy.retrieve": _ARCHIVE_READERS | RESIDENTS,
    "occupancy.create": _ARCHIVE_EDITORS,
    "occupancy.end": _ARCHIVE_EDITORS,
    "occupancy.payer": _ARCHIVE_EDITORS,
    "occupancy.bill_visibility": _ARCHIVE_EDITORS,
    "access-log.list": roles(MANAGER, COMPANY),
    "access-log.retrieve": roles(MANAGER, COMPANY),
    "pass.list": _PASS_READERS | RESIDENTS,  # residents: their own units' passes
    "pass.retrieve": _PASS_READERS | RESIDENTS,
    "pass.create": _PASS_ISSUERS,
    "pass.revoke": _PASS_ISSUERS,
    "pass.verify": _PASS_CHECKERS,  # by number; 404 outside one's estates
    # household requests (issue #14): the desk's queue through the API; staff only (residents 403)
    "household-request.list": _REGISTRARS | roles(COMPANY),
    "household-request.retrieve": _REGISTRARS | roles(COMPANY),
    "household-request.approve": _REGISTRARS,
    "household-request.reject": _REGISTRARS,
    # staff
    "team.list": _STAFF_ADMIN_READERS,
    "team.retrieve": _STAFF_ADMIN_READERS,
    "zone.list": _STAFF_ADMIN_READERS,
    "zone.retrieve": _STAFF_ADMIN_READERS,
    "staff-performance.list": ALL_STAFF,
    "dashboard-metrics.list": _KPI_READERS,  # its own estates only; residents 404
    "monthly-report.list": _MONTHLY_REPORT_READERS,
    "monthly-report.retrieve": _MONTHLY_REPORT_READERS,
    "monthly-report.rebuild": _MONTHLY_REPORT_REBUILDERS,
    "training-session.list": ALL_STAFF,  # supervisors, managers, company: all; others their own
    "training-session.retrieve": ALL_STAFF,
    "training-session.create": roles(SUPERVISOR, MANAGER),
    "training-session.attendance": roles(
        SUPERVISOR, MANAGER
    ),  # KPI readers: every row; anyone else: their own row
    "shift-type.list": _ROSTER_READERS,
    "shift-type.retrieve": _ROSTER_READERS,
    "shift-type.create": roles(MANAGER),
    "shift-type.partial_update": roles(MANAGER),
    "roster-entry.list": _ROSTER_READERS,
    "roster-entry.retrieve": _ROSTER_READERS,
    "roster-entry.create": _ROSTER_KEEPERS,
    "roster-entry.partial_update": _ROSTER_KEEPERS,
    "shift-swap.list": _ROSTER_READERS,
    "shift-swap.retrieve": _ROSTER_READERS,
    "shift-swap.create": _SWAP_ASKERS,
    "shift-swap.approve": _ROSTER_KEEPERS,
    "shift-swap.reject": _ROSTER_KEEPERS,
    "shift-swap.cancel": roles(FRONTDESK),  # the one who asked only (in the test world, the front desk)
    "on-duty.list": _ROSTER_READERS,
    "reception-hours.retrieve": roles(SUPERVISOR, MANAGER, COMPANY),  # the company reads
    "reception-hours.update": roles(SUPERVISOR, MANAGER),  # of their own estates
    "shift-handover.list": ALL_STAFF,
    "shift-handover.retrieve": ALL_STAFF,
    "shift-handover.create": all_staff_but(COMPANY),
    "shift-handover.acknowledge": all_staff_but(COMPANY),
    "attendance.list": roles(SUPERVISOR, MANAGER, COMPANY),
    "attendance.retrieve": roles(SUPERVISOR, MANAGER, COMPANY),
    "attendance.absences": roles(SUPERVISOR, MANAGER, COMPANY),
    "attendance.clock_in": all_staff_but(COMPANY),  # for oneself only
    "attendance.clock_out": all_staff_but(COMPANY),
    "attendance.mine": all_staff_but(COMPANY),
    # quality supervision and incidents (staff/roles.py): supervisors and managers; the company reads
    "inspection-checklist.list": _QUALITY_READERS,
    "inspection-checklist.retrieve": _QUALITY_READERS,
    "quality-inspection.list": _QUALITY_READERS,
    "quality-inspection.retrieve": _QUALITY_READERS,
    "quality-inspection.create": _QUALITY_INSPECTORS,
    "rectification-order.list": _QUALITY_READERS,
    "rectification-order.retrieve": _QUALITY_READERS,
    "rectification-order.create": _QUALITY_INSPECTORS,
    "rectification-order.rectify": _QUALITY_INSPECTORS,
    "rectification-order.verify": _QUALITY_INSPECTORS,
    "rectification-order.send_back": _QUALITY_INSPECTORS,
    "incident.list": _QUALITY_READERS,
    "incident.retrieve": _QUALITY_READERS,
    "incident.create": _QUALITY_INSPECTORS,
    "incident.timeline": _QUALITY_INSPECTORS,
    "drill.list": _QUALITY_READERS,
    "drill.retrieve": _QUALITY_READERS,
    "drill.create": _QUALITY_INSPECTORS,
    "drill.held": _QUALITY_INSPECTORS,
    "quality-inspection.finding_photo": _QUALITY_INSPECTORS,
    "incident.close": _QUALITY_INSPECTORS,
    "incident.link_ticket": _QUALITY_INSPECTORS,
    "corrective-action.list": _QUALITY_READERS,
    "corrective-action.retrieve": _QUALITY_READERS,
    "corrective-action.create": _QUALITY_INSPECTORS,
    # tickets
    "ticket.list": _EVERYONE,
    "ticket.retrieve": _EVERYONE,
    "ticket.create": _REGISTRARS | RESIDENTS,
    "ticket.comments": _EVERYONE,
    "ticket.attachments": _EVERYONE,
    "ticket.attachment_file": _EVERYONE,
    "ticket.assign": _DISPATCHERS,
    "ticket.cancel": _DISPATCHERS,
    "ticket.reopen": _DISPATCHERS,
    "ticket.flag_major": _DISPATCHERS,
    "ticket.close": roles(SUPERVISOR, MANAGER),
    "ticket.start": _WORKERS,
    "ticket.hold": _WORKERS,
    "ticket.resume": _WORKERS,
    "ticket.resolve": _WORKERS,
    "ticket.rate": RESIDENTS,  # the reporter only
    "ticket.metrics": _KPI_READERS,
    "hotspot.heat": _KPI_READERS,
    "hotspot.root_causes": _KPI_READERS,
    "repeat-repair.list": _KPI_READERS,
    "repeat-repair.retrieve": _KPI_READERS,
    "repeat-repair.acknowledge": _REPEAT_WORKERS,
    "repeat-repair.assign_action": _REPEAT_WORKERS,
    "repeat-repair.close": _REPEAT_WORKERS,
    "repeat-repair.dismiss": _REPEAT_WORKERS,
    "repeat-repair.detect": _REPEAT_WORKERS,
    "ticket.suggest": _REGISTRARS,  # their own estates only (404 otherwise); residents never
    "ticket.reply": _REPLIERS,
    "ticket.link_report": _REGISTRARS,
    "ticket.possible_duplicates": _REGISTRARS,
    "public-location.list": _EVERYONE,  # staff: their estates' places; residents: their estates'
    "public-location.retrieve": _EVERYONE,
    "root-cause.list": _EVERYONE,
    "root-cause.retrieve": _EVERYONE,
    "ticket-category.list": _EVERYONE,
    "ticket-category.retrieve": _EVERYONE,
    "callback.list": _CALLBACK_READERS,
    "callback.retrieve": _CALLBACK_READERS,
    "callback.record": _CALLBACK_RECORDERS,
    # fees
    "charge-item.list": _BILLING_READERS | RESIDENTS,
    "charge-item.retrieve": _BILLING_READERS | RESIDENTS,
    "meter-reading.list": _BILLING_READERS | RESIDENTS,
    "meter-reading.retrieve": _BILLING_READERS | RESIDENTS,
    "meter-reading.create": _CASHIERS,
    "bill.list": _BILLING_READERS | RESIDENTS,
    "bill.retrieve": _BILLING_READERS | RESIDENTS,
    "bill.create": _CASHIERS,
    "bill.void": roles(MANAGER),
    "bill.write_off": roles(MANAGER),
    "bill.waive_late_fee": roles(MANAGER),
    "payment.list": _BILLING_READERS | RESIDENTS,
    "payment.retrieve": _BILLING_READERS | RESIDENTS,
    "payment.create": _CASHIERS,
    "payment.void": roles(MANAGER),
    "payment.refund": roles(MANAGER),
    "payment-order.list": _BILLING_READERS | RESIDENTS,
    "payment-order.retrieve": _BILLING_READERS | RESIDENTS,
    "payment-order.create": RESIDENTS,  # a resident pays their own bills online
    "arrears.list": _BILLING_REPORTS,
    # renovations: residents read their own units' applications and workers (masked), nothing more
    "renovation.list": ALL_STAFF | RESIDENTS,
    "renovation.retrieve": ALL_STAFF | RESIDENTS,
    "renovation.workers": _RENO_DETAIL_READERS | RESIDENTS,
    "renovation.create": _RENO_REGISTRARS,
    "renovation.partial_update": _RENO_REGISTRARS,
    "renovation.send_for_review": _RENO_REGISTRARS,
    "renovation.resubmit": _RENO_REGISTRARS,
    "renovation.withdraw": _RENO_REGISTRARS,
    "renovation.request_completion": _RENO_REGISTRARS,
    "renovation.close": _RENO_REGISTRARS,
    "renovation.add_worker": _RENO_REGISTRARS,
    "renovation.remove_worker": _RENO_REGISTRARS,
    "renovation.upload_document": _RENO_REGISTRARS,
    "renovation.documents": _RENO_DETAIL_READERS,
    "renovation.document_file": _RENO_DETAIL_READERS,
    "renovation.engineering_approve": _RENO_ENGINEERING,
    "renovation.engineering_request_changes": _RENO_ENGINEERING,
    "renovation.engineering_reject": _RENO_ENGINEERING,
    "renovation.approve": roles(MANAGER),
    "renovation.request_changes": roles(MANAGER),
    "renovation.reject": roles(MANAGER),
    "renovation.waive_charges": roles(MANAGER),
    "renovation.approve_refund": roles(MANAGER),
    "renovation.record_agreement": _RENO_PERMIT,
    "renovation.issue_permit": _RENO_PERMIT,
    "renovation.start_works": _RENO_PERMIT,
    "renovation.take_deposit": _CASHIERS,
    "renovation.accept": _RENO_ENGINEERING,
    "renovation.fail_acceptance": _RENO_ENGINEERING,
    "renovation.pass_second_inspection": _RENO_ENGINEERING,
    "renovation.fail_second_inspection": _RENO_ENGINEERING,
    "renovation.deductions": _RENO_DETAIL_READERS,
    "renovation.add_deduction": _RENO_VIOLATIONS,
    "renovation.withdraw_deduction": _RENO_VIOLATIONS,
    "renovation.link_complaint": _RENO_VIOLATIONS,
    "renovation.metrics": _RENO_API_READERS,
    "renovation-patrol.list": _RENO_API_READERS,
    "renovation-patrol.retrieve": _RENO_API_READERS,
    "renovation-patrol.record": _RENO_PATROLLERS,
    "renovation-violation.list": _RENO_API_READERS,
    "renovation-violation.retrieve": _RENO_API_READERS,
    "renovation-violation.create": _RENO_VIOLATIONS,
    "renovation-violation.order_rectification": _RENO_VIOLATIONS,
    "renovation-violation.confirm_rectified": _RENO_VIOLATIONS,
    "renovation-violation.dismiss": _RENO_VIOLATIONS,
    "renovation-violation.escalate": roles(SUPERVISOR, MANAGER),
    # the front desk's logs: residents read their own units' parcels, nothing else
    "visitor.list": _DESK_LOG_READERS,
    "visitor.retrieve": _DESK_LOG_READERS,
    "visitor.create": _DESK_LOG_KEEPERS,
    "visitor.leave": _DESK_LOG_KEEPERS,
    "lost-item.list": _DESK_LOG_READERS,
    "lost-item.retrieve": _DESK_LOG_READERS,
    "lost-item.create": _DESK_LOG_KEEPERS,
    "lost-item.claim": _DESK_LOG_KEEPERS,
    "lost-item.dispose": _DESK_LOG_KEEPERS,
    "parcel.list": _DESK_LOG_READERS | RESIDENTS,
    "parcel.retrieve": _DESK_LOG_READERS | RESIDENTS,
    "parcel.create": _DESK_LOG_KEEPERS,
    "parcel.pick_up": _DESK_LOG_KEEPERS,
    "parcel.return_to_carrier": _DESK_LOG_KEEPERS,
    # front desk: residents read and ask for their own units' invoices, nothing else
    "key-custody.list": _KEY_READERS,
    "key-custody.retrieve": _KEY_READERS,
    "key-custody.create": _KEY_KEEPERS,
    "key-custody.hand_out": _KEY_KEEPERS,
    "key-custody.take_back": _KEY_KEEPERS,
    "key-custody.return_to_owner": _KEY_KEEPERS,
    "invoice-request.list": _INVOICE_READERS | RESIDENTS,
    "invoice-request.retrieve": _INVOICE_READERS | RESIDENTS,
    "invoice-request.create": _INVOICE_REQUESTERS | RESIDENTS,
    "invoice-request.issue": _INVOICE_ISSUERS,
    "invoice-request.reject": _INVOICE_ISSUERS,
    "knowledge.list": _KNOWLEDGE_READERS,
    "knowledge.retrieve": _KNOWLEDGE_READERS,
    "knowledge.create": roles(MANAGER),
    "knowledge.partial_update": roles(MANAGER),
    # front desk: move-outs and moving requests (approve: the override is the manager's only)
    "move-out.list": _MOVEOUT_READERS,
    "move-out.retrieve": _MOVEOUT_READERS,
    "move-out.create": _MOVEOUT_DESK,
    "move-out.approve": _MOVEOUT_DESK,
    "move-out.complete": _MOVEOUT_DESK,
    "move-out.cancel": _MOVEOUT_DESK,
    # special services (relations): the estate's catalogue and the bookings (each a paid ticket)
    "special-service.list": _SPECIAL_SERVICE_READERS | RESIDENTS,
    "special-service.retrieve": _SPECIAL_SERVICE_READERS | RESIDENTS,
    "special-service-booking.list": _SPECIAL_SERVICE_READERS | RESIDENTS,
    "special-service-booking.retrieve": _SPECIAL_SERVICE_READERS | RESIDENTS,
    "special-service-booking.create": _REGISTRARS | RESIDENTS,
    # notices and community events: residents read their own and sign up their household
    "notice.list": _NOTICE_READERS | RESIDENTS,
    "notice.retrieve": _NOTICE_READERS | RESIDENTS,
    "notice.create": _NOTICE_WRITERS,
    "notice.partial_update": _NOTICE_WRITERS,
    "notice.publish": _NOTICE_WRITERS,
    "notice.withdraw": _NOTICE_WRITERS,
    "community-event.list": _NOTICE_READERS | RESIDENTS,
    "community-event.retrieve": _NOTICE_READERS | RESIDENTS,
    "community-event.create": _NOTICE_WRITERS,
    "community-event.partial_update": _NOTICE_WRITERS,
    "community-event.publish": _NOTICE_WRITERS,
    "community-event.cancel": _NOTICE_WRITERS,
    "community-event.signups": _NOTICE_READERS,
    "community-event.sign_up": RESIDENTS,
    "community-event.cancel_sign_up": RESIDENTS,
    # move-ins: residents read their own units' move-ins and rate their own handover
    "move-in.list": _MOVEIN_READERS | RESIDENTS,
    "move-in.retrieve": _MOVEIN_READERS | RESIDENTS,
    "move-in.create": _MOVEIN_HANDLERS,
    "move-in.start": _MOVEIN_HANDLERS,
    "move-in.finish_documents": _MOVEIN_HANDLERS,
    "move-in.waive_fees": roles(MANAGER),
    "move-in.confirm_fees": _MOVEIN_HANDLERS,
    "move-in.pass_inspection": _MOVEIN_INSPECTORS,
    "move-in.record_defects": _MOVEIN_INSPECTORS,
    "move-in.reinspect": _MOVEIN_INSPECTORS,
    "move-in.hand_over_keys": _MOVEIN_KEYS,
    "move-in.cancel": roles(MANAGER),
    "move-in.complete_checklist_item": _MOVEIN_HANDLERS,
    "move-in.take_deposit": _CASHIERS,
    "move-in.opening_readings": _MOVEIN_INSPECTORS,
    "move-in.rate": _MOVEIN_HANDLERS | RESIDENTS,  # the owner only (403 for another occupant)
    # move-in batches and slots, the warranty report
    "move-in-batch.list": _BATCH_READERS,
    "move-in-batch.retrieve": _BATCH_READERS,
    "move-in-batch.create": roles(MANAGER),
    "move-in-slot.list": _BATCH_READERS,
    "move-in-slot.retrieve": _BATCH_READERS,
    "move-in-slot.book": _BATCH_BOOKERS,
    "move-in-slot.cancel": _BATCH_BOOKERS,
    "warranty-report.list": _WARRANTY_READERS,
    # household visits and important households: staff only (residents 403)
    "visit.list": _VISIT_READERS,
    "visit.retrieve": _VISIT_READERS,
    "visit.create": _VISIT_WRITERS,
    "visit.ticket": _VISIT_WRITERS,  # the follow-up becomes a ticket, once
    "visit.due": _VISIT_READERS,
    "important-household.list": _VISIT_READERS,
    "important-household.retrieve": _VISIT_READERS,
    "important-household.create": _VISIT_WRITERS,
    "important-household.clear": _VISIT_WRITERS,
    # satisfaction surveys: the manager runs them; residents list the open ones and answer once
    "survey.list": _SURVEY_READERS,
    "survey.retrieve": _SURVEY_READERS,
    "survey.results": _SURVEY_READERS,
    "survey.create": _SURVEY_RUNNERS,
    "survey.partial_update": _SURVEY_RUNNERS,
    "survey.open": _SURVEY_RUNNERS,
    "survey.close": _SURVEY_RUNNERS,
    "survey-template.list": _SURVEY_READERS,
    "survey-template.retrieve": _SURVEY_READERS,
    "resident-survey.list": RESIDENTS,
    "resident-survey.retrieve": RESIDENTS,
    "resident-survey.answer": RESIDENTS,
}
