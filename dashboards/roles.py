"""What each role may do with the dashboards app's records (applied by staff.roles.sync_role_groups).

Repeat repairs (返修): the duty supervisor and the manager work them through; the company's
quality department reads them. The hotspot tables need `tickets.view_ticket_metrics`."""

from servicecenter.roles import COMPANY, MANAGER, SUPERVISOR

_READ_REPEATS = ["dashboards.view_repeatrepair", "dashboards.view_repeatrepairevent"]

ROLE_PERMISSIONS = {
    SUPERVISOR: [*_READ_REPEATS, "dashboards.work_repeatrepair"],
    MANAGER: [*_READ_REPEATS, "dashboards.work_repeatrepair"],
    COMPANY: [*_READ_REPEATS],
}
