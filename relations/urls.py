"""Resident relations pages: staff pages under /relations/ (namespace `relations`) and portal
pages under /portal/ (namespace `portal`). Each area adds its own block of paths."""

from django.urls import path

from relations.views import events as event_views
from relations.views import notices as notice_views
from relations.views import visits

desk_patterns: list = [
    # notices (管理通告) and community events (社区活动)
    path("notices/", notice_views.notice_list, name="notices"),
    path("notices/new/", notice_views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", notice_views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", notice_views.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/publish/", notice_views.notice_publish, name="notice_publish"),
    path("notices/<int:pk>/withdraw/", notice_views.notice_withdraw, name="notice_withdraw"),
    path("events/", event_views.event_list, name="events"),
    path("events/new/", event_views.event_create, name="event_create"),
    path("events/<int:pk>/", event_views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", event_views.event_edit, name="event_edit"),
    path("events/<int:pk>/publish/", event_views.event_publish, name="event_publish"),
    path("events/<int:pk>/cancel/", event_views.event_cancel, name="event_cancel"),
]

portal_patterns: list = [
    # notices and community events
    path("notices/", notice_views.portal_notice_list, name="notices"),
    path("notices/<int:pk>/", notice_views.portal_notice_detail, name="notice_detail"),
    path("events/", event_views.portal_event_list, name="events"),
    path("events/<int:pk>/", event_views.portal_event_detail, name="event_detail"),
    path("events/<int:pk>/sign-up/", event_views.portal_event_signup, name="event_signup"),
    path(
        "events/<int:pk>/sign-up/cancel/", event_views.portal_event_signup_cancel, name="event_signup_cancel"
    ),
]

# Household visits (拜访) and important households (重要业户).
desk_patterns += [
    path("visits/", visits.visit_list, name="visit_list"),
    path("visits/due/", visits.visits_due, name="visits_due"),
    path("visits/new/", visits.visit_create, name="visit_create"),
    path("visits/<int:pk>/", visits.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/ticket/", visits.visit_ticket, name="visit_ticket"),
    path("units/<int:pk>/important/", visits.unit_important, name="unit_important"),
]

# --- special services (特约服务)
from django.urls import path  # noqa: E402

from relations.views import special_services as special_service_views  # noqa: E402

portal_patterns += [
    path("services/", special_service_views.portal_special_services, name="special_services"),
    path("services/book/", special_service_views.portal_special_service_book, name="special_service_book"),
]


# --- surveys
from django.urls import path  # noqa: E402

from relations.views import surveys as survey_views  # noqa: E402

desk_patterns += [
    path("surveys/", survey_views.survey_list, name="surveys"),
    path("surveys/new/", survey_views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", survey_views.survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/questions/", survey_views.survey_questions, name="survey_questions"),
    path("surveys/<int:pk>/open/", survey_views.survey_open, name="survey_open"),
    path("surveys/<int:pk>/close/", survey_views.survey_close, name="survey_close"),
    path("surveys/<int:pk>/export/", survey_views.survey_export, name="survey_export"),
]
portal_patterns += [
    path("units/<int:unit_pk>/surveys/<int:pk>/", survey_views.portal_survey, name="survey"),
]
