from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MoveinsConfig(AppConfig):
    name = "moveins"
    verbose_name = _("Move-in and handover")

    def ready(self) -> None:
        from moveins import panels
        from servicecenter.panels import register_portal_panel, register_unit_panel

        register_unit_panel(
            order=22,
            template="moveins/_unit_move_ins.html",
            context=panels.unit_move_ins_context,
            permission="moveins.view_movein",
        )
        register_portal_panel(
            order=15, template="portal/moveins_panel.html", context=panels.portal_move_ins_context
        )
