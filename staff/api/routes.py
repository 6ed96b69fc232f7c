from staff.api.training import TrainingSessionViewSet
from staff.api.views import TeamViewSet, ZoneViewSet

ROUTES = [
    ("teams", TeamViewSet, "team"),
    ("zones", ZoneViewSet, "zone"),
    ("staff/training", TrainingSessionViewSet, "training-session"),
]
