from staff.api.views import TeamViewSet, ZoneViewSet

ROUTES = [
    ("teams", TeamViewSet, "team"),
    ("zones", ZoneViewSet, "zone"),
]
