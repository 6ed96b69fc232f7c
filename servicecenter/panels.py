"""Sections other apps add to shared pages (the unit page, the portal home) without editing them.

An app registers a panel in its AppConfig.ready():

    register_unit_panel(order=20, template="tickets/_unit_tickets.html", context=unit_ticket_context)

`context(request, unit)` returns the panel's template context; it must run a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: Callable
    permission: str | None = None


_UNIT_PANELS: list[Panel] = []
_PORTAL_PANELS: list[Panel] = []


def register_unit_panel(
    *, order: int, template: str, context: Callable, permission: str | None = None
) -> None:
    _register(_UNIT_PANELS, Panel(order, template, context, permission))


def register_portal_panel(*, order: int, template: str, context: Callable) -> None:
    _register(_PORTAL_PANELS, Panel(order, template, context))


def _register(registry: list[Panel], panel: Panel) -> None:
    if all(p.template != panel.template for p in registry):
        registry.append(panel)
        registry.sort(key=lambda p: p.order)


def render_panels(registry: list[Panel], request, obj) -> list[str]:
    return [
        render_to_string(panel.template, panel.context(request, obj), request=request)
        for panel in registry
        if panel.permission is None or request.user.has_perm(panel.permission)
    ]


def render_unit_panels(request, unit) -> list[str]:
    return render_panels(_UNIT_PANELS, request, unit)


def render_portal_panels(request, user) -> list[str]:
    return render_panels(_PORTAL_PANELS, request, user)


# --- the desk's tiles ------------------------------------------------------------------------------
# The desk's landing page links the rest of the desk's work, each app its own: a tile is a page to
# go to and a number to look at (what is waiting there), shown to those who may read that page.


@dataclass(frozen=True)
class DeskTile:
    order: int
    url_name: str
    label: str
    caption: str
    count: Callable  # count(user) -> int, one query
    permission: str


_DESK_TILES: list[DeskTile] = []


def register_desk_tile(
    *, order: int, url_name: str, label: str, caption: str, count: Callable, permission: str
) -> None:
    if all(t.url_name != url_name for t in _DESK_TILES):
        _DESK_TILES.append(DeskTile(order, url_name, label, caption, count, permission))
        _DESK_TILES.sort(key=lambda t: t.order)


def desk_tiles(user) -> list[dict]:
    """The tiles `user` may follow, with their numbers: one query a tile."""
    from django.urls import reverse

    return [
        {
            "url": reverse(tile.url_name),
            "url_name": tile.url_name,
            "label": tile.label,
            "caption": tile.caption,
            "count": tile.count(user),
        }
        for tile in _DESK_TILES
        if user.has_perm(tile.permission)
    ]
