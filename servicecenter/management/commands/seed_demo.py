"""Load the demo: estates, archive, staff and resident logins, then each app's own demo data.

Idempotent: running it twice changes nothing but the demo users' passwords (set to --password).
"""

import random
from importlib import import_module

from django.core.management.base import BaseCommand

from servicecenter.demo import seed_archive

DEMO_APPS = ("tickets", "billing", "renovations", "moveins", "frontdesk")
# Demo modules an app keeps beside its `demo` (run after the apps above: they use paid bills).
MORE_DEMO_MODULES = (
    "frontdesk.demo_keys",
    "frontdesk.demo_moveouts",
    "staff.demo_rosters",
    # staff.demo_attendance needs the roster demo's entries: keep it after staff.demo_rosters.
    "staff.demo_attendance",
    "staff.demo_training",
    "staff.demo_quality",
    "relations.demo_household",
    "relations.demo_services",
    "relations.demo_notices",
    "relations.demo_surveys",
)
LOGIN_ROLES = [
    ("manager", "manager"),
    ("supervisor", "supervisor"),
    ("frontdesk", "frontdesk"),
    ("clerk", "clerk"),
    ("housekeeper", "housekeeper"),
    ("technician", "technician"),
    ("engineer", "engineer"),
    ("company", "company"),
    ("resident", "resident"),
    ("resident2", "resident"),
    ("household", "resident"),
    ("tenant", "resident"),
]


class Command(BaseCommand):
    help = "Create or refresh the demo data and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Password for every demo user.")
        parser.add_argument("--seed", type=int, default=20261123, help="Random seed (same seed, same data).")

    def handle(self, *args, password: str, seed: int, **options):
        rng = random.Random(seed)
        estates, users = seed_archive(rng=rng, password=password)
        for app in DEMO_APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed_demo_data(estates=estates, users=users, rng=random.Random(seed), stdout=self.stdout)
        for name in MORE_DEMO_MODULES:
            import_module(name).seed_demo_data(
                estates=estates, users=users, rng=random.Random(seed), stdout=self.stdout
            )
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password: {password}):"))
        for username, role in LOGIN_ROLES:
            self.stdout.write(f"  {role:<12} {username}")
