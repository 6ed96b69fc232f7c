from residents.api.views import (
    AccessLogViewSet,
    BuildingViewSet,
    EstateViewSet,
    HouseholdRequestViewSet,
    OccupancyViewSet,
    PassViewSet,
    PersonViewSet,
    UnitViewSet,
)

ROUTES = [
    ("estates", EstateViewSet, "estate"),
    ("buildings", BuildingViewSet, "building"),
    ("units", UnitViewSet, "unit"),
    ("persons", PersonViewSet, "person"),
    ("occupancies", OccupancyViewSet, "occupancy"),
    ("access-logs", AccessLogViewSet, "access-log"),
    ("passes", PassViewSet, "pass"),
    ("household-requests", HouseholdRequestViewSet, "household-request"),
]
