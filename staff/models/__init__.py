"""The staff app's models, one module per area (`base`: teams, profiles, zones, notifications,
outbound messages); each is imported here so Django finds them and callers say `staff.models.X`."""

from staff.models.attendance import (  # noqa: F401
    AttendanceEvent,
    AttendanceRecord,
    EstateStaffSettings,
    HandoverEvent,
    HandoverTicket,
    ShiftHandover,
)
from staff.models.base import (  # noqa: F401
    Notification,
    NotificationQuerySet,
    OutboundMessage,
    OutboundMessageQuerySet,
    StaffProfile,
    Team,
    Zone,
    ZoneBuilding,
)
from staff.models.incidents import Drill, Incident, IncidentKind, IncidentTimelineEntry  # noqa: F401
from staff.models.quality import (  # noqa: F401
    CorrectiveAction,
    Finding,
    InspectionChecklist,
    InspectionChecklistItem,
    QualityInspection,
    RectificationOrder,
    RectificationOrderEvent,
)
from staff.models.rosters import ReceptionHours, RosterEntry, ShiftType, SwapEvent, SwapRequest  # noqa: F401
from staff.models.training import TrainingAttendance, TrainingSession  # noqa: F401
