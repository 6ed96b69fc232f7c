"""The benchmark harness: measure pages and API calls in-process against a large PostgreSQL database.

Each app adds `benchmarks/<app>.py` with `run(bench)`. Inside it:

    bench.section("Tickets")
    client = bench.client_for(user)                      # logged-in Django test client
    bench.measure("ticket list, first page", client, "get", "/tickets/")
    bench.measure("create ticket (API)", client, "post", "/api/tickets/", data={...}, expect=201,
                  data_factory=lambda i: {...})           # a fresh body per call when needed
    bench.time_call("generate bills, 50k units", lambda: generate_bills(...))   # one timed call
    bench.note("generated 300,000 tickets in 95.2 s")

`measure` reports median and p95 latency, SQL queries per request and the ratio of the median to
the floor (a trivial view that authenticates the same user and runs one query), measured in the
same run. Figures are printed, never asserted.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Row:
    section: str
    label: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    ratio: float | None = None
    seconds: float | None = None
    note: str = ""


@dataclass
class Bench:
    scale: float = 1.0
    repeat: int = 30
    warmup: int = 3
    rows: list[Row] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    _section: str = ""
    _floors: dict[int, float] = field(default_factory=dict)

    def scaled(self, n: int, minimum: int = 1) -> int:
        return max(minimum, int(n * self.scale))

    def section(self, name: str) -> None:
        self._section = name
        print(f"\n== {name}", flush=True)

    def note(self, text: str) -> None:
        print(f"   {text}", flush=True)
        self.rows.append(Row(self._section, text, note="note"))

    def client_for(self, user) -> Client:
        client = Client()
        client.force_login(user)
        client._bench_user_pk = user.pk
        return client

    def _floor_ms(self, client: Client) -> float:
        user_pk = getattr(client, "_bench_user_pk", 0)
        if user_pk not in self._floors:
            samples = self._samples(client, "get", "/bench/floor/", None, {}, 200, None, self.repeat * 2)
            self._floors[user_pk] = statistics.median(samples[0])
        return self._floors[user_pk]

    def _samples(self, client, method, path, data, extra, expect, data_factory, repeat):
        call = getattr(client, method)
        timings: list[float] = []
        queries: list[int] = []
        for i in range(self.warmup + repeat):
            body = data_factory(i) if data_factory else data
            # A callable header value is called with the sample's index (a fresh Idempotency-Key each).
            kwargs = {key: value(i) if callable(value) else value for key, value in extra.items()}
            if body is not None:
                kwargs["data"] = body
                if method != "get" and "content_type" not in kwargs:
                    kwargs["content_type"] = "application/json"
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = call(path, **kwargs)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                elapsed = (time.perf_counter() - started) * 1000
            if expect is not None and response.status_code != expect:
                raise AssertionError(
                    f"{method.upper()} {path} answered {response.status_code}, expected {expect}: "
                    f"{response.content[:300]!r}"
                )
            if i >= self.warmup:
                timings.append(elapsed)
                queries.append(len(captured.captured_queries))
        return timings, queries

    def measure(
        self,
        label: str,
        client: Client,
        method: str,
        path: str,
        *,
        data=None,
        data_factory: Callable[[int], object] | None = None,
        expect: int | None = 200,
        repeat: int | None = None,
        **extra,
    ) -> Row:
        floor = self._floor_ms(client)
        timings, queries = self._samples(
            client, method, path, data, extra, expect, data_factory, repeat or self.repeat
        )
        timings.sort()
        median = statistics.median(timings)
        p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
        row = Row(
            self._section, label, round(median, 2), round(p95, 2), max(queries), round(median / floor, 1)
        )
        self.rows.append(row)
        print(
            f"   {label:<48} median {row.median_ms:8.2f} ms   p95 {row.p95_ms:8.2f} ms   "
            f"queries {row.queries:3d}   ×floor {row.ratio:5.1f}",
            flush=True,
        )
        return row

    def time_call(self, label: str, fn: Callable[[], object]) -> tuple[Row, object]:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
        row = Row(self._section, label, seconds=round(seconds, 2))
        self.rows.append(row)
        print(f"   {label:<48} {seconds:8.2f} s", flush=True)
        return row, result

    def report(self, out_dir: Path) -> None:
        print("\n" + "=" * 110)
        print(
            f"{'section':<14} {'measurement':<48} {'median ms':>10} {'p95 ms':>9} {'queries':>8} {'×floor':>7} {'s':>8}"
        )
        print("-" * 110)
        for user_pk, ms in self._floors.items():
            print(f"{'floor':<14} {'trivial view, user ' + str(user_pk):<48} {ms:>10.2f}")
        for row in self.rows:
            if row.note:
                continue

            def fmt(value, spec):
                return format(value, spec) if value is not None else ""

            print(
                f"{row.section[:14]:<14} {row.label[:48]:<48} {fmt(row.median_ms, '>10.2f')} "
                f"{fmt(row.p95_ms, '>9.2f')} {fmt(row.queries, '>8d')} {fmt(row.ratio, '>7.1f')} "
                f"{fmt(row.seconds, '>8.2f')}"
            )
        print("=" * 110)
        out_dir.mkdir(parents=True, exist_ok=True)
        payload = {"floors_ms": self._floors, "rows": [asdict(r) for r in self.rows]}
        (out_dir / "latest.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
        print(f"results written to {out_dir / 'latest.json'}")
