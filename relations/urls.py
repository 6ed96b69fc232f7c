"""Resident relations pages: staff pages under /relations/ (namespace `relations`) and portal
pages under /portal/ (namespace `portal`). Each area adds its own block of paths."""

from django.urls import path

from relations.views import visits

desk_patterns: list = []

portal_patterns: list = []

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
