"""The benchmark harness: measure pages and API calls in-process against a large PostgreSQL database.

Each app adds `benchmarks/<app>.py` with `run(bench)`. Inside it:

    bench.section("Tickets")
    client = bench.client_for(user)                      # logged-in Django test client
    bench.measure("ticket list, first page", client, "get", "/tickets/")
    bench.measure("create ticket (API)", client, "post", "/api/tickets/", data={...}, expect=201,
                  data_factory=lambda i: {...})           # a fresh body per call when needed
    bench.time_call("generate bills, 50k units", lambda: generate_bills(...))   # one timed call
    bench.note("generated 300,000 tickets in 95.2 s")

`measure` times the page and the floor (/bench/floor/, servicecenter.views.bench_floor: the same
user authenticated, one query) alternately, floor, page, floor, page..., so that a slow moment of
a shared machine weighs on both; the ratio is the median of the page/floor ratios of the pairs.
GET requests are then measured again by `concurrency` threads at once (8 by default), each with
its own client and database connection, in rounds of floor then page under the same load; the
ratio at that concurrency is the median over the rounds of the page block's wall time over the
floor block's (the ratio of mean latencies under the same load). Each row carries the aim issue #16
sets for its kind of page (`aim_for`). A page that answers something else than expected is a
failure row, never a crash. Figures are printed and written to var/bench/, never asserted.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path

from django.db import connection, connections, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils import timezone

FLOOR_PATH = "/bench/floor/"

# Issue #16: staff pages and API lists within 8× the floor, the ticket page and the portal's
# pages within 6×, ticket metrics and the dashboard within 40×, the arrears report within 100 ms.
STAFF_AIM = 8.0
TICKET_PAGE_AIM = 6.0
PORTAL_AIM = 6.0
METRICS_AIM = 40.0
ARREARS_AIM_MS = 100.0
METRICS_VIEWS = {"ticket-metrics", "tickets:metrics", "dashboards:index", "dashboard-metrics-list"}


@dataclass(frozen=True)
class Aim:
    ratio: float | None = None  # at most this many times the floor, at c=1 and at c=N
    ms: float | None = None  # a median of at most this many milliseconds at c=1

    def __str__(self) -> str:
        return f"≤ {self.ratio:g}×" if self.ratio is not None else f"≤ {self.ms:g} ms"


def aim_for(method: str, path: str) -> Aim | None:
    """The aim of issue #16 for a request, from the name of the view that answers it."""
    if method.lower() != "get":
        return None
    try:
        name = resolve(path.split("?", 1)[0]).view_name
    except Resolver404:
        return None
    if name == "billing:arrears":
        return Aim(ms=ARREARS_AIM_MS)
    if name in METRICS_VIEWS:
        return Aim(ratio=METRICS_AIM)
    if name == "tickets:detail":
        return Aim(ratio=TICKET_PAGE_AIM)
    if name.startswith("portal:"):
        return Aim(ratio=PORTAL_AIM)
    if path.startswith("/api/"):
        return Aim(ratio=STAFF_AIM) if name.endswith("-list") else None
    return Aim(ratio=STAFF_AIM)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


@dataclass
class Row:
    section: str
    label: str
    path: str = ""
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    ratio: float | None = None
    concurrency: int | None = None
    c_median_ms: float | None = None
    c_p95_ms: float | None = None
    c_ratio: float | None = None
    seconds: float | None = None
    aim: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Failure:
    section: str
    label: str
    path: str
    status: int | None
    detail: str


