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
from staff.models.training import TrainingAttendance, TrainingSession  # noqa: F401
