"""The unit page's visits panel: whether the household is important, and its last visits."""

from __future__ import annotations

from relations.selectors import visits as selectors
from servicecenter.panels import register_unit_panel


def unit_visits_context(request, unit) -> dict:
    # Two queries: the active flag and the last visits.
    return {
        "unit": unit,
        "important_flag": selectors.important_flag_of(unit),
        "visits": selectors.visits_of_unit(unit=unit),
    }


def register() -> None:
    register_unit_panel(
        order=70,
        template="relations/_unit_visits.html",
        context=unit_visits_context,
        permission="relations.view_visit",
    )
