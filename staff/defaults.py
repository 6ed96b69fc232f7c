"""What an estate's rostering starts with: the usual shift types of the service centre and the
reception hours. Applied when an estate is created (the hook in `staff.apps`), by the data
migration for the estates that existed before rosters, and by `seed_demo`. Nothing is
overwritten: a type the manager renamed, retimed or deactivated stays as it was left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class DefaultShiftType:
    code: str
    name: str
    start: time
    end: time
    second_start: time | None = None
    second_end: time | None = None
    is_on_call: bool = False


DEFAULT_SHIFT_TYPES: tuple[DefaultShiftType, ...] = (
    DefaultShiftType("office", "行政班", time(9, 0), time(12, 0), time(13, 0), time(18, 0)),
    DefaultShiftType("morning", "早班", time(9, 0), time(17, 30)),
    DefaultShiftType("evening", "晚班", time(14, 30), time(23, 0)),
    DefaultShiftType("night_on_call", "夜间值班", time(23, 0), time(9, 0), is_on_call=True),
)


def apply_default_shift_types(*, estate_id: int, shift_type_model) -> int:
    """Add the default shift types the estate lacks (by code); returns how many were added."""
    have = set(shift_type_model.objects.filter(estate_id=estate_id).values_list("code", flat=True))
    missing = [
        shift_type_model(
            estate_id=estate_id,
            code=item.code,
            name=item.name,
            start=item.start,
            end=item.end,
            second_start=item.second_start,
            second_end=item.second_end,
            is_on_call=item.is_on_call,
            sort_order=(index + 1) * 10,
        )
        for index, item in enumerate(DEFAULT_SHIFT_TYPES)
        if item.code not in have
    ]
    shift_type_model.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def apply_default_reception_hours(*, estate_id: int, reception_hours_model) -> bool:
    _row, created = reception_hours_model.objects.get_or_create(estate_id=estate_id)
    return created


def ensure_roster_defaults(estate) -> None:
    from staff.models import ReceptionHours, ShiftType

    apply_default_shift_types(estate_id=estate.pk, shift_type_model=ShiftType)
    apply_default_reception_hours(estate_id=estate.pk, reception_hours_model=ReceptionHours)
