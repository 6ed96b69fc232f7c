from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Manager dashboards, hotspots and the monthly report (#15): reads across every app, so it
    sits above all of them; nothing imports it but the top layer (URLs, menu, Celery schedule)."""

    name = "dashboards"
    verbose_name = _("Dashboards")
