"""`make bench`: build a large portfolio on PostgreSQL and print latency/query figures.

    make bench                          # full size (50,000 units, every app's scenarios)
    make bench BENCH_ARGS="--scale 0.1" # a tenth of the data, for a quick look
    make bench BENCH_ARGS="--only residents,tickets --reuse"
    make bench BENCH_ARGS="--only pages --reuse"   # every page again on the data already built
    make bench BENCH_ARGS="--only pages --reuse --walk-repeat 3"   # a quick dry run of the walk

Results: var/bench/bench-<timestamp>.json and .md (a Markdown table with the aims of issue #16).

The database named by DATABASE_URL (default servicecenter_bench on 127.0.0.1) is dropped and
re-created unless --reuse is given.
"""

import argparse
import os
import sys
import time
import traceback
from importlib import import_module
from pathlib import Path

APPS = ["residents", "tickets", "suggestions", "billing", "renovations", "dashboards", "pages"]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/servicecenter_bench"


def recreate_database(url: str) -> None:
    """Drop and create the PostgreSQL database named by `url` (the bench's and the load test's own)."""
    import psycopg2
    from dj_database_url import parse
    from psycopg2 import sql

    config = parse(url)
    admin = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"],
        port=config["PORT"] or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(config["NAME"]))
        )
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    admin.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data size")
    parser.add_argument("--repeat", type=int, default=30, help="measured requests per scenario")
    parser.add_argument(
        "--walk-repeat",
        type=int,
        default=10,
        help="measured requests per page in the walk of every page (at most --repeat)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="threads for the concurrent figures (1: none)"
    )
    parser.add_argument("--only", default="", help="comma-separated apps to run (default: all)")
    parser.add_argument("--reuse", action="store_true", help="keep the existing benchmark database and data")
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not url.startswith("postgres"):
        print("make bench needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    if not args.reuse:
        recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks.harness import Bench

    call_command("migrate", verbosity=0, interactive=False)
    bench = Bench(scale=args.scale, repeat=args.repeat, concurrency=args.concurrency)
    bench.data["reuse"] = args.reuse
    bench.data["walk_repeat"] = min(args.walk_repeat, args.repeat)
    wanted = [a for a in args.only.split(",") if a] or APPS
    started = time.perf_counter()
    for app in APPS:
        if app not in wanted and app != "residents":
            continue
        try:
            module = import_module(f"benchmarks.{app}")
        except ModuleNotFoundError as exc:
            if exc.name != f"benchmarks.{app}":
                raise
            continue
        if app == "residents":
            # Builds the shared portfolio that every other app measures on, even when not measured itself.
            module.run(bench, measure="residents" in wanted)
            continue
        try:
            module.run(bench)
        except Exception as exc:
            # One app's broken scenario is a failure in the results, not the end of the run.
            traceback.print_exc()
            bench.fail(f"{app} scenario stopped", "", None, f"{type(exc).__name__}: {exc}")
    from django.conf import settings

    bench.report(Path(settings.BASE_DIR) / "var" / "bench")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
