"""Every page, found in the URLconf: a page added to the project is measured without editing this
file (issue #16).

Discovery walks `get_resolver()` and the API router:
  - staff pages: every desk URL without arguments that a signed-in staff member may open (the
    authorization matrix, servicecenter/authz.py, says who; the first role of ROLE_ORDER it allows
    is used). POST-only URLs (405 to a GET) and downloads (file exports) are skipped, not measured;
  - staff detail pages: every desk URL taking one object's pk, on an existing object of its model (the
    model named by tests/servicecenter/urlwalk.py URL_KWARGS, or by the URL's name), of the bench
    estate when the model has one; a model without rows is skipped and said so;
  - API lists: every router `list` route;
  - the portal's home, bills and tickets pages, as a resident.
Before them, the monthly report build (one timed call). The arrears report is a staff page with
an aim in milliseconds (benchmarks/harness.py aim_for).
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from benchmarks.harness import FLOOR_PATH, METRICS_AIM, _timed
from servicecenter import authz
from servicecenter.api_router import router
from servicecenter.roles import (
    CLERK,
    COMPANY,
    ENGINEER,
    FRONTDESK,
    HOUSEKEEPER,
    MANAGER,
    RESIDENT,
    SUPERVISOR,
    TECHNICIAN,
)

# Which role measures a page that several may open: the desk roles first (they open most pages
# most often), the technician (their own work only) last.
ROLE_ORDER = [FRONTDESK, CLERK, HOUSEKEEPER, SUPERVISOR, MANAGER, ENGINEER, COMPANY, TECHNICIAN, RESIDENT]
PORTAL_PAGES = ["portal:home", "portal:billing_bills", "portal:ticket_list"]
# Files, not pages: measured by whoever builds them, not as pages.
DOWNLOAD = re.compile(r"(export|excel|pdf|download|photo|attachment|materials|print)")
# Scopes an object may hang on, tried in order to find one of the bench estate.
ESTATE_PATHS = ["estate", "unit__estate", "ticket__estate", "renovation__estate", "move_in__estate"]

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Target:
    label: str  # the URL name: "tickets:list", "ticket-list"
    kind: str  # "staff page", "staff detail", "API list", "portal"
    path: str
    role: str
    query: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Skipped:
    label: str
    reason: str


@dataclass(frozen=True)
class _Url:
    name: str
    route: str
    args: tuple[str, ...]
    app_label: str


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            full = ":".join(n for n in (namespace, entry.namespace) if n) or None
            yield from _walk(entry.url_patterns, route, full)
        elif isinstance(entry, URLPattern) and entry.name:
            callback = getattr(entry.callback, "view_class", entry.callback)
            yield _Url(
                name=f"{namespace}:{entry.name}" if namespace else entry.name,
                route=route,
                args=tuple(dict.fromkeys(_CONVERTER.findall(route))),
                app_label=(callback.__module__ or "").split(".", 1)[0],
            )


def _role_for(rule: frozenset[str] | None, available: set[str]) -> str | None:
    if rule is None or rule == authz.PUBLIC:
        return None
    for role in ROLE_ORDER:
        if role in available and (rule == authz.AUTHENTICATED or role in rule):
            return role
    return None


def _urlwalk_tables() -> tuple[dict, dict]:
    """The test suite's knowledge of which object fills each URL (and its query): optional."""
    try:
        from tests.servicecenter.urlwalk import URL_KWARGS, URL_QUERY
    except ImportError:  # pragma: no cover - the tests are not shipped everywhere
        return {}, {}
    return URL_KWARGS, URL_QUERY


def model_for(key: str, app_label: str):
    """The model an object key names ("bill", "movein_batch", "open_ticket", "patrol"), preferring
    the URL's own app: the exact name, then a name ending with it, then without its first word."""
    words = key.split("_")
    models = list(apps.get_models())
    while words:
        wanted = "".join(words)
        exact = [m for m in models if m._meta.model_name == wanted]
        for found in (exact, [m for m in models if m._meta.model_name.endswith(wanted)]):
            if found:
                own = [m for m in found if m._meta.app_label == app_label]
                return (own or found)[0]
        words = words[1:]
    return None


