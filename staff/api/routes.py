from staff.api.attendance import AttendanceViewSet, HandoverViewSet
from staff.api.quality import (
    ChecklistViewSet,
    CorrectiveActionViewSet,
    DrillViewSet,
    IncidentViewSet,
    InspectionViewSet,
    RectificationOrderViewSet,
)
from staff.api.reception import ReceptionHoursViewSet
from staff.api.rosters import OnDutyViewSet, RosterEntryViewSet, ShiftTypeViewSet, SwapViewSet
from staff.api.training import TrainingSessionViewSet
from staff.api.views import TeamViewSet, ZoneViewSet

ROUTES = [
    ("teams", TeamViewSet, "team"),
    ("zones", ZoneViewSet, "zone"),
    ("staff/training", TrainingSessionViewSet, "training-session"),
    ("shift-types", ShiftTypeViewSet, "shift-type"),
    ("roster-entries", RosterEntryViewSet, "roster-entry"),
    ("shift-swaps", SwapViewSet, "shift-swap"),
    ("staff/on-duty", OnDutyViewSet, "on-duty"),
    ("staff/reception-hours", ReceptionHoursViewSet, "reception-hours"),
    ("shift-handovers", HandoverViewSet, "shift-handover"),
    ("attendance", AttendanceViewSet, "attendance"),
    ("inspection-checklists", ChecklistViewSet, "inspection-checklist"),
    ("quality-inspections", InspectionViewSet, "quality-inspection"),
    ("rectification-orders", RectificationOrderViewSet, "rectification-order"),
    ("incidents", IncidentViewSet, "incident"),
    ("drills", DrillViewSet, "drill"),
    ("corrective-actions", CorrectiveActionViewSet, "corrective-action"),
]
