"""The staff app's models, one module per area (`base`: teams, profiles, zones, notifications,
outbound messages); each is imported here so Django finds them and callers say `staff.models.X`."""

from staff.models.base import (  # noqa: F401
    Team,
    StaffProfile,
    Zone,
    ZoneBuilding,
    NotificationQuerySet,
    Notification,
    OutboundMessageQuerySet,
    OutboundMessage,
)
from staff.models.quality import (  # noqa: F401
    InspectionChecklist,
    InspectionChecklistItem,
    QualityInspection,
    Finding,
    RectificationOrder,
    RectificationOrderEvent,
    CorrectiveAction,
)
from staff.models.incidents import Incident, IncidentKind, IncidentTimelineEntry, Drill  # noqa: F401