def object_of(model, estate):
    """The latest object of `model` on `estate` (any, when the model hangs on no estate)."""
    objects = model._default_manager.all()
    for scope in ESTATE_PATHS:
        try:
            first = scope.split("__", 1)[0]
            model._meta.get_field(first)
        except FieldDoesNotExist:
            continue
        if "__" in scope:
            related = model._meta.get_field(first).related_model
            try:
                related._meta.get_field("estate")
            except (FieldDoesNotExist, AttributeError):
                continue
        objects = objects.filter(**{scope: estate})
        break
    return objects.order_by("-pk").first()


def discover(*, estate, roles: set[str]) -> tuple[list[Target], list[Skipped]]:
    """Every page to measure on `estate` by a user of one of `roles`, and what is left out and why."""
    url_kwargs, url_query = _urlwalk_tables()
    query_objects = {"estate": estate, "unit": estate.units.order_by("pk").first()}
    targets: list[Target] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for url in _walk(get_resolver().url_patterns):
        if url.name in seen:
            continue
        seen.add(url.name)
        if url.route.startswith(("api/", "portal/", "admin/")) or url.name.startswith("payments:"):
            continue
        rule = authz.rule_for_url(url.name)
        if rule == authz.PUBLIC or url.name == "bench_floor":
            continue
        if DOWNLOAD.search(url.name):
            skipped.append(Skipped(url.name, "a download, not a page"))
            continue
        role = _role_for(rule, roles - {RESIDENT})
        if role is None:
            skipped.append(Skipped(url.name, "no staff role may open it"))
            continue
        if not url.args:
            query = {
                arg: getattr(query_objects[key], attr)
                for arg, (key, attr) in url_query.get(url.name, {}).items()
                if query_objects.get(key) is not None
            }
            targets.append(Target(url.name, "staff page", reverse(url.name), role, query))
            continue
        filled = url_kwargs.get(url.name, {})
        arg = url.args[0]
        if len(url.args) != 1 or (arg != "pk" and filled.get(arg, ("=", ""))[1] != "pk"):
            skipped.append(Skipped(url.name, f"takes {', '.join(url.args)}"))
            continue
        key = filled.get(arg, (None,))[0] or url.name.split(":")[-1].removesuffix("_detail")
        model = model_for(key, url.app_label)
        if model is None:
            skipped.append(Skipped(url.name, f"no model found for {key!r}"))
            continue
        obj = object_of(model, estate)
        if obj is None:
            skipped.append(Skipped(url.name, f"no {model.__name__} in the data"))
            continue
        targets.append(Target(url.name, "staff detail", reverse(url.name, kwargs={arg: obj.pk}), role))
    for _prefix, _viewset, basename in router.registry:
        name = f"{basename}-list"
        role = _role_for(authz.API.get(f"{basename}.list"), roles)
        if role is None:
            skipped.append(Skipped(name, "no role may list it"))
            continue
        try:
            path = reverse(name)
        except Exception:  # a viewset without a list route
            continue
        targets.append(Target(name, "API list", path, role))
    if RESIDENT in roles:
        targets += [Target(name, "portal", reverse(name), RESIDENT) for name in PORTAL_PAGES]
    return targets, skipped


# Values for the query parameters an API list requires (it answers 400 naming them without).
def query_defaults(*, estate, unit) -> dict[str, object]:
    today = timezone.localdate()
    year_ago = (today - timedelta(days=365)).isoformat()
    return {
        "estate": estate.pk,
        "unit": unit.pk if unit is not None else None,
        "month": f"{today:%Y-%m}",
        "from": year_ago,
        "to": today.isoformat(),
        "date_from": year_ago,
        "date_to": today.isoformat(),
    }


def required_query(response, defaults: dict[str, object]) -> dict[str, object]:
    """The parameters a 400 answer names as missing or wrong, with the walk's values for them."""
    try:
        errors = response.json()
    except ValueError:
        return {}
    if not isinstance(errors, dict):
        return {}
    return {name: defaults[name] for name in errors if defaults.get(name) is not None}


# The walk's time per page: a page slower than the budget allows is measured fewer times (at
# least MIN_REPEAT), and one slower than SLOW_RATIO times the floor only at concurrency 1 (twice
# the loosest ratio aim: its verdict is no either way), so that a few slow pages cannot stretch a
# full-size run by many minutes.
PAGE_BUDGET_MS = 3000.0
MIN_REPEAT = 3
SLOW_RATIO = 2 * METRICS_AIM


