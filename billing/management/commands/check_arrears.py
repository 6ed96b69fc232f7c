"""Compare the per-unit arrears summary with the bills it sums, and with --fix recompute the units
that differ. Exits with status 1 when it finds a difference (also when it fixed it), so a cron
job or a monitor notices: a difference means some write changed bills without the services."""

from django.core.management.base import BaseCommand, CommandError

from billing import services


class Command(BaseCommand):
    help = "Check the per-unit arrears summary against the bills; --fix recomputes the units that differ."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Recompute the units that differ.")
        parser.add_argument(
            "--estate", type=int, action="append", dest="estate_ids", help="Only this estate (repeatable)."
        )
        parser.add_argument(
            "--show", type=int, default=20, help="How many differing units to list (default 20)."
        )

    def handle(self, *args, fix: bool, estate_ids: list[int] | None, show: int, **options):
        result = services.check_unit_arrears(estate_ids=estate_ids, fix=fix)
        for unit_id, diffs in list(result.differences.items())[:show]:
            detail = ", ".join(f"{name}: {stored} ≠ {expected}" for name, stored, expected in diffs)
            self.stdout.write(f"unit {unit_id}: {detail}")
        self.stdout.write(
            f"{result.checked} units checked, {len(result.differences)} differ"
            + (f", {result.fixed} recomputed" if fix else "")
            + "."
        )
        if result.differences:
            raise CommandError(
                f"{len(result.differences)} units' arrears summary differs from their bills", returncode=1
            )
