"""Resident relations pages: staff pages under /relations/ (namespace `relations`) and portal
pages under /portal/ (namespace `portal`). Each area adds its own block of paths."""

desk_patterns: list = []

portal_patterns: list = []

# --- special services (特约服务)
from django.urls import path  # noqa: E402

from relations.views import special_services as special_service_views  # noqa: E402

portal_patterns += [
    path("services/", special_service_views.portal_special_services, name="special_services"),
    path("services/book/", special_service_views.portal_special_service_book, name="special_service_book"),
]
