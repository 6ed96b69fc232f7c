from renovations.api.views import PatrolViewSet, RenovationViewSet, ViolationViewSet

ROUTES = [
    ("renovations", RenovationViewSet, "renovation"),
    ("renovation-patrols", PatrolViewSet, "renovation-patrol"),
    ("renovation-violations", ViolationViewSet, "renovation-violation"),
]
