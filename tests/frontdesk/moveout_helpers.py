"""Move-out fixtures: an occupant of a unit, a request made directly in any state (for pages and
matrices), and one made through the service (for the lifecycle)."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta

from django.utils import timezone

from frontdesk import services
from frontdesk.models import MoveOut
from residents.models import Occupancy
from tests.factories import OccupancyFactory

NOON = time(12, 0)


def occupant(unit, *, role=Occupancy.Role.OWNER, name=None) -> Occupancy:
    """A current occupancy of the unit (started a year ago)."""
    extra = {"person__name": name} if name else {}
    return OccupancyFactory(unit=unit, role=role, start_date=date(2024, 1, 1), **extra)


def make_moveout(
    unit,
    *,
    status=MoveOut.Status.REQUESTED,
    kind=MoveOut.Kind.MOVE_OUT,
    occupancy=None,
    number=None,
    **fields,
) -> MoveOut:
    """A request written directly (any state), for tomorrow 09:00–12:00."""
    occupancy = occupancy or occupant(unit)
    defaults = {
        "planned_date": timezone.localdate() + timedelta(days=1),
        "window_start": time(9, 0),
        "window_end": NOON,
        "items": "冰箱、沙发、纸箱十个",
        "vehicle_plate": "粤B12345",
        "helpers": 2,
    }
    return MoveOut.objects.create(
        estate=unit.estate,
        unit=unit,
        number=number or f"{unit.estate.code}-BJ-{uuid.uuid4().hex[:8]}",
        kind=kind,
        status=status,
        person=occupancy.person,
        occupancy=occupancy,
        **{**defaults, **fields},
    )


def register(unit, actor, *, occupancy=None, kind=MoveOut.Kind.MOVE_OUT, **overrides) -> MoveOut:
    occupancy = occupancy or occupant(unit)
    values = {
        "unit": unit,
        "person": occupancy.person,
        "kind": kind,
        "planned_date": timezone.localdate() + timedelta(days=1),
        "window_start": time(9, 0),
        "window_end": NOON,
        "items": "冰箱、沙发",
        "vehicle_plate": "粤b 12345",
        "helpers": 3,
        "actor": actor,
        "idempotency_key": uuid.uuid4().hex,
        **overrides,
    }
    return services.register_moveout(**values)
