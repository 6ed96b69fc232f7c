from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FrontdeskConfig(AppConfig):
    name = "frontdesk"
    verbose_name = _("Front desk")

    def ready(self) -> None:
        from frontdesk import log_panels, panels
        from servicecenter.panels import register_desk_tile, register_portal_panel, register_unit_panel

        register_unit_panel(
            order=40,
            template="frontdesk/_unit_keys.html",
            context=panels.unit_keys_context,
            permission="frontdesk.view_keycustody",
        )
        register_portal_panel(
            order=40,
            template="frontdesk/_portal_parcels.html",
            context=log_panels.portal_parcels_context,
            probe=log_panels.portal_parcels_probe,
        )
        register_portal_panel(
            order=45,
            template="frontdesk/_portal_invoices_panel.html",
            context=panels.portal_invoices_context,
            probe=panels.portal_invoices_probe,
            empty=panels.portal_invoices_empty,
        )
        register_desk_tile(
            order=10,
            url_name="frontdesk:keys",
            label=_("Key custody"),
            caption=pgettext_lazy("desk tile", "in custody"),
            count=panels.keys_in_custody_count,
            permission="frontdesk.view_keycustody",
        )
        register_desk_tile(
            order=30,
            url_name="frontdesk:moveouts",
            label=pgettext_lazy("menu", "Move-outs"),
            caption=pgettext_lazy("desk tile", "open"),
            count=panels.open_moveouts_count,
            permission="frontdesk.view_moveout",
        )
        register_desk_tile(
            order=40,
            url_name="frontdesk:invoices",
            label=_("Invoice requests"),
            caption=pgettext_lazy("desk tile", "open"),
            count=panels.open_invoice_requests_count,
            permission="frontdesk.view_invoicerequest",
        )
