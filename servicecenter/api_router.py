"""One router for the whole API. Each app lists its viewsets in `<app>/api/routes.py` as ROUTES."""

from importlib import import_module

from servicecenter.api import IntegerLookupRouter

router = IntegerLookupRouter()

for app in (
    "residents",
    "staff",
    "tickets",
    "billing",
    "renovations",
    "moveins",
    "frontdesk",
    "relations",
    "dashboards",
):
    try:
        routes = import_module(f"{app}.api.routes")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app}.api.routes" and exc.name != f"{app}.api":
            raise
        continue
    for prefix, viewset, basename in routes.ROUTES:
        router.register(prefix, viewset, basename=basename)

# Cross-app figures (tickets, billing, renovations), so the viewset lives in the top layer.
from servicecenter.views_performance import PerformanceViewSet  # noqa: E402

router.register("staff/performance", PerformanceViewSet, basename="staff-performance")

# The hotspot tables and the repeat repairs (#15): the dashboards app reads every app.
from dashboards.api_hotspots import HotspotViewSet, RepeatRepairViewSet  # noqa: E402

router.register("hotspots", HotspotViewSet, basename="hotspot")
router.register("repeat-repairs", RepeatRepairViewSet, basename="repeat-repair")
# The monthly reports (dashboards: the top app layer, not in the loop above).
from dashboards.api_reports import MonthlyReportViewSet  # noqa: E402

router.register("dashboard/reports", MonthlyReportViewSet, basename="monthly-report")
