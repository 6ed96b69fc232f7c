"""What each role may do with the dashboards app (applied by staff.roles.sync_role_groups).

Monthly reports (issue #15): the duty supervisor and the manager read their own estates' reports,
the company's quality department (which reads whatever the manager reads) every estate's; only
the manager rebuilds one.
"""

from servicecenter.roles import MANAGER, SUPERVISOR

ROLE_PERMISSIONS = {
    SUPERVISOR: ["dashboards.view_monthlyreport"],
    MANAGER: ["dashboards.view_monthlyreport", "dashboards.rebuild_monthlyreport"],
}
