"""The sections the front desk adds to the staff unit page."""

from __future__ import annotations

from frontdesk.selectors import keys_held_for_unit

UNIT_PANEL_ROWS = 10


def unit_keys_context(request, unit) -> dict:
    """The keys the desk holds (or has handed out) for the unit: one query."""
    return {
        "unit": unit,
        "custodies": keys_held_for_unit(user=request.user, unit=unit, limit=UNIT_PANEL_ROWS),
    }
