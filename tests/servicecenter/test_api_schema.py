"""The OpenAPI schema and the docs page build, and list the archive and staff endpoints."""

import pytest
import yaml
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.routers import DefaultRouter

from residents.api import routes as residents_routes
from staff.api import routes as staff_routes

ARCHIVE_PATHS = [
    "/api/estates/",
    "/api/buildings/{id}/",
    "/api/units/",
    "/api/units/{id}/",
    "/api/persons/",
    "/api/persons/{id}/reveal/",
    "/api/persons/{id}/verify-id/",
    "/api/occupancies/",
    "/api/occupancies/{id}/end/",
    "/api/access-logs/",
    "/api/teams/",
    "/api/zones/{id}/",
]


@pytest.mark.django_db
def test_schema_endpoint_lists_archive_paths(api_as, users):
    response = api_as(users["manager"]).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    for url in ARCHIVE_PATHS:
        assert url in schema["paths"], url
    assert "delete" not in schema["paths"]["/api/persons/{id}/"]
    assert "put" not in schema["paths"]["/api/persons/{id}/"]
    person = schema["components"]["schemas"]["Person"]["properties"]
    assert person["mobile"]["readOnly"] is True


@pytest.mark.django_db
def test_docs_page_renders(client_as, users):
    assert client_as(users["manager"]).get("/api/docs/").status_code == 200


def test_archive_and_staff_schema_has_no_warnings_and_validates():
    """The same check as `manage.py spectacular --validate --fail-on-warn`, limited to the
    residents and staff endpoints so that another app's work in progress does not hide ours."""
    router = DefaultRouter()
    for prefix, viewset, basename in [*residents_routes.ROUTES, *staff_routes.ROUTES]:
        router.register(prefix, viewset, basename=basename)
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/", include(router.urls))]).get_schema(
        request=None, public=True
    )
    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))
    validate_schema(schema)
    assert "/api/persons/{id}/verify-id/" in schema["paths"]
