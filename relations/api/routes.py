"""The relations API: each area adds its viewsets here."""

from relations.api.special_services import SpecialServiceBookingViewSet, SpecialServiceViewSet

ROUTES: list = [
    ("special-services", SpecialServiceViewSet, "special-service"),
    ("special-service-bookings", SpecialServiceBookingViewSet, "special-service-booking"),
]
