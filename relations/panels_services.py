"""What the special-services area adds to shared pages: the portal home's link to the catalogue."""

from __future__ import annotations


def portal_special_services_context(request, user) -> dict:
    """Shown only when the resident's estate offers a service (one query)."""
    from relations.selectors.special_services import catalogue_for

    return {"has_services": catalogue_for(user=user).exists()}


def portal_special_services_probe(user) -> list:
    from relations.selectors.special_services import catalogue_for

    return [catalogue_for(user=user)]


def _services_found_context(request, user) -> dict:
    # Asked only when the probe found a service: no second query to learn it again.
    return {"has_services": True}


def register() -> None:
    from servicecenter.panels import register_portal_panel

    register_portal_panel(
        order=40,
        template="relations/portal/_special_services_panel.html",
        context=_services_found_context,
        probe=portal_special_services_probe,
    )