class RequestFailed(Exception):
    def __init__(self, status: int | None, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def judge(aim: Aim | None, row: Row) -> bool | None:
    if aim is None or row.median_ms is None:
        return None
    if aim.ms is not None:
        return row.median_ms <= aim.ms
    ratios = [r for r in (row.ratio, row.c_ratio) if r is not None]
    return all(r <= aim.ratio for r in ratios)


def _kwargs(method: str, body, extra: dict) -> dict:
    kwargs = dict(extra)
    if body is not None:
        kwargs["data"] = body
        if method != "get" and "content_type" not in kwargs:
            kwargs["content_type"] = "application/json"
    return kwargs


def _timed(client: Client, method: str, path: str, kwargs: dict, expect: int | None) -> float:
    started = time.perf_counter()
    try:
        response = getattr(client, method)(path, **kwargs)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    except Exception as exc:  # a 500: the test client re-raises the view's exception
        raise RequestFailed(500, f"{type(exc).__name__}: {exc}") from exc
    elapsed = (time.perf_counter() - started) * 1000
    if expect is not None and response.status_code != expect:
        raise RequestFailed(
            response.status_code,
            f"{method.upper()} {path} answered {response.status_code}, expected {expect}: "
            f"{response.content[:200]!r}",
        )
    return elapsed


@dataclass
class Bench:
    scale: float = 1.0
    repeat: int = 30
    warmup: int = 3
    concurrency: int = 8
    rounds: int = 3
    rows: list[Row] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    floors: list[float] = field(default_factory=list)
    _section: str = ""
    started_at: datetime = field(default_factory=timezone.now)

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

    def fail(self, label: str, path: str, status: int | None, detail: str) -> None:
        self.failures.append(Failure(self._section, label, path, status, detail))
        print(f"   {label:<48} FAILED ({status}): {detail[:120]}", flush=True)

    # --- concurrency 1: floor and page alternately ---------------------------------------------

    def _pairs(self, client, method, path, data, extra, expect, data_factory, repeat):
        page_ms: list[float] = []
        floor_ms: list[float] = []
        queries: list[int] = []
        for i in range(self.warmup + repeat):
            body = data_factory(i) if data_factory else data
            reset_queries()
            with CaptureQueriesContext(connection):
                floor = _timed(client, "get", FLOOR_PATH, {}, 200)
            with CaptureQueriesContext(connection) as captured:
                page = _timed(client, method, path, _kwargs(method, body, extra), expect)
            if i >= self.warmup:
                floor_ms.append(floor)
                page_ms.append(page)
                queries.append(len(captured.captured_queries))
        return page_ms, floor_ms, queries

    # --- concurrency N: N threads, rounds of floor then page ----------------------------------

    def _concurrent(self, client, method, path, kwargs, expect, threads: int):
        """Per round, every thread requests the floor `per_thread` times, then (after all have)
        the page as many times. Returns the page latencies and the median over the rounds of the
        page block's wall time over the floor block's: the ratio of the mean latencies under the
        same load (Little's law). A ratio of medians would flatter short requests, which finish
        within one GIL time slice while long ones wait for every other thread's."""
        per_thread = max(2, self.repeat // 10)
        barrier = threading.Barrier(threads)
        spans = {kind: [[None] * threads for _ in range(self.rounds)] for kind in ("floor", "page")}
        pages: list[float] = []
        errors: list[RequestFailed] = []

        def block(own, kind, r, k, call):
            barrier.wait()
            started = time.perf_counter()
            timings = [call(own) for _ in range(per_thread)]
            spans[kind][r][k] = (started, time.perf_counter())
            return timings

        def worker(k: int) -> None:
            own = Client()
            own.cookies = SimpleCookie(client.cookies)  # the same signed-in session

            def floor(c):
                return _timed(c, "get", FLOOR_PATH, {}, 200)

            def page(c):
                return _timed(c, method, path, kwargs, expect)

            try:
                # Warm up: the thread's first request opens its database connection.
                floor(own)
                page(own)
                for r in range(self.rounds):
                    block(own, "floor", r, k, floor)
                    pages.extend(block(own, "page", r, k, page))
            except RequestFailed as exc:
                errors.append(exc)
                barrier.abort()
            except threading.BrokenBarrierError:
                pass
            finally:
                connections.close_all()  # this thread's connections only

        workers = [threading.Thread(target=worker, args=(k,), name=f"bench-{k}") for k in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        if errors:
            raise errors[0]

        def wall(kind: str, r: int) -> float:
            starts, ends = zip(*spans[kind][r], strict=True)
            return max(ends) - min(starts)

        ratios = [wall("page", r) / wall("floor", r) for r in range(self.rounds)]
        return pages, statistics.median(ratios)

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
        concurrency: int | None = None,
        aim: Aim | None = None,
        **extra,
    ) -> Row | None:
        """Measure one request; None (and a failure row) when it answers other than `expect`.
        Only GET requests are measured concurrently (writes would collide on purpose-made data)."""
        try:
            page_ms, floor_ms, queries = self._pairs(
                client, method, path, data, extra, expect, data_factory, repeat or self.repeat
            )
        except RequestFailed as exc:
            self.fail(label, path, exc.status, exc.detail)
            return None
        self.floors += floor_ms
        ratios = [p / f for p, f in zip(page_ms, floor_ms, strict=True)]
        aim = aim or aim_for(method, path)
        row = Row(
            self._section,
            label,
            path=path,
            median_ms=round(statistics.median(page_ms), 2),
            p95_ms=round(percentile(page_ms, 0.95), 2),
            queries=max(queries),
            ratio=round(statistics.median(ratios), 1),
            aim=str(aim) if aim else "",
        )
        threads = self.concurrency if concurrency is None else concurrency
        if method == "get" and threads > 1:
            try:
                c_pages, c_ratio = self._concurrent(
                    client, method, path, _kwargs(method, data, extra), expect, threads
                )
            except RequestFailed as exc:
                self.fail(f"{label} (c={threads})", path, exc.status, exc.detail)
            else:
                row.concurrency = threads
                row.c_median_ms = round(statistics.median(c_pages), 2)
                row.c_p95_ms = round(percentile(c_pages, 0.95), 2)
                row.c_ratio = round(c_ratio, 1)
        row.met = judge(aim, row)
        self.rows.append(row)
        concurrent = (
            f"   c={row.concurrency} median {row.c_median_ms:8.2f} ms ×floor {row.c_ratio:5.1f}"
            if row.concurrency
            else ""
        )
        print(
            f"   {label:<48} median {row.median_ms:8.2f} ms   p95 {row.p95_ms:8.2f} ms   "
            f"queries {row.queries:3d}   ×floor {row.ratio:5.1f}{concurrent}",
            flush=True,
        )
        return row

    def time_call(
        self, label: str, fn: Callable[[], object], *, aim: Aim | None = None
    ) -> tuple[Row, object]:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
        row = Row(self._section, label, seconds=round(seconds, 2), aim=str(aim) if aim else "")
        if aim is not None and aim.ms is not None:
            row.met = seconds * 1000 <= aim.ms
        self.rows.append(row)
        print(f"   {label:<48} {seconds:8.2f} s", flush=True)
        return row, result

    # --- output ------------------------------------------------------------------------------

    def payload(self) -> dict:
        return {
            "started_at": self.started_at.isoformat(),
            "scale": self.scale,
            "repeat": self.repeat,
            "concurrency": self.concurrency,
            "floor_median_ms": round(statistics.median(self.floors), 3) if self.floors else None,
            "rows": [asdict(r) for r in self.rows],
            "failures": [asdict(f) for f in self.failures],
        }

    def markdown(self) -> str:
        def fmt(value, spec: str = ".2f") -> str:
            return format(value, spec) if value is not None else ""

        n = self.concurrency
        floor = statistics.median(self.floors) if self.floors else None
        lines = [
            f"# make bench, {timezone.localtime(self.started_at):%Y-%m-%d %H:%M} (scale {self.scale:g}, "
            f"{self.repeat} requests per page at c=1, concurrency {n})",
            "",
            f"Floor (/bench/floor/) median at c=1: {fmt(floor)} ms. ×floor is the median ratio of "
            "interleaved floor/page requests; at c=" + str(n) + " the median over rounds of the page "
            "block's wall time over the floor block's (ratio of mean latencies under the same load). "
            "An aim in × is met when both ratios are within it; in ms, by the median at c=1.",
            "",
            f"| section | page | median ms | p95 ms | queries | ×floor c=1 | median ms c={n} "
            f"| p95 ms c={n} | ×floor c={n} | s | aim | met? |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
        ]
        for row in self.rows:
            if row.note:
                continue
            met = {True: "yes", False: "**no**", None: ""}[row.met]
            lines.append(
                f"| {row.section} | {row.label} | {fmt(row.median_ms)} | {fmt(row.p95_ms)} | "
                f"{fmt(row.queries, 'd')} | {fmt(row.ratio, '.1f')} | {fmt(row.c_median_ms)} | "
                f"{fmt(row.c_p95_ms)} | {fmt(row.c_ratio, '.1f')} | {fmt(row.seconds)} | {row.aim} | {met} |"
            )
        if self.failures:
            lines += [
                "",
                "## Failures",
                "",
                "| section | page | path | status | detail |",
                "|---|---|---|--:|---|",
            ]
            for failure in self.failures:
                detail = failure.detail.replace("|", "\\|").replace("\n", " ")[:200]
                lines.append(
                    f"| {failure.section} | {failure.label} | {failure.path} | {fmt(failure.status, 'd')} | {detail} |"
                )
        notes = [row for row in self.rows if row.note]
        if notes:
            lines += ["", "## Notes", ""] + [f"- {row.section}: {row.label}" for row in notes]
        return "\n".join(lines) + "\n"

    def report(self, out_dir: Path) -> tuple[Path, Path]:
        """Print the table and write bench-<timestamp>.json and .md into `out_dir`."""
        text = self.markdown()
        print("\n" + text)
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = f"{timezone.localtime(self.started_at):%Y%m%d-%H%M%S}"
        json_path = out_dir / f"bench-{stamp}.json"
        md_path = out_dir / f"bench-{stamp}.md"
        json_path.write_text(json.dumps(self.payload(), indent=2, ensure_ascii=False))
        md_path.write_text(text)
        print(f"results written to {json_path} and {md_path}")
        return json_path, md_path
