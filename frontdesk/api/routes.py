from frontdesk.api.moveouts import MoveOutViewSet

ROUTES = [
    ("move-outs", MoveOutViewSet, "move-out"),
]
