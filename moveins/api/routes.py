from moveins.api.move_ins import MoveInViewSet

ROUTES = [
    ("move-ins", MoveInViewSet, "move-in"),
]
