"""`make loadtest`: the production shape on loopback under a mixed Locust load, then a report.

    make loadtest                                    # 460 users, 70 req/s for 10 min, steps of 1 min
    make loadtest LOADTEST_ARGS="--steady 120 --rate 40 --steps 60,90 --step-seconds 30 \
                                 --staff 12 --residents 80"   # a short smoke run
    make loadtest LOADTEST_ARGS="--report-only"      # print the last run's report again

It drops and re-creates the load database (LOADTEST_DATABASE_URL, default servicecenter_load on
127.0.0.1), migrates, seeds the demo, makes the accounts (loadtest.accounts), collects the static
files, starts gunicorn (DEBUG off), a Celery worker and beat on REDIS_URL, waits for /healthz,
runs Locust headless, stops everything it started (also on Ctrl-C), checks the load database
(`check_ledger`, `check_tickets`: issue #16 wants zero differences after the load) and prints per
endpoint p50/p95/p99, the totals, the aims met or not, the knee (the first step whose p95 passes
500 ms) and the checks. It exits non-zero when a check finds a difference. Results: var/loadtest/
(results.json, results.md, checks.json, Locust's CSV files, the server logs).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.run import recreate_database

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "loadtest"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/servicecenter_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
READ_P95_MS = 300
WRITE_P95_MS = 500
KNEE_P95_MS = 500
KNEE_AIM_RPS = 120
# The consistency checks run on the load database after the load: (name, management command).
CHECKS = (("ledger", "check_ledger"), ("ticket", "check_tickets"))
CHECK_LINE = re.compile(r"^(?P<name>\w+) check: (?P<count>\d+) differences", re.MULTILINE)


# --- the report (pure: tested on a sample CSV) ------------------------------------------------


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_stats_csv(path: Path) -> list[dict]:
    """Locust's `*_stats.csv` as rows: name, method, requests, failures, p50, p95, p99, rps.
    The last row is Locust's `Aggregated` total."""
    rows = []
    with path.open(newline="", encoding="utf-8") as f:
        for record in csv.DictReader(f):
            rows.append(
                {
                    "method": record["Type"],
                    "name": record["Name"],
                    "requests": int(record["Request Count"]),
                    "failures": int(record["Failure Count"]),
                    "p50": _number(record.get("50%")),
                    "p95": _number(record.get("95%")),
                    "p99": _number(record.get("99%")),
                    "rps": round(float(record["Requests/s"]), 1),
                }
            )
    return rows


def is_write(row: dict) -> bool:
    return row["method"] not in {"GET", "HEAD", ""}


def summarize(rows: list[dict]) -> dict:
    """Totals and the aims for one phase: p95 of every read ≤ 300 ms, of every write ≤ 500 ms, no
    errors. Login rows (made once per user while spawning) are not judged."""
    endpoints = [r for r in rows if r["name"] != "Aggregated"]
    total = next((r for r in rows if r["name"] == "Aggregated"), None) or {
        "requests": sum(r["requests"] for r in endpoints),
        "failures": sum(r["failures"] for r in endpoints),
        "rps": sum(r["rps"] for r in endpoints),
        "p95": None,
    }
    judged = [r for r in endpoints if not r["name"].startswith("login") and r["requests"]]
    slow_reads = [r["name"] for r in judged if not is_write(r) and (r["p95"] or 0) > READ_P95_MS]
    slow_writes = [r["name"] for r in judged if is_write(r) and (r["p95"] or 0) > WRITE_P95_MS]
    return {
        "requests": total["requests"],
        "failures": total["failures"],
        "rps": total["rps"],
        "p95": total.get("p95"),
        "slow_reads": slow_reads,
        "slow_writes": slow_writes,
        "aims_met": not slow_reads and not slow_writes and total["failures"] == 0,
    }


