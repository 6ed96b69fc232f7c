"""`make bench` (issue #16): the floor view behind its setting, the discovery of every page, and a
tiny run that writes its JSON and Markdown, on the test database (no big data needed)."""

from __future__ import annotations

import json
from importlib import import_module, reload

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import clear_url_caches

from benchmarks.harness import Aim, Bench, Row, aim_for, judge
from benchmarks.pages import (
    MIN_REPEAT,
    Target,
    discover,
    measure_targets,
    model_for,
    repeat_for,
    required_query,
)
from servicecenter import authz
from tests.tickets.factories import CallbackFactory, TicketFactory
from tickets.models import Ticket


def _reload_urls() -> None:
    reload(import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@pytest.fixture
def floor_on():
    with override_settings(BENCH_FLOOR_VIEW=True):
        _reload_urls()
        yield
    _reload_urls()


# --- the floor view -----------------------------------------------------------------------------


def test_floor_is_not_there_by_default(users):
    client = Client()
    client.force_login(users["frontdesk"])
    assert client.get("/bench/floor/").status_code == 404


def test_floor_answers_any_signed_in_user_when_on(floor_on, users, resident):
    for user in (users["frontdesk"], users["technician"], resident):
        client = Client()
        client.force_login(user)
        response = client.get("/bench/floor/")
        assert response.status_code == 200
        assert response.content == b"ok"
    assert authz.rule_for_url("bench_floor") == authz.AUTHENTICATED


def test_floor_sends_anonymous_users_to_the_login(floor_on):
    response = Client().get("/bench/floor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- aims -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "aim"),
    [
        ("get", "/tickets/", Aim(ratio=8)),
        ("get", "/tickets/12/", Aim(ratio=6)),
        ("get", "/portal/bills/", Aim(ratio=6)),
        ("get", "/dashboard/", Aim(ratio=40)),
        ("get", "/api/tickets/metrics/", Aim(ratio=40)),
        ("get", "/billing/arrears/", Aim(ms=100)),
        ("get", "/api/tickets/", Aim(ratio=8)),
        ("get", "/api/tickets/12/", None),
        ("post", "/api/tickets/", None),
        ("get", "/no/such/page/", None),
    ],
)
def test_aim_for(method, path, aim):
    assert aim_for(method, path) == aim


def test_judge_needs_both_ratios_within_the_aim():
    aim = Aim(ratio=8)
    assert judge(aim, Row("s", "x", median_ms=5, ratio=7.9, c_ratio=8.0)) is True
    assert judge(aim, Row("s", "x", median_ms=5, ratio=7.9, c_ratio=8.1)) is False
    assert judge(aim, Row("s", "x", median_ms=5, ratio=8.1)) is False
    assert judge(Aim(ms=100), Row("s", "x", median_ms=100.5, ratio=1)) is False
    assert judge(None, Row("s", "x", median_ms=1, ratio=1)) is None


# --- discovery ------------------------------------------------------------------------------------


def test_model_for_finds_the_model_of_an_object_key():
    assert model_for("ticket", "tickets") is Ticket
    assert model_for("open_ticket", "tickets") is Ticket
    assert model_for("movein_batch", "moveins")._meta.model_name == "moveinbatch"
    assert model_for("no_such_thing", "tickets") is None


def test_discover_finds_lists_details_api_lists_and_the_portal(users, resident, unit_a, estate_b):
    ticket = TicketFactory(unit=unit_a)
    TicketFactory(unit__building__estate=estate_b)  # another estate's, newer: never picked
    targets, skipped = discover(estate=unit_a.estate, roles={*users, "resident"})
    by_label = {t.label: t for t in targets}

    assert by_label["tickets:list"].kind == "staff page"
    assert by_label["tickets:list"].path == "/tickets/"
    assert by_label["tickets:detail"].path == f"/tickets/{ticket.pk}/"
    assert by_label["ticket-list"].kind == "API list"
    assert by_label["ticket-list"].path == "/api/tickets/"
    assert {"portal:home", "portal:billing_bills", "portal:ticket_list"} <= set(by_label)
    assert by_label["portal:home"].role == "resident"
    assert by_label["dashboards:index"].role in authz.URLS["dashboards:index"]
    # Staff pages are measured by a staff role, public pages and downloads not at all.
    assert all(t.role != "resident" for t in targets if t.kind.startswith("staff"))
    assert "login" not in by_label and "healthz" not in by_label
    assert "residents:export" not in by_label
    assert any(s.label == "residents:export" for s in skipped)


def test_discover_skips_a_detail_page_without_objects(users):
    from residents.models import Estate

    targets, skipped = discover(estate=Estate.objects.get(code="LJY"), roles=set(users))
    assert "tickets:detail" not in {t.label for t in targets}
    assert any(s.label == "tickets:detail" and "Ticket" in s.reason for s in skipped)


# --- a tiny run -----------------------------------------------------------------------------------


def _clients(bench, users, resident):
    return {role: bench.client_for(user) for role, user in {**users, "resident": resident}.items()}


def test_a_tiny_run_writes_json_and_markdown(floor_on, users, resident, unit_a, tmp_path):
    ticket = TicketFactory(unit=unit_a)
    bench = Bench(repeat=3, warmup=1, concurrency=1)
    bench.section("Every page")
    targets, _ = discover(estate=unit_a.estate, roles={*users, "resident"})
    chosen = [
        t for t in targets if t.label in {"tickets:list", "tickets:detail", "ticket-list", "portal:home"}
    ]
    chosen.append(Target("missing", "staff page", "/tickets/999999/", "frontdesk"))
    measure_targets(bench, chosen, _clients(bench, users, resident), estate=unit_a.estate)

    rows = {row.path: row for row in bench.rows if not row.note}
    assert set(rows) == {"/tickets/", f"/tickets/{ticket.pk}/", "/api/tickets/", "/portal/"}
    for row in rows.values():
        assert row.ratio > 0 and row.median_ms > 0 and row.queries > 0
        assert row.concurrency is None
    assert rows[f"/tickets/{ticket.pk}/"].aim == "≤ 6×"
    # The page that fails is listed, not raised.
    assert [(f.path, f.status) for f in bench.failures] == [("/tickets/999999/", 404)]

    json_path, md_path = bench.report(tmp_path)
    assert json_path.parent == md_path.parent == tmp_path
    assert json_path.name.startswith("bench-") and md_path.suffix == ".md"
    payload = json.loads(json_path.read_text())
    assert {r["path"] for r in payload["rows"] if r["path"]} == set(rows)
    assert payload["failures"][0]["status"] == 404
    assert payload["floor_median_ms"] > 0
    text = md_path.read_text()
    assert "| ×floor c=1 |" in text and "| aim | met? |" in text
    assert "tickets:list" in text and "## Failures" in text and "/tickets/999999/" in text


def test_a_redirect_is_a_note_and_an_api_list_gets_the_parameters_it_names(floor_on, users, resident, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a))
    bench = Bench(repeat=2, warmup=1, concurrency=1)
    bench.section("Every page")
    chosen = [
        # A callback's address sends to its ticket's page: not a page of its own.
        Target("tickets:callback_detail", "staff detail", f"/tickets/callbacks/{callback.pk}/", "frontdesk"),
        # The warranty report requires `from` and `to` (400 without them) besides the estate.
        Target("warranty-report-list", "API list", "/api/warranty-report/", "manager"),
        # A role sent to the login page is a failure, not a redirect to skip.
        Target("tickets:list", "staff page", "/tickets/", "nobody"),
    ]
    clients = {**_clients(bench, users, resident), "nobody": Client()}
    measure_targets(bench, chosen, clients, estate=unit_a.estate)

    rows = {row.path: row for row in bench.rows if not row.note}
    assert set(rows) == {"/api/warranty-report/"}
    assert rows["/api/warranty-report/"].queries > 0
    notes = [row.label for row in bench.rows if row.note]
    assert any(n.startswith("tickets:callback_detail: redirects to /tickets/") for n in notes)
    assert [(f.path, f.status) for f in bench.failures] == [("/tickets/", 302)]