def repeat_for(bench, probe_ms: float) -> int:
    """`walk_repeat` times (run.py's --walk-repeat: the walk has some 200 pages, and --repeat's
    30 each would make it last most of an hour at full size), fewer for a page slower than the
    budget allows."""
    wanted = min(bench.repeat, bench.data.get("walk_repeat") or bench.repeat)
    return max(MIN_REPEAT, min(wanted, int(PAGE_BUDGET_MS / max(probe_ms, 1.0))))


def floor_ms(client, times: int = 5) -> float:
    """The floor's median now, on this machine (the walk may run alone: --only pages)."""
    return statistics.median(_timed(client, "get", FLOOR_PATH, {}, 200) for _ in range(times))


def measure_targets(bench, targets: list[Target], clients: dict, *, estate) -> None:
    """Measure each target with its role's client; a POST-only URL, a redirect or a file is
    skipped, a 400 on an API list is tried again with the parameters it names (the bench estate,
    this month, the last year), anything else but 200 is a failure."""
    defaults = query_defaults(estate=estate, unit=estate.units.order_by("pk").first())
    slow_ms = SLOW_RATIO * floor_ms(next(iter(clients.values())))
    for target in targets:
        client = clients[target.role]
        query = dict(target.query)
        label = f"{target.kind}: {target.label} ({target.role})"
        try:
            started = time.perf_counter()
            probe = client.get(target.path, query)
            if probe.status_code == 400 and target.kind == "API list":
                query.update(required_query(probe, defaults) or {"estate": estate.pk})
                started = time.perf_counter()
                probe = client.get(target.path, query)
            probe_ms = (time.perf_counter() - started) * 1000
        except Exception as exc:  # a 500: the test client re-raises the view's exception
            bench.fail(label, target.path, 500, f"{type(exc).__name__}: {exc}")
            continue
        if probe.status_code == 405:
            bench.note(f"{target.label}: POST only, not a page")
            continue
        location = probe.get("Location", "")
        if probe.status_code in (301, 302, 303, 307, 308) and not location.startswith(
            resolve_url(settings.LOGIN_URL)
        ):
            bench.note(f"{target.label}: redirects to {location}, not a page")
            continue
        if probe.status_code != 200:
            bench.fail(
                label,
                target.path,
                probe.status_code,
                f"answered {probe.status_code}: {probe.content[:200]!r}",
            )
            continue
        content_type = probe.get("Content-Type", "")
        if not content_type.startswith(("text/html", "application/json")):
            bench.note(f"{target.label}: a file ({content_type}), not a page")
            continue
        if probe_ms > slow_ms:  # the first request may have been a cold one: ask once more
            started = time.perf_counter()
            client.get(target.path, query)
            probe_ms = min(probe_ms, (time.perf_counter() - started) * 1000)
        repeat = repeat_for(bench, probe_ms)
        slow = probe_ms > slow_ms and bench.concurrency > 1
        if slow:
            bench.note(f"{target.label}: {probe_ms:.0f} ms, measured at concurrency 1 only")
        bench.measure(
            label,
            client,
            "get",
            target.path,
            data=query or None,
            repeat=repeat,
            concurrency=1 if slow else None,
        )


def _build_monthly_report(estate, actor):
    from dashboards.models import MonthlyReport
    from dashboards.services_reports import build_monthly_report, rebuild_monthly_report
    from servicecenter.periods import previous_month

    month = previous_month(timezone.now())
    report = MonthlyReport.objects.filter(estate=estate, month=month, is_current=True).first()
    if report is None:
        return build_monthly_report(estate=estate, month=month)
    return rebuild_monthly_report(report=report, actor=actor, reason="make bench")


def run(bench) -> None:
    bench.section("Every page")
    estate = bench.data["estate"]
    users = dict(bench.data["users"])
    if bench.data.get("resident") is not None:
        users[RESIDENT] = bench.data["resident"]
    bench.time_call(
        "monthly report build, last month (one call)",
        lambda: _build_monthly_report(estate, users[MANAGER]),
    )
    targets, skipped = discover(estate=estate, roles=set(users))
    bench.note(
        f"{len(targets)} pages found: "
        + ", ".join(
            f"{sum(t.kind == kind for t in targets)} {kind}"
            for kind in dict.fromkeys(t.kind for t in targets)
        )
    )
    for item in skipped:
        bench.note(f"skipped {item.label}: {item.reason}")
    clients = {role: bench.client_for(user) for role, user in users.items()}
    started = time.perf_counter()
    measure_targets(bench, targets, clients, estate=estate)
    bench.note(f"the walk took {time.perf_counter() - started:.0f} s")
