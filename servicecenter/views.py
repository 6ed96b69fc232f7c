"""Cross-app pages: health check, home/dashboard, the global search."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from residents.selectors import search_archive
from servicecenter.desk import desk_page
from servicecenter.scoping import access_for


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:  # noqa: BLE001  (any failure means "down")
        return False, exc.__class__.__name__


def _broker_ok() -> tuple[bool, str]:
    from servicecenter.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return True, "ok"
    except Exception as exc:  # noqa: BLE001
        return False, exc.__class__.__name__


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    healthy = db_ok and broker_ok
    return JsonResponse(
        {
            "status": "ok" if healthy else "degraded",
            "database": db_detail,
            "broker": broker_detail,
            "broker_transport": settings.CELERY_BROKER_URL.split(":", 1)[0],
        },
        status=200 if healthy else 503,
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    if not access.is_staff_member:
        return redirect("portal:home")
    return render(request, "home.html", {})


@desk_page("residents.view_unit")
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = search_archive(user=request.user, query=query) if query else None
    return render(request, "search.html", {"query": query, "results": results})
