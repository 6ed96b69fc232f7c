from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated

from billing import urls as billing_urls
from dashboards import urls as dashboards_urls
from dashboards import urls_hotspots
from dashboards import urls_reports as dashboard_report_urls
from frontdesk import urls as frontdesk_urls
from moveins import urls as moveins_urls
from relations import urls as relations_urls
from renovations import urls as renovations_urls
from residents import urls as residents_urls
from servicecenter import portal_views, views, views_performance
from servicecenter.api_router import router
from servicecenter.login_throttle import obtain_auth_token
from staff import urls as staff_urls
from tickets import urls as tickets_urls

portal_patterns = [
    path("", portal_views.portal_home, name="home"),
    *residents_urls.portal_patterns,
    *tickets_urls.portal_patterns,
    *billing_urls.portal_patterns,
    *renovations_urls.portal_patterns,
    *moveins_urls.portal_patterns,
    *frontdesk_urls.portal_patterns,
    *relations_urls.portal_patterns,
]

# Cross-app pages (tickets, billing, renovations): here rather than in staff/urls.py, which may
# not import the top layer.
performance_patterns = [
    path("", views_performance.performance_list, name="list"),
    path("export/", views_performance.performance_export, name="export"),
    path("me/", views_performance.performance_me, name="me"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include(residents_urls.account_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("archive/", include((residents_urls.desk_patterns, "residents"))),
    path("passes/", include((residents_urls.pass_patterns, "passes"))),
    path("tickets/", include((tickets_urls.desk_patterns, "tickets"))),
    path("billing/", include((billing_urls.desk_patterns, "billing"))),
    path("renovations/", include((renovations_urls.desk_patterns, "renovations"))),
    path("move-ins/", include((moveins_urls.desk_patterns, "moveins"))),
    path("desk/", include((frontdesk_urls.desk_patterns, "frontdesk"))),
    path("relations/", include((relations_urls.desk_patterns, "relations"))),
    path("dashboard/", include((dashboards_urls.desk_patterns, "dashboards"))),
    path("dashboard/hotspots/", include((urls_hotspots.urlpatterns, "hotspots"))),
    path("staff/performance/", include((performance_patterns, "performance"))),
    path("staff/", include((staff_urls.desk_patterns, "staff"))),
    path("dashboard/reports/", include((dashboard_report_urls.urlpatterns, "monthly_reports"))),
    path("portal/", include((portal_patterns, "portal"))),
    path("payments/", include((billing_urls.public_patterns, "payments"))),
    path("api/auth/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[IsAuthenticated]),
        name="api-docs",
    ),
    path("api/", include(router.urls)),
]

if settings.BENCH_FLOOR_VIEW:
    # The floor every page is measured against by `make bench` (benchmarks/harness.py); a 404 otherwise.
    urlpatterns.insert(0, path("bench/floor/", views.bench_floor, name="bench_floor"))
