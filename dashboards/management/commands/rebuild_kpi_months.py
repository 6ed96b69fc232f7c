"""Compute the stored KPI figures of closed months again: the dashboard's (`dashboards.KpiMonth`)
and the ticket KPIs of the metrics API and page in every grouping (`tickets.TicketMetricsMonth`),
after a correction of old data or a change of a KPI's definition. The current month is a
snapshot computed again every few minutes and needs no rebuild.

    manage.py rebuild_kpi_months                  # every estate, the last 12 closed months
    manage.py rebuild_kpi_months --estate E01 --months 24
"""

from django.core.management.base import BaseCommand, CommandError

from dashboards import services_kpis
from residents.models import Estate
from tickets import services as ticket_services


class Command(BaseCommand):
    help = "Compute the stored KPI figures (dashboard and ticket KPIs) of the last closed months again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--estate",
            action="append",
            default=[],
            metavar="CODE",
            help="Estate code (repeatable; default: every estate).",
        )
        parser.add_argument(
            "--months", type=int, default=12, help="How many closed months back (default 12: the trend's)."
        )

    def handle(self, *args, estate: list[str], months: int, **options):
        if months < 1:
            raise CommandError("--months must be at least 1.")
        estates = None
        if estate:
            estates = list(Estate.objects.filter(code__in=estate).order_by("code"))
            unknown = sorted(set(estate) - {e.code for e in estates})
            if unknown:
                raise CommandError(f"No such estate: {', '.join(unknown)}.")
        stored = services_kpis.rebuild_kpi_months(estates=estates, months=months)
        self.stdout.write(f"{stored} estate-months computed and stored.")
        rows = ticket_services.rebuild_ticket_metrics_months(estates=estates, months=months)
        self.stdout.write(f"{rows} ticket KPI rows (estate, month, grouping) computed and stored.")
