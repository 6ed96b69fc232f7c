from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenovationsConfig(AppConfig):
    name = "renovations"
    verbose_name = _("Renovations")

    def ready(self) -> None:
        from renovations import panels
        from servicecenter.panels import register_unit_panel

        register_unit_panel(
            order=25,
            template="renovations/_unit_renovations.html",
            context=panels.unit_renovations_context,
            permission="renovations.view_renovation",
        )
