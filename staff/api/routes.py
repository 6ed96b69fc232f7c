from staff.api.quality import (
    ChecklistViewSet,
    DrillViewSet,
    IncidentViewSet,
    InspectionViewSet,
    RectificationOrderViewSet,
)
from staff.api.views import TeamViewSet, ZoneViewSet

ROUTES = [
    ("teams", TeamViewSet, "team"),
    ("zones", ZoneViewSet, "zone"),
    ("inspection-checklists", ChecklistViewSet, "inspection-checklist"),
    ("quality-inspections", InspectionViewSet, "quality-inspection"),
    ("rectification-orders", RectificationOrderViewSet, "rectification-order"),
    ("incidents", IncidentViewSet, "incident"),
    ("drills", DrillViewSet, "drill"),
]
