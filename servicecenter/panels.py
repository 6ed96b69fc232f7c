"""Sections other apps add to shared pages (the unit page, the portal home) without editing them.

An app registers a panel in its AppConfig.ready():

    register_unit_panel(order=20, template="tickets/_unit_tickets.html", context=unit_ticket_context)

`context(request, unit)` returns the panel's template context; it must run a fixed number of queries.

Most residents have nothing in most of the portal home's panels (no parcel waiting, no move-in, no
survey open), yet each panel asked would be a query. So a portal panel may also give a `probe`:
`probe(user)` returns the querysets (unsliced) whose rows the panel would show. The home asks every
panel's probes in one statement (`rows_exist`) and asks a panel for its context only when one of its
probes found a row; otherwise the panel is rendered with `empty()` (the context its `context` would
return with nothing found) or, without `empty`, left out: its template shows nothing then. A probe
reads through the same `visible_to` as the panel, so it cannot see more than the panel would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Panel:
    order: int
    template: str
    context: Callable
    permission: str | None = None
    probe: Callable | None = None  # probe(user) -> list[QuerySet]
    empty: Callable | None = None  # empty() -> the context when the probes found nothing


_UNIT_PANELS: list[Panel] = []
_PORTAL_PANELS: list[Panel] = []


def register_unit_panel(
    *, order: int, template: str, context: Callable, permission: str | None = None
) -> None:
    _register(_UNIT_PANELS, Panel(order, template, context, permission))


def register_portal_panel(
    *,
    order: int,
    template: str,
    context: Callable,
    probe: Callable | None = None,
    empty: Callable | None = None,
) -> None:
    """`context(request, user)` is called only when `probe` is None or found a row (module docstring)."""
    _register(_PORTAL_PANELS, Panel(order, template, context, probe=probe, empty=empty))


def _register(registry: list[Panel], panel: Panel) -> None:
    if all(p.template != panel.template for p in registry):
        registry.append(panel)
        registry.sort(key=lambda p: p.order)


def rows_exist(querysets: list) -> list[bool]:
    """Whether each queryset has a row, in one statement per database (`SELECT EXISTS(...), ...`)."""
    found = [False] * len(querysets)
    by_alias: dict[str, list[tuple[int, str, tuple]]] = {}
    for index, queryset in enumerate(querysets):
        alias = queryset.db
        try:
            sql, params = queryset.query.exists().get_compiler(using=alias).as_sql()
        except EmptyResultSet:  # .none(), or an empty `__in`: no row, no SQL
            continue
        by_alias.setdefault(alias, []).append((index, sql, tuple(params)))
    for alias, parts in by_alias.items():
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join(f"EXISTS({sql})" for _index, sql, _params in parts),
                [param for _index, _sql, params in parts for param in params],
            )
            answers = cursor.fetchone()
        for (index, _sql, _params), answer in zip(parts, answers, strict=True):
            found[index] = bool(answer)
    return found


def render_panels(registry: list[Panel], request, obj) -> list[str]:
    panels = [
        panel for panel in registry if panel.permission is None or request.user.has_perm(panel.permission)
    ]
    probes = [(panel, panel.probe(obj)) for panel in panels if panel.probe is not None]
    found = iter(rows_exist([queryset for _panel, querysets in probes for queryset in querysets]))
    has_rows = {panel.template: any([next(found) for _qs in querysets]) for panel, querysets in probes}
    rendered = []
    for panel in panels:
        if has_rows.get(panel.template, True):
            context = panel.context(request, obj)
        elif panel.empty is not None:
            context = panel.empty()
        else:
            continue
        rendered.append(render_to_string(panel.template, context, request=request))
    return rendered


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
