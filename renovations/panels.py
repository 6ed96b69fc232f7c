"""The section the renovations app adds to the staff unit page."""

from __future__ import annotations

from renovations.page_selectors import renovations_of_unit

UNIT_PANEL_ROWS = 10


def unit_renovations_context(request, unit) -> dict:
    """The unit's latest renovations: one query."""
    return {
        "unit": unit,
        "renovations": renovations_of_unit(user=request.user, unit=unit, limit=UNIT_PANEL_ROWS),
    }


def portal_renovations_context(request, user) -> dict:
    """The portal home's renovation section: the latest renovations of the resident's units and
    the links to apply and to the rules (one query)."""
    from renovations.page_selectors import renovations_for_portal

    return {"renovations": renovations_for_portal(user=user)[:3]}


def portal_renovations_probe(user) -> list:
    from renovations.models import Renovation

    return [Renovation.objects.visible_to(user)]


def portal_renovations_empty() -> dict:
    return {"renovations": []}
