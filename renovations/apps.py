from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenovationsConfig(AppConfig):
    name = "renovations"
    verbose_name = _("Renovations")

    def ready(self) -> None:
        from renovations import panels
        from renovations.workflows import guard_linked_complaints
        from servicecenter.panels import register_unit_panel

        guard_linked_complaints()
        register_unit_panel(
            order=25,
            template="renovations/_unit_renovations.html",
            context=panels.unit_renovations_context,
            permission="renovations.view_renovation",
        )