def find_knee(steps: list[dict]) -> dict:
    """The first step whose overall p95 passes 500 ms: the knee is the rate reached just before
    it. `steps` are {"phase", "target_rps", "rps", "p95"} in rising order."""
    last_good = None
    for step in steps:
        if step["p95"] is not None and step["p95"] > KNEE_P95_MS:
            return {"knee_rps": last_good["rps"] if last_good else None, "broke_at": step["phase"]}
        last_good = step
    return {"knee_rps": None, "broke_at": None, "above_rps": last_good["rps"] if last_good else None}


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def format_table(rows: list[dict]) -> str:
    lines = [
        f"| {'endpoint':<34} | {'method':<6} | {'requests':>8} | {'failures':>8} | "
        f"{'p50 ms':>6} | {'p95 ms':>6} | {'p99 ms':>6} | {'req/s':>6} |",
        f"|{'-' * 36}|{'-' * 8}|{'-' * 10}|{'-' * 10}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 8}|",
    ]
    for r in rows:
        name = "**total**" if r["name"] == "Aggregated" else r["name"]
        lines.append(
            f"| {name:<34} | {r['method']:<6} | {r['requests']:>8} | {r['failures']:>8} | "
            f"{_ms(r['p50']):>6} | {_ms(r['p95']):>6} | {_ms(r['p99']):>6} | {r['rps']:>6.1f} |"
        )
    return "\n".join(lines)


def read_check(name: str, returncode: int, output: str) -> dict:
    """One check's result from its command's output: the differences it counted (None when it did
    not get to count, e.g. it crashed), its exit code and the lines it printed."""
    counted = [m for m in CHECK_LINE.finditer(output) if m["name"] == name]
    differences = int(counted[-1]["count"]) if counted else None
    return {
        "name": name,
        "returncode": returncode,
        "differences": differences,
        "ok": returncode == 0 and differences == 0,
        "output": output.strip(),
    }


def format_checks(checks: list[dict]) -> list[str]:
    """The report's section on the checks: "ledger check: 0 differences", or what was found."""
    md = ["## Consistency after the load", ""]
    for check in checks:
        if check["differences"] is None:
            md.append(f"- {check['name']} check: **did not run** (exit {check['returncode']})")
        elif check["ok"]:
            md.append(f"- {check['name']} check: 0 differences")
        else:
            md.append(f"- {check['name']} check: **{check['differences']} differences**")
        if not check["ok"] and check["output"]:
            md += ["", "```", check["output"], "```", ""]
    md.append("")
    return md


def build_report(out: Path) -> tuple[dict, str]:
    """Read the phases' CSV files from `out`; return the results and their Markdown."""
    phases = (
        json.loads((out / "phases.json").read_text(encoding="utf-8"))
        if (out / "phases.json").exists()
        else []
    )
    results: dict = {"phases": [], "steady": None, "steps": [], "knee": None, "checks": None}
    md = ["# Load test results", ""]
    for phase in phases:
        path = out / f"{phase['phase']}_stats.csv"
        if not path.exists():
            continue
        rows = read_stats_csv(path)
        summary = summarize(rows)
        entry = {**phase, **summary, "endpoints": rows}
        results["phases"].append(entry)
        if phase["phase"] == "steady":
            results["steady"] = entry
            md += [
                f"## Steady: target {phase['target_rps']:.0f} req/s for {phase['seconds']:.0f} s",
                "",
                format_table(rows),
                "",
                f"Measured {summary['rps']:.1f} req/s, {summary['requests']} requests, "
                f"{summary['failures']} failures. Aims (reads p95 ≤ {READ_P95_MS} ms, writes p95 ≤ "
                f"{WRITE_P95_MS} ms, 0 errors): **{'met' if summary['aims_met'] else 'not met'}**"
                + (f"; slow reads: {', '.join(summary['slow_reads'])}" if summary["slow_reads"] else "")
                + (f"; slow writes: {', '.join(summary['slow_writes'])}" if summary["slow_writes"] else "")
                + ".",
                "",
            ]
        else:
            results["steps"].append(
                {
                    "phase": phase["phase"],
                    "target_rps": phase["target_rps"],
                    "rps": summary["rps"],
                    "p95": summary["p95"],
                    "failures": summary["failures"],
                    "requests": summary["requests"],
                }
            )
    if results["steps"]:
        knee = find_knee(results["steps"])
        results["knee"] = knee
        md += [
            "## Steps",
            "",
            "| step | target req/s | measured req/s | p95 ms | requests | failures |",
            "|---|---|---|---|---|---|",
        ]
        md += [
            f"| {s['phase']} | {s['target_rps']:.0f} | {s['rps']:.1f} | {_ms(s['p95'])} | {s['requests']} | {s['failures']} |"
            for s in results["steps"]
        ]
        if knee["broke_at"]:
            reached = (
                f"{knee['knee_rps']:.1f} req/s" if knee["knee_rps"] is not None else "below the first step"
            )
            md.append(f"\nKnee (p95 passes {KNEE_P95_MS} ms at {knee['broke_at']}): {reached}")
        else:
            md.append(
                f"\nNo knee: p95 stayed ≤ {KNEE_P95_MS} ms up to {knee.get('above_rps') or 0:.1f} req/s"
            )
        knee_rps = knee["knee_rps"] if knee["broke_at"] else knee.get("above_rps")
        met = knee_rps is not None and knee_rps >= KNEE_AIM_RPS
        md.append(f"Knee aim (≥ {KNEE_AIM_RPS} req/s): **{'met' if met else 'not met'}**")
        md.append("")
    if (out / "checks.json").exists():
        results["checks"] = json.loads((out / "checks.json").read_text(encoding="utf-8"))
        md += format_checks(results["checks"])
    return results, "\n".join(md)


