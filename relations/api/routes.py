"""The relations API: each area adds its viewsets here."""

from relations.api.notices import CommunityEventViewSet, NoticeViewSet
from relations.api.special_services import SpecialServiceBookingViewSet, SpecialServiceViewSet
from relations.api.surveys import ResidentSurveyViewSet, SurveyTemplateViewSet, SurveyViewSet
from relations.api.visits import ImportantHouseholdViewSet, VisitViewSet

ROUTES: list = [
    ("notices", NoticeViewSet, "notice"),
    ("community-events", CommunityEventViewSet, "community-event"),
    ("visits", VisitViewSet, "visit"),
    ("important-households", ImportantHouseholdViewSet, "important-household"),
    ("special-services", SpecialServiceViewSet, "special-service"),
    ("special-service-bookings", SpecialServiceBookingViewSet, "special-service-booking"),
    ("surveys", SurveyViewSet, "survey"),
    ("survey-templates", SurveyTemplateViewSet, "survey-template"),
    ("resident-surveys", ResidentSurveyViewSet, "resident-survey"),
]
