"""Cross-app pages: health check, home/dashboard, the global search."""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from moveins.reports import spot_check_status
from residents.models import Estate
from residents.selectors import search_archive
from servicecenter.desk import desk_page
from servicecenter.roles import TECHNICIAN
from servicecenter.scoping import access_for

SPOT_CHECK_MOVEIN = "moveins.spot_check_movein"
DASHBOARD = "dashboards.view_dashboard"

HEALTHZ_TIMEOUT_SECONDS = 3.0


def _database_ok() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # Probes run in their own thread, which has its own connection: never leave it open.
        connection.close()


def _broker_ok() -> None:
    from servicecenter.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=2)  # one attempt: the deadline is short


def _cache_ok() -> None:
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        raise LookupError("cache did not return what was written")


PROBES: dict[str, Callable[[], None]] = {"database": _database_ok, "broker": _broker_ok, "cache": _cache_ok}

# A probe thread still running from an earlier request (a hung backend) is not started again:
# polling a hung Redis every second must not pile up threads.
_running: dict[str, threading.Thread] = {}
_running_lock = threading.Lock()


def _run_probes(timeout: float) -> dict[str, str]:
    """Run every probe at once, each in a thread; give each until the common deadline. Socket
    timeouts (settings) bound most hangs, but not all (DNS, a driver without one): the deadline
    bounds them all. A probe that has not answered by then is reported as "timeout"."""
    results: dict[str, str] = {}
    started: dict[str, threading.Thread] = {}

    def run(name: str, probe: Callable[[], None]) -> None:
        try:
            probe()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001  (any failure means "down")
            results[name] = exc.__class__.__name__

    with _running_lock:
        for name, probe in PROBES.items():
            previous = _running.get(name)
            if previous is not None and previous.is_alive():
                results[name] = "timeout"
                continue
            thread = threading.Thread(target=run, args=(name, probe), name=f"healthz-{name}", daemon=True)
            _running[name] = started[name] = thread
            thread.start()
    deadline = time.monotonic() + timeout
    for name, thread in started.items():
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            results[name] = "timeout"
    return {name: results.get(name, "timeout") for name in PROBES}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Is the site able to work: database, broker and cache each answer? 200 if all do, else 503.

    Answers within HEALTHZ_TIMEOUT_SECONDS (3 s, also given in the JSON as `timeout_seconds`)
    whatever the backends do: hung (connects, never replies), refusing, or unreachable.
    """
    checks = _run_probes(HEALTHZ_TIMEOUT_SECONDS)
    healthy = all(detail == "ok" for detail in checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            **checks,
            "broker_transport": settings.CELERY_BROKER_URL.split(":", 1)[0],
            "timeout_seconds": HEALTHZ_TIMEOUT_SECONDS,
        },
        status=200 if healthy else 503,
    )


@login_required
def bench_floor(request: HttpRequest) -> HttpResponse:
    """The benchmark's floor: what every signed-in page costs at least (session, user, one query).
    Mounted at /bench/floor/ only when settings.BENCH_FLOOR_VIEW is on (`make bench` turns it on)."""
    exists = get_user_model().objects.filter(pk=request.user.pk).exists()
    return HttpResponse("ok" if exists else "no", content_type="text/plain")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    if not access.is_staff_member:
        return redirect("portal:home")
    if _is_only_technician(request.user):
        # A technician's day is their work list on a phone; the tiles are for the desk roles.
        return redirect("tickets:my_work")
    if request.user.has_perm(DASHBOARD) and not request.user.is_superuser:
        # Supervisors, managers and the company start from their figures (issue #15).
        return redirect("dashboards:index")
    return render(request, "home.html", {"spot_checks": _spot_checks(request.user)})


# A manager sees the spot checks of this many estates at most on the home page (a few queries each).
MAX_SPOT_CHECK_ESTATES = 8


def _spot_checks(user) -> list[dict]:
    """This month's move-in spot checks per estate, done against required, for those who make them."""
    if not user.has_perm(SPOT_CHECK_MOVEIN):
        return []
    month = timezone.localdate()
    estates = Estate.objects.visible_to(user).order_by("code")[:MAX_SPOT_CHECK_ESTATES]
    return [{"estate": estate, "status": spot_check_status(estate=estate, month=month)} for estate in estates]


def _is_only_technician(user) -> bool:
    if user.is_superuser:
        return False
    return set(user.groups.values_list("name", flat=True)) == {TECHNICIAN}


@desk_page("residents.view_unit")
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = search_archive(user=request.user, query=query) if query else None
    return render(request, "search.html", {"query": query, "results": results})
