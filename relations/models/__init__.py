"""The relations app's models, one module per area (notices, surveys, events, visits, services);
each is imported here so Django finds them and callers say `relations.models.X`."""

from relations.models.services import SpecialService, SpecialServiceBooking  # noqa: F401
from relations.models.visits import ImportantHousehold, Visit  # noqa: F401
