"""Check every ticket's status history (issue #16): a chain from the registration through
transitions the workflow declares to the ticket's status (`tickets.selectors_chain`). Exits with
status 1 when a chain is broken, so the load test, a cron job or a monitor notices: a broken chain
means some write changed a status without the workflow."""

from django.core.management.base import BaseCommand, CommandError

from tickets.selectors_chain import check_ticket_chains


class Command(BaseCommand):
    help = "Check that every ticket's status events form a valid chain ending in its status."

    def add_arguments(self, parser):
        parser.add_argument(
            "--estate", type=int, action="append", dest="estate_ids", help="Only this estate (repeatable)."
        )
        parser.add_argument("--show", type=int, default=20, help="How many differences to list (default 20).")

    def handle(self, *args, estate_ids: list[int] | None, show: int, **options):
        result = check_ticket_chains(estate_ids=estate_ids, show=show)
        for problem in result.shown:
            self.stdout.write(problem.describe())
        if result.events > len(result.shown):
            self.stdout.write(f"… and {result.events - len(result.shown)} more")
        self.stdout.write(
            f"ticket check: {result.differences} differences"
            + (f" in {result.tickets} tickets" if result.differences else "")
        )
        if result.differences:
            raise CommandError(f"{result.tickets} tickets' status chains are invalid", returncode=1)
