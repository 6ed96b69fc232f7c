"""Check the money ledger against itself (issue #16): every payment allocated in full, no bill
allocated more than its amount, receipt numbers gapless per estate and year
(`billing.selectors_ledger`). Exits with status 1 when it finds a difference, so the load test, a
cron job or a monitor notices: a difference means some write went around the services."""

from django.core.management.base import BaseCommand, CommandError

from billing.selectors_ledger import check_ledger


class Command(BaseCommand):
    help = "Check payments, allocations, bills and receipt numbers against each other."

    def add_arguments(self, parser):
        parser.add_argument(
            "--estate", type=int, action="append", dest="estate_ids", help="Only this estate (repeatable)."
        )
        parser.add_argument(
            "--show", type=int, default=20, help="How many differences of each kind to list (default 20)."
        )

    def handle(self, *args, estate_ids: list[int] | None, show: int, **options):
        result = check_ledger(estate_ids=estate_ids, show=show)
        for section in result.sections:
            if not section.count:
                continue
            self.stdout.write(f"{section.title}: {section.count}")
            for line in section.shown:
                self.stdout.write(f"  {line}")
            if section.count > len(section.shown):
                self.stdout.write(f"  … and {section.count - len(section.shown)} more")
        self.stdout.write(f"ledger check: {result.differences} differences")
        if result.differences:
            raise CommandError(f"the ledger has {result.differences} differences", returncode=1)
