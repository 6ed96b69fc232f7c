"""What each role may do in resident relations (applied to the role groups by
staff.roles.sync_role_groups). Each area adds its permissions to ROLE_PERMISSIONS."""

from servicecenter.roles import CLERK, COMPANY, FRONTDESK, HOUSEKEEPER, MANAGER, SUPERVISOR

ROLE_PERMISSIONS: dict[str, list[str]] = {}

# Household visits (拜访) and important households (重要业户): housekeepers log visits and flag
# households, the duty supervisor and the manager too; the desk and head office read them.

_VISIT_READ = ["relations.view_visit", "relations.view_importanthousehold"]
_VISIT_WRITE = [*_VISIT_READ, "relations.add_visit", "relations.flag_important_household"]
for _role, _perms in (
    (HOUSEKEEPER, _VISIT_WRITE),
    (SUPERVISOR, _VISIT_WRITE),
    (MANAGER, _VISIT_WRITE),
    (FRONTDESK, _VISIT_READ),
    (COMPANY, _VISIT_READ),
):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS.get(_role, []), *_perms]


def _grant(roles, permissions) -> None:
    for role in roles:
        ROLE_PERMISSIONS.setdefault(role, []).extend(permissions)


# --- special services (特约服务): the desk reads the catalogue and the bookings (booking itself
# needs tickets.add_ticket, as a booking is a ticket); the manager keeps the catalogue in the admin.
_grant(
    (FRONTDESK, CLERK, HOUSEKEEPER, SUPERVISOR, MANAGER, COMPANY),
    ["relations.view_specialservice", "relations.view_specialservicebooking"],
)
_grant((MANAGER,), ["relations.add_specialservice", "relations.change_specialservice"])
# --- notices and community events -----------------------------------------------------------------
# The front desk, the duty supervisor and the manager write, publish and withdraw notices and run
# community events; clerks and housekeepers (who answer residents about them) and head office read.
# Residents need no permission: their portal shows what `visible_to` gives them.
_NOTICE_READ = ["relations.view_notice", "relations.view_communityevent", "relations.view_eventsignup"]
_NOTICE_WRITE = [
    "relations.add_notice",
    "relations.change_notice",
    "relations.publish_notice",
    "relations.add_communityevent",
    "relations.change_communityevent",
    "relations.publish_communityevent",
]
for _role in (FRONTDESK, SUPERVISOR, MANAGER):
    ROLE_PERMISSIONS.setdefault(_role, []).extend(_NOTICE_READ + _NOTICE_WRITE)
for _role in (CLERK, HOUSEKEEPER, COMPANY):
    ROLE_PERMISSIONS.setdefault(_role, []).extend(_NOTICE_READ)
# --- surveys: the manager builds, opens and closes the estate's satisfaction surveys and keeps the
# templates in the admin; the duty supervisor and the company's quality department read the
# results. Residents answer on the portal (no permission: the service checks their unit).
_SURVEY_READ = ["relations.view_survey", "relations.view_survey_results", "relations.view_surveytemplate"]
for _role, _perms in {
    "supervisor": _SURVEY_READ,
    "company": _SURVEY_READ,
    "manager": [
        *_SURVEY_READ,
        "relations.add_survey",
        "relations.change_survey",
        "relations.run_survey",
        "relations.view_surveyquestion",
        "relations.view_surveyresponse",
        "relations.add_surveyresponse",
        "relations.view_surveyevent",
        "relations.add_surveytemplate",
        "relations.change_surveytemplate",
        "relations.view_surveytemplatequestion",
        "relations.add_surveytemplatequestion",
        "relations.change_surveytemplatequestion",
        "relations.delete_surveytemplatequestion",
    ],
}.items():
    ROLE_PERMISSIONS.setdefault(_role, []).extend(_perms)
