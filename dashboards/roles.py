"""Who reads the manager dashboards (applied to the role groups by staff.roles.sync_role_groups).

The duty supervisor, the manager and the company's quality department read the dashboard of
their estates; the manager sets the estate's KPI targets; the company compares its estates side
by side (the company also gets every `view_` permission the manager has, see staff.roles).
"""

from servicecenter.roles import COMPANY, MANAGER, SUPERVISOR

VIEW = "dashboards.view_dashboard"
COMPARE = "dashboards.compare_estates"
_TARGETS = ["dashboards.view_kpitarget", "dashboards.add_kpitarget", "dashboards.change_kpitarget"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SUPERVISOR: [VIEW],
    MANAGER: [VIEW, *_TARGETS],
    COMPANY: [VIEW, COMPARE],
}


# Repeat repairs (返修): the duty supervisor and the manager work them through; the company's
# quality department reads them. The hotspot tables need `tickets.view_ticket_metrics`.
_READ_REPEATS = ["dashboards.view_repeatrepair", "dashboards.view_repeatrepairevent"]
ROLE_PERMISSIONS[SUPERVISOR] += [*_READ_REPEATS, "dashboards.work_repeatrepair"]
ROLE_PERMISSIONS[MANAGER] += [*_READ_REPEATS, "dashboards.work_repeatrepair"]
ROLE_PERMISSIONS[COMPANY] += [*_READ_REPEATS]

# Monthly reports: the duty supervisor and the manager read their own estates' reports, the
# company's quality department (which reads whatever the manager reads) every estate's; only the
# manager rebuilds one.
ROLE_PERMISSIONS[SUPERVISOR] += ["dashboards.view_monthlyreport"]
ROLE_PERMISSIONS[MANAGER] += ["dashboards.view_monthlyreport", "dashboards.rebuild_monthlyreport"]
