from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing import selectors
        from servicecenter.panels import register_portal_panel, register_unit_panel

        register_unit_panel(
            order=30,
            template="billing/_unit_panel.html",
            context=selectors.unit_panel_context,
            permission="billing.view_bill",
        )
        register_portal_panel(
            order=20, template="portal/billing_panel.html", context=selectors.portal_panel_context
        )
