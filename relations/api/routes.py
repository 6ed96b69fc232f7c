"""The relations API: each area adds its viewsets here."""

ROUTES: list = []

# --- surveys
from relations.api.surveys import ResidentSurveyViewSet, SurveyTemplateViewSet, SurveyViewSet  # noqa: E402

ROUTES += [
    ("surveys", SurveyViewSet, "survey"),
    ("survey-templates", SurveyTemplateViewSet, "survey-template"),
    ("resident-surveys", ResidentSurveyViewSet, "resident-survey"),
]
