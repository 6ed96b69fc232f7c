from dashboards.api.views import DashboardMetricsViewSet

ROUTES = [
    ("dashboard/metrics", DashboardMetricsViewSet, "dashboard-metrics"),
]
