"""The unit inspection with the owner: opening meter readings, passed or defects (each a ticket
for the engineering team or the developer's warranty team), the re-inspection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class DefectInput:
    """One defect as entered at the inspection."""

    location: str
    description: str
    deadline: date
    responsible: str = "warranty"  # "engineering" | "warranty"
    category: object | None = None  # a tickets.TicketCategory of the estate, or None (the default)
    photos: list = field(default_factory=list)


def record_opening_readings(*, move_in, actor, readings: dict, now: datetime | None = None):
    raise NotImplementedError


def pass_inspection(*, move_in, actor, note: str = "", now: datetime | None = None):
    raise NotImplementedError


def record_defects(
    *, move_in, actor, defects: list[DefectInput], note: str = "", now: datetime | None = None
):
    raise NotImplementedError


def request_reinspection(*, move_in, actor, note: str = "", now: datetime | None = None):
    raise NotImplementedError
