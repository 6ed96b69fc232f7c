from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    """Resident relations (#14): notices, surveys, community events, household visits and the
    special-services catalogue. Sits in the top layer of apps (beside renovations, moveins and
    frontdesk) because a visit's follow-up and a special-service booking become tickets."""

    name = "relations"
    verbose_name = _("Resident relations")

    def ready(self) -> None:
        # Each area registers its panels and tiles from its own module (relations/panels_<area>.py),
        # listed here so that parallel work adds one line each.
        from importlib import import_module

        for area in PANEL_MODULES:
            module = import_module(f"relations.{area}")
            module.register()


# Each area module has a `register()` that calls servicecenter.panels' register_* functions.
PANEL_MODULES: list[str] = ["panels_visits", "panels_services", "panels_notices", "panels_surveys"]
