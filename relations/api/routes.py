"""The relations API: each area adds its viewsets here."""

from relations.api.special_services import SpecialServiceBookingViewSet, SpecialServiceViewSet
from relations.api.visits import ImportantHouseholdViewSet, VisitViewSet

ROUTES: list = []

ROUTES += [
    ("visits", VisitViewSet, "visit"),
    ("important-households", ImportantHouseholdViewSet, "important-household"),
    ("special-services", SpecialServiceViewSet, "special-service"),
    ("special-service-bookings", SpecialServiceBookingViewSet, "special-service-booking"),
]