def test_required_query_takes_the_names_of_the_400_answer():
    class Answer:
        def json(self):
            return {"from": ["required"], "to": ["required"], "colour": ["required"]}

    defaults = {"from": "2025-12-01", "to": "2026-12-01", "estate": 7, "unit": None}
    assert required_query(Answer(), defaults) == {"from": "2025-12-01", "to": "2026-12-01"}


def test_a_slow_page_is_measured_fewer_times():
    bench = Bench(repeat=30)
    assert repeat_for(bench, 20.0) == 30
    assert repeat_for(bench, 300.0) == 10
    assert repeat_for(bench, 5000.0) == MIN_REPEAT
    bench.data["walk_repeat"] = 10  # run.py --walk-repeat
    assert repeat_for(bench, 20.0) == 10


def test_the_ratio_is_the_median_of_interleaved_pairs(floor_on, users, monkeypatch):
    import benchmarks.harness as harness

    # Floor and page alternate: floor 1, page 3, floor 2, page 4, floor 1, page 8 ...
    timings = iter([1.0, 3.0, 2.0, 4.0, 1.0, 8.0, 4.0, 4.0])
    monkeypatch.setattr(harness, "_timed", lambda *args, **kwargs: next(timings))
    bench = Bench(repeat=3, warmup=1, concurrency=1)
    row = bench.measure("page", bench.client_for(users["frontdesk"]), "get", "/tickets/")
    # Pairs after the warm-up: 4/2, 8/1, 4/4 -> ratios 2, 8, 1 -> median 2 (not 5.33/2.33).
    assert row.ratio == 2.0
    assert row.median_ms == 4.0
    assert bench.floors == [2.0, 1.0, 4.0]


@pytest.mark.django_db(transaction=True)
def test_concurrent_figures_from_threads(floor_on, users, tmp_path):
    bench = Bench(repeat=4, warmup=1, concurrency=2, rounds=2)
    bench.section("Tickets")
    row = bench.measure("ticket list", bench.client_for(users["frontdesk"]), "get", "/tickets/")
    assert row.concurrency == 2
    assert row.c_median_ms > 0 and row.c_p95_ms >= row.c_median_ms and row.c_ratio > 0
    assert row.met in (True, False)
    assert not bench.failures
    _json, md_path = bench.report(tmp_path)
    assert "| ×floor c=2 |" in md_path.read_text()
