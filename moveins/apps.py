from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _seed_new_estate(sender, instance, created, raw=False, **kwargs) -> None:
    # A new estate can register move-ins at once: it gets the default checklist and charges.
    if created and not raw:
        from moveins.defaults import ensure_movein_defaults

        ensure_movein_defaults(instance)


class MoveinsConfig(AppConfig):
    name = "moveins"
    verbose_name = _("Move-in and handover")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        post_save.connect(_seed_new_estate, sender="residents.Estate", dispatch_uid="moveins.seed_new_estate")

        from moveins import panels
        from servicecenter.panels import register_desk_tile, register_portal_panel, register_unit_panel
        from servicecenter.portal import register_portal_business

        register_unit_panel(
            order=22,
            template="moveins/_unit_move_ins.html",
            context=panels.unit_move_ins_context,
            permission="moveins.view_movein",
        )
        register_portal_panel(
            order=15,
            template="portal/moveins_panel.html",
            context=panels.portal_move_ins_context,
            probe=panels.portal_move_ins_probe,
        )
        register_portal_business(panels.has_pending_move_in)
        register_desk_tile(
            order=20,
            url_name="moveins:list",
            label=pgettext_lazy("menu", "Move-ins"),
            caption=pgettext_lazy("desk tile", "today"),
            count=panels.open_move_ins_today_count,
            permission="moveins.view_movein",
        )
