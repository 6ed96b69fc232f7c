"""Notice pages: the desk's list, form and detail with read counts; the portal's notices page and
one notice (opening it records the read receipt). Every notice is fetched through
`visible_to(request.user)`: another estate's (or, for a resident, another building's) is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relations.models import Notice
from relations.notice_forms import NoteForm, NoticeFilterForm, NoticeForm
from relations.selectors import notices as selectors
from relations.services import notices as services
from relations.workflows import NOTICE
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.portal import portal_page

PAGE_SIZE = 25
VIEW = "relations.view_notice"


def form_errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


@desk_page(VIEW)
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    form = NoticeFilterForm(request.GET, user=request.user)
    errors = []
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.NoticeFilters(
            status=data["status"],
            estate=data["estate"].pk if data["estate"] else None,
            urgent_only=data["urgent"],
            current_on=timezone.localdate() if data["current"] else None,
            q=data["q"].strip(),
        )
        rows = selectors.notices_for_desk_list(user=request.user, filters=filters)
    else:
        errors = [form_errors(form)]
        rows = Notice.objects.none()
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "relations/notices/notice_list.html",
        {"page": page, "form": form, "errors": errors, "querystring": querystring(request)},
        status=200 if not errors else 400,
    )


def _save(request: HttpRequest, form: NoticeForm, notice: Notice | None):
    data = form.cleaned_data
    values = {
        "title": data["title"],
        "body": data["body"],
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "is_urgent": data["is_urgent"],
        "buildings": data["buildings"],
    }
    if notice is None:
        return services.create_notice(actor=request.user, estate=data["estate"], **values)
    return services.update_notice(notice=notice, actor=request.user, **values)


def _form_page(request: HttpRequest, notice: Notice | None) -> HttpResponse:
    posted = request.method == "POST"
    initial = {}
    if notice is not None:
        initial = {
            "estate": notice.estate,
            "buildings": list(notice.buildings.all()),
            "title": notice.title,
            "body": notice.body,
            "start_date": notice.start_date,
            "end_date": notice.end_date,
            "is_urgent": notice.is_urgent,
        }
    form = NoticeForm(request.POST if posted else None, user=request.user, initial=initial)
    if notice is not None:
        form.fields["estate"].disabled = True
    if posted and form.is_valid():
        try:
            saved = _save(request, form, notice)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Notice saved."))
            return redirect("relations:notice_detail", pk=saved.pk)
    return render(
        request,
        "relations/notices/notice_form.html",
        {"form": form, "notice": notice},
        status=400 if posted else 200,
    )


@desk_page("relations.add_notice")
@require_http_methods(["GET", "POST"])
def notice_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@desk_page("relations.change_notice")
@require_http_methods(["GET", "POST"])
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, selectors.notice_for_page(user=request.user, pk=pk))


def _timeline(notice: Notice) -> list:
    events = list(notice.events.select_related("actor"))
    for event in events:
        action = NOTICE.by_name.get(event.action)
        event.title = (
            str(action.label)
            if action
            else {"create": _("Written"), "edit": _("Edited")}.get(event.action, event.action)
        )
    return events


@desk_page(VIEW)
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_for_page(user=request.user, pk=pk)
    return render(
        request,
        "relations/notices/notice_detail.html",
        {
            "notice": notice,
            "counts": selectors.read_counts(notice),
            "actions": NOTICE.available(notice, request.user),
            "events": _timeline(notice),
            "may_edit": request.user.has_perm("relations.change_notice")
            and notice.status != Notice.Status.WITHDRAWN,
        },
    )


def _act(request: HttpRequest, pk: int, action: str, service) -> HttpResponse:
    notice = selectors.notice_for_page(user=request.user, pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            service(notice=notice, actor=request.user, note=form.cleaned_data["note"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": NOTICE.action(action).label})
    return redirect("relations:notice_detail", pk=pk)


@desk_page("relations.publish_notice")
@require_POST
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "publish", services.publish_notice)


@desk_page("relations.publish_notice")
@require_POST
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "withdraw", services.withdraw_notice)


# --- the resident portal ------------------------------------------------------------------------


@portal_page
@require_GET
def portal_notice_list(request: HttpRequest) -> HttpResponse:
    page = paginate_light(
        request, selectors.notices_for_resident(user=request.user), per_page=20, count=False
    )
    return render(request, "relations/notices/portal_list.html", {"page": page})


@portal_page
@require_GET
def portal_notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_for_page(user=request.user, pk=pk)
    services.record_notice_read(notice=notice, user=request.user)
    return render(request, "relations/notices/portal_detail.html", {"notice": notice})
