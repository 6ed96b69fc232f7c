"""What each role may do in resident relations (applied to the role groups by
staff.roles.sync_role_groups). Each area adds its permissions to ROLE_PERMISSIONS."""

ROLE_PERMISSIONS: dict[str, list[str]] = {}

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
