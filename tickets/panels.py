"""Sections the tickets app adds to the staff unit page and the resident portal home."""

from __future__ import annotations

from tickets.selectors import recent_tickets_of_resident, recent_tickets_of_unit

UNIT_PANEL_ROWS = 10
PORTAL_PANEL_ROWS = 5


def unit_tickets_context(request, unit) -> dict:
    """The unit's latest tickets: one query."""
    return {
        "unit": unit,
        "tickets": recent_tickets_of_unit(user=request.user, unit=unit, limit=UNIT_PANEL_ROWS),
    }


def portal_tickets_context(request, user) -> dict:
    """The resident's latest requests: one query."""
    return {"tickets": recent_tickets_of_resident(user=user, limit=PORTAL_PANEL_ROWS)}
