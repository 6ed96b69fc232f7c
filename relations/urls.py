"""Resident relations pages: staff pages under /relations/ (namespace `relations`) and portal
pages under /portal/ (namespace `portal`). Each area adds its own block of paths."""

desk_patterns: list = []

portal_patterns: list = []

# --- surveys
from django.urls import path  # noqa: E402

from relations.views import surveys as survey_views  # noqa: E402

desk_patterns += [
    path("surveys/", survey_views.survey_list, name="surveys"),
    path("surveys/new/", survey_views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", survey_views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/open/", survey_views.survey_open, name="survey_open"),
    path("surveys/<int:pk>/close/", survey_views.survey_close, name="survey_close"),
    path("surveys/<int:pk>/export/", survey_views.survey_export, name="survey_export"),
]
portal_patterns += [
    path("units/<int:unit_pk>/surveys/<int:pk>/", survey_views.portal_survey, name="survey"),
]
