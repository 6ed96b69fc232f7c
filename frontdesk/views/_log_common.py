"""What the pages of the desk logs share: the filtered list, the .xlsx export, the timeline, the
page an action returns to, and a service call turned into a message."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from servicecenter.desk import querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.workflow import Workflow

PAGE_SIZE = 25


def form_errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def filtered(request: HttpRequest, filter_class, queryset):
    """The FilterSet bound to the query string and its rows (none when a filter is malformed)."""
    filterset = filter_class(request.GET, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    return filterset, rows


def list_page(request: HttpRequest, template: str, filter_class, queryset, **extra) -> HttpResponse:
    filterset, rows = filtered(request, filter_class, queryset)
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    context = {
        "page": page,
        "filter": filterset,
        "form": filterset.form,
        "querystring": querystring(request),
        "export_querystring": querystring(request, drop=("page",)),
        **extra,
    }
    return render(request, template, context, status=200 if filterset.is_valid() else 400)


def export_response(request: HttpRequest, filter_class, queryset, build: Callable, name: str) -> HttpResponse:
    from frontdesk.log_exports import xlsx_response

    filterset, rows = filtered(request, filter_class, queryset)
    if not filterset.is_valid():
        return HttpResponse(form_errors(filterset.form), status=400, content_type="text/plain; charset=utf-8")
    return xlsx_response(build(rows), name)


def timeline(events, workflow: Workflow) -> list[dict]:
    rows = []
    for event in events:
        try:
            title = workflow.action(event.action).label
        except LookupError:
            title = event.action
        rows.append(
            {
                "created_at": event.created_at,
                "actor": event.actor,
                "title": title,
                "from_label": workflow.label(event.from_status) if event.from_status else "",
                "to_label": workflow.label(event.to_status) if event.to_status else "",
                "note": event.note,
            }
        )
    return rows


def back_to(request: HttpRequest, default: str) -> str:
    """Where an action posted from the desk's home page or a list returns: one of our own pages."""
    return reverse("frontdesk:home") if request.POST.get("next") == "home" else default


def run_service(request: HttpRequest, call: Callable, *, done: str, back: str) -> HttpResponse:
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
    except PermissionDenied as error:
        messages.error(request, str(error) or "403")
    else:
        messages.success(request, done)
    return redirect(back)


def require_action_permission(request: HttpRequest, workflow: Workflow, action: str) -> None:
    permission = workflow.action(action).permission
    if permission is None or not request.user.has_perm(permission):
        raise PermissionDenied
