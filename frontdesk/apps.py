from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontdeskConfig(AppConfig):
    name = "frontdesk"
    verbose_name = _("Front desk")

    def ready(self) -> None:
        from frontdesk import log_panels, panels
        from servicecenter.panels import register_portal_panel, register_unit_panel

        register_unit_panel(
            order=40,
            template="frontdesk/_unit_keys.html",
            context=panels.unit_keys_context,
            permission="frontdesk.view_keycustody",
        )
        register_portal_panel(
            order=40, template="frontdesk/_portal_parcels.html", context=log_panels.portal_parcels_context
        )
        register_portal_panel(
            order=45, template="frontdesk/_portal_invoices_panel.html", context=panels.portal_invoices_context
        )