# --- the site and the load --------------------------------------------------------------------


def _flush_redis(url: str) -> None:
    """The load test's own Redis database: the cache's rate-limit counters and the broker's queues
    of the last run would otherwise carry over into the new one."""
    import redis

    redis.Redis.from_url(url).flushdb()


def site_environment(*, database_url: str, redis_url: str, port: int) -> dict:
    """The production settings on loopback: DEBUG off, no HTTPS redirect, no secure-only cookies."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servicecenter.settings",
        "DEBUG": "false",
        "SECRET_KEY": "loadtest-only-not-a-secret-" + "x" * 40,
        "FIELD_ENCRYPTION_KEY": "bG9hZHRlc3Qtb25seS1rZXktMzItYnl0ZXMtbG9uZyE=",
        "ID_HASH_KEY": "loadtest-only-id-hash-key",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "VAR_DIR": str(OUT / "var"),
        "STATIC_ROOT": str(OUT / "staticfiles"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def run_checks(env: dict) -> list[dict]:
    """Run the consistency checks on the load database (the site stopped: nothing writes) and
    keep their results in checks.json for the report (and `--report-only`)."""
    checks = []
    for name, command in CHECKS:
        print(f"running {command}", flush=True)
        done = subprocess.run(
            [sys.executable, "manage.py", command, "--show", "50"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        checks.append(read_check(name, done.returncode, done.stdout + done.stderr))
    (OUT / "checks.json").write_text(json.dumps(checks, indent=1, ensure_ascii=False), encoding="utf-8")
    return checks


def _start(name: str, command: list[str], env: dict, started: list) -> subprocess.Popen:
    log = (OUT / f"{name}.log").open("w")
    # A process group of its own: stopping it stops the workers it forked, and only those.
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    started.append((name, process))
    print(f"started {name} (pid {process.pid})", flush=True)
    return process


def _stop_all(started: list) -> None:
    for name, process in reversed(started):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            print(f"stopped {name} (pid {process.pid})", flush=True)


def _wait_healthy(url: str, started: list, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in started:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}: see {OUT / (name + '.log')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=70, help="steady total requests/s")
    parser.add_argument("--steady", type=float, default=600, help="seconds at the steady rate")
    parser.add_argument("--steps", default="90,110,130,160,200", help="rates to step through; empty: none")
    parser.add_argument("--step-seconds", type=float, default=60)
    parser.add_argument("--staff", type=int, default=60)
    parser.add_argument("--residents", type=int, default=400)
    parser.add_argument("--spawn", type=float, default=4, help="users started per second")
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reuse", action="store_true", help="keep the database and accounts of the last run")
    parser.add_argument("--report-only", action="store_true", help="print the last run's report again")
    args = parser.parse_args(argv)

    OUT.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        return _report()
    database_url = os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("LOADTEST_REDIS_URL", DEFAULT_REDIS_URL)
    env = site_environment(database_url=database_url, redis_url=redis_url, port=args.port)
    host = f"http://127.0.0.1:{args.port}"
    for old in OUT.glob("*_stats.csv"):
        old.unlink()
    (OUT / "phases.json").unlink(missing_ok=True)
    (OUT / "checks.json").unlink(missing_ok=True)

    started: list = []
    finished = False

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        if not args.reuse:
            print(f"re-creating {database_url}", flush=True)
            recreate_database(database_url)
            _flush_redis(redis_url)
            _manage(env, "migrate", "--noinput", "-v", "0")
            _manage(env, "seed_demo", "--password", "demo12345")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "loadtest.accounts",
                "--staff",
                str(args.staff),
                "--residents",
                str(args.residents),
                "--out",
                str(OUT / "credentials.json"),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        _manage(env, "collectstatic", "--noinput", "-v", "0")
        bin_dir = Path(sys.executable).parent
        _start(
            "gunicorn",
            [
                str(bin_dir / "gunicorn"),
                "servicecenter.wsgi:application",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                str(args.gunicorn_workers),
                "--timeout",
                "60",
                "--access-logfile",
                "-",
            ],
            env,
            started,
        )
        _start(
            "worker",
            [
                str(bin_dir / "celery"),
                "-A",
                "servicecenter",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=2",
            ],
            env,
            started,
        )
        _start(
            "beat",
            [
                str(bin_dir / "celery"),
                "-A",
                "servicecenter",
                "beat",
                "--loglevel=WARNING",
                f"--schedule={OUT / 'celerybeat-schedule'}",
            ],
            env,
            started,
        )
        _wait_healthy(f"{host}/healthz", started)
        print("healthy; starting Locust", flush=True)
        _start(
            "locust",
            [
                str(bin_dir / "locust"),
                "-f",
                str(ROOT / "loadtest" / "locustfile.py"),
                "--headless",
                "--host",
                host,
                "--only-summary",
                "--csv",
                str(OUT / "locust"),
                "--credentials",
                str(OUT / "credentials.json"),
                "--rate",
                str(args.rate),
                "--steady-seconds",
                str(args.steady),
                "--steps",
                args.steps,
                "--step-seconds",
                str(args.step_seconds),
                "--staff-users",
                str(args.staff),
                "--resident-users",
                str(args.residents),
                "--spawn",
                str(args.spawn),
                "--out-dir",
                str(OUT),
            ],
            {**env, "PYTHONPATH": str(ROOT)},
            started,
        )
        locust = started[-1][1]
        while locust.poll() is None:
            for name, process in started[:-1]:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode} during the run")
            time.sleep(2)
        finished = True
    except KeyboardInterrupt:
        print("interrupted: stopping", flush=True)
    finally:
        _stop_all(started)
    if finished:
        # After the servers stopped (the worker and beat too): the database is quiet.
        run_checks(env)
    return _report()


def _report() -> int:
    results, md = build_report(OUT)
    if not results["phases"]:
        print(f"no phase finished: nothing to report (logs in {OUT})")
        return 1
    (OUT / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    (OUT / "results.md").write_text(md, encoding="utf-8")
    print("\n" + md)
    print(f"written: {OUT / 'results.json'}, {OUT / 'results.md'}")
    return report_exit_code(results)


def report_exit_code(results: dict) -> int:
    """Non-zero when a consistency check found a difference or could not run."""
    return 0 if all(check["ok"] for check in results.get("checks") or []) else 1


if __name__ == "__main__":
    sys.exit(main())
