from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from servicecenter.panels import register_portal_panel, register_unit_panel
        from staff.selectors_attendance import register_open_tickets_provider
        from tickets import panels
        from tickets.selectors import open_tickets_of_team

        register_open_tickets_provider(open_tickets_of_team)

        from staff.selectors_quality import register_incident_tickets_provider
        from tickets.selectors import incident_ticket_rows
        from tickets.services.incidents import link_ticket_number_to_incident

        register_incident_tickets_provider(
            tickets_of_incident=incident_ticket_rows, link_ticket_by_number=link_ticket_number_to_incident
        )

        register_unit_panel(
            order=20,
            template="tickets/_unit_tickets.html",
            context=panels.unit_tickets_context,
            permission="tickets.view_ticket",
        )
        register_portal_panel(
            order=20, template="portal/tickets_panel.html", context=panels.portal_tickets_context
        )
