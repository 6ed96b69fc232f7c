"""`make loadtest` without the load: the locustfile loads, the accounts are idempotent, the report
reads Locust's CSV right."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from loadtest.accounts import make_accounts, write_credentials
from loadtest.forms import html_form
from loadtest.run import (
    build_report,
    find_knee,
    format_table,
    read_check,
    read_stats_csv,
    report_exit_code,
    summarize,
)
from residents.models import Person
from staff.models import StaffProfile
from tests.factories import OccupancyFactory, TeamFactory

ROOT = Path(__file__).resolve().parents[2]

# The columns Locust 2.x writes to <prefix>_stats.csv (a real header, shortened rows).
HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)
STEADY = "\n".join(
    [
        HEADER,
        "GET,portal home,1200,0,45,60.2,12,900,5120,20.01,0.0,45,52,60,66,90,140,200,260,800,900,900",
        "POST,api: take payment,300,2,120,150.3,40,1400,800,5.0,0.03,120,140,160,170,250,610,900,1100,1400,1400,1400",
        "GET,login page,80,0,30,31.0,10,90,3000,1.3,0.0,30,31,32,33,60,400,80,90,90,90,90",
        ",Aggregated,1580,2,60,80.1,10,1400,4000,26.3,0.03,60,70,80,90,150,320,500,700,1200,1400,1400",
    ]
)


def test_the_locustfile_loads_with_both_users_and_the_shape():
    result = subprocess.run(
        [sys.executable, "-m", "locust", "-f", "loadtest/locustfile.py", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "StaffUser" in result.stdout and "ResidentUser" in result.stdout


@pytest.mark.django_db
def test_accounts_are_made_once_and_linked_to_occupied_units(tmp_path, estate_a, unit_a, unit_a2):
    TeamFactory(estate=estate_a, kind="customer_service")
    OccupancyFactory(unit=unit_a)
    OccupancyFactory(unit=unit_a2)
    first = make_accounts(staff=4, residents=5, password="pw-12345678")
    second = make_accounts(staff=4, residents=5, password="pw-12345678")

    assert first == second
    assert [row["role"] for row in first["staff"]] == ["frontdesk", "supervisor", "clerk", "frontdesk"]
    assert len(first["residents"]) == 2  # only two people live here: no one is invented
    users = get_user_model().objects.filter(username__startswith="load-")
    assert users.count() == 6
    assert all(user.check_password("pw-12345678") for user in users)
    assert (
        StaffProfile.objects.filter(user__username__startswith="load-staff-", estates=estate_a).count() == 4
    )
    linked = Person.objects.filter(user__username__startswith="load-resident-")
    assert sorted(p.occupancies.get().unit_id for p in linked) == sorted([unit_a.pk, unit_a2.pk])
    assert {u["id"] for u in first["units"]} == {unit_a.pk, unit_a2.pk}

    path = write_credentials(first, tmp_path / "credentials.json")
    assert json.loads(path.read_text(encoding="utf-8"))["password"] == "pw-12345678"


def test_the_report_reads_the_locust_csv(tmp_path):
    path = tmp_path / "steady_stats.csv"
    path.write_text(STEADY, encoding="utf-8")
    rows = read_stats_csv(path)

    assert rows[1] == {
        "method": "POST",
        "name": "api: take payment",
        "requests": 300,
        "failures": 2,
        "p50": 120.0,
        "p95": 610.0,
        "p99": 1100.0,
        "rps": 5.0,
    }
    table = format_table(rows).splitlines()
    assert table[2].split("|")[1:-1] == [
        f" {'portal home':<34} ",
        " GET    ",
        "     1200 ",
        "        0 ",
        "     45 ",
        "    140 ",
        "    260 ",
        "   20.0 ",
    ]
    assert "**total**" in table[-1] and "1580" in table[-1]

    summary = summarize(rows)
    assert (summary["requests"], summary["failures"], summary["rps"]) == (1580, 2, 26.3)
    # The payment's p95 passes 500 ms; the login page's 400 ms is not judged (spawning only).
    assert summary["slow_writes"] == ["api: take payment"] and summary["slow_reads"] == []
    assert summary["aims_met"] is False


def test_the_knee_is_the_last_rate_before_p95_passes_500_ms():
    steps = [
        {"phase": "step_090", "target_rps": 90, "rps": 88.5, "p95": 210},
        {"phase": "step_110", "target_rps": 110, "rps": 107.0, "p95": 480},
        {"phase": "step_130", "target_rps": 130, "rps": 118.2, "p95": 900},
    ]
    assert find_knee(steps) == {"knee_rps": 107.0, "broke_at": "step_130"}
    assert find_knee(steps[:2])["broke_at"] is None and find_knee(steps[:2])["above_rps"] == 107.0


def test_the_report_of_a_run_writes_steady_and_steps(tmp_path):
    (tmp_path / "steady_stats.csv").write_text(STEADY, encoding="utf-8")
    (tmp_path / "step_090_stats.csv").write_text(STEADY.replace(",320,", ",700,"), encoding="utf-8")
    (tmp_path / "phases.json").write_text(
        json.dumps(
            [
                {"phase": "steady", "target_rps": 70, "seconds": 600},
                {"phase": "step_090", "target_rps": 90, "seconds": 60},
            ]
        ),
        encoding="utf-8",
    )
    results, md = build_report(tmp_path)
    assert results["steady"]["requests"] == 1580
    assert results["steps"][0]["p95"] == 700.0
    assert results["knee"] == {"knee_rps": None, "broke_at": "step_090"}
    assert "Aims" in md and "**not met**" in md and "below the first step" in md


def test_the_checks_after_the_load_are_read_from_their_output():
    clean = read_check("ledger", 0, "ledger check: 0 differences\n")
    assert clean == {
        "name": "ledger",
        "returncode": 0,
        "differences": 0,
        "ok": True,
        "output": "ledger check: 0 differences",
    }
    broken = read_check(
        "ticket",
        1,
        "ticket 7 (closed): no registration or status event\nticket check: 1 differences in 1 tickets\n"
        "CommandError: 1 tickets' status chains are invalid",
    )
    assert (broken["differences"], broken["ok"]) == (1, False)
    crashed = read_check("ledger", 1, "Traceback …\nOperationalError: no such table")
    assert (crashed["differences"], crashed["ok"]) == (None, False)
    # A zero count is not enough: the command must also have exited cleanly.
    assert read_check("ledger", 2, "ledger check: 0 differences")["ok"] is False


def test_the_report_shows_the_checks_and_fails_on_a_difference(tmp_path):
    (tmp_path / "steady_stats.csv").write_text(STEADY, encoding="utf-8")
    (tmp_path / "phases.json").write_text(
        json.dumps([{"phase": "steady", "target_rps": 70, "seconds": 600}]), encoding="utf-8"
    )
    results, md = build_report(tmp_path)
    assert results["checks"] is None and "Consistency" not in md
    assert report_exit_code(results) == 0  # a run from before the checks: nothing to fail on

    clean = [
        read_check("ledger", 0, "ledger check: 0 differences"),
        read_check("ticket", 0, "ticket check: 0 differences"),
    ]
    (tmp_path / "checks.json").write_text(json.dumps(clean), encoding="utf-8")
    results, md = build_report(tmp_path)
    assert "- ledger check: 0 differences" in md and "- ticket check: 0 differences" in md
    assert report_exit_code(results) == 0

    dirty = [
        clean[0],
        read_check(
            "ticket",
            1,
            "ticket 7 (closed): no registration or status event\nticket check: 1 differences in 1 tickets",
        ),
    ]
    (tmp_path / "checks.json").write_text(json.dumps(dirty), encoding="utf-8")
    results, md = build_report(tmp_path)
    assert "- ticket check: **1 differences**" in md
    assert "ticket 7 (closed): no registration or status event" in md
    assert report_exit_code(results) == 1

    (tmp_path / "checks.json").write_text(
        json.dumps([read_check("ledger", 1, "Traceback")]), encoding="utf-8"
    )
    results, md = build_report(tmp_path)
    assert "- ledger check: **did not run** (exit 1)" in md and report_exit_code(results) == 1


def test_report_only_prints_the_last_runs_report_with_its_checks(tmp_path, monkeypatch):
    import loadtest.run as run

    (tmp_path / "steady_stats.csv").write_text(STEADY, encoding="utf-8")
    (tmp_path / "phases.json").write_text(
        json.dumps([{"phase": "steady", "target_rps": 70, "seconds": 600}]), encoding="utf-8"
    )
    (tmp_path / "checks.json").write_text(
        json.dumps([read_check("ledger", 1, "ledger check: 3 differences")]), encoding="utf-8"
    )
    monkeypatch.setattr(run, "OUT", tmp_path)
    assert run.main(["--report-only"]) == 1
    assert "**3 differences**" in (tmp_path / "results.md").read_text(encoding="utf-8")
    assert (
        json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["checks"][0]["differences"] == 3
    )


def test_forms_are_read_as_a_browser_submits_them():
    html = """<form method="get"><input name="q" value="x"></form>
    <form method="post" action="/portal/tickets/new/">
      <input type="hidden" name="csrfmiddlewaretoken" value="tok">
      <select name="unit"><option value="">--</option><option value="7">1-101</option></select>
      <input type="radio" name="kind" value="repair"><input type="radio" name="kind" value="complaint" checked>
      <input type="checkbox" name="urgent" value="1">
      <textarea name="description">hello</textarea>
      <button type="submit" name="go" value="1">Send</button>
    </form>"""
    form = html_form(html, with_field="description")
    assert form["fields"] == {
        "csrfmiddlewaretoken": "tok",
        "unit": "7",
        "kind": "complaint",
        "description": "hello",
    }
    assert html_form(html, with_field="nothing") is None
