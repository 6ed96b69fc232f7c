"""Resident relations pages: staff pages under /relations/ (namespace `relations`) and portal
pages under /portal/ (namespace `portal`). Each area adds its own block of paths."""

from django.urls import path

from relations.views import events as event_views
from relations.views import notices as notice_views

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
