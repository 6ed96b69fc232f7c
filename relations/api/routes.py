"""The relations API: each area adds its viewsets here."""

from relations.api.visits import ImportantHouseholdViewSet, VisitViewSet

ROUTES: list = []

ROUTES += [
    ("visits", VisitViewSet, "visit"),
    ("important-households", ImportantHouseholdViewSet, "important-household"),
]
