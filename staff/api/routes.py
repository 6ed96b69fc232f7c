from staff.api.attendance import AttendanceViewSet, HandoverViewSet
from staff.api.views import TeamViewSet, ZoneViewSet

ROUTES = [
    ("teams", TeamViewSet, "team"),
    ("zones", ZoneViewSet, "zone"),
    ("shift-handovers", HandoverViewSet, "shift-handover"),
    ("attendance", AttendanceViewSet, "attendance"),
]
