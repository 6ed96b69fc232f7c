"""The visitor log's pages: the list (filters, paging, export), registering one (the form lives on
the desk's home page) and recording a departure."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk import selectors, services
from frontdesk.log_exports import visitors_workbook
from frontdesk.log_filters import VisitorFilter
from frontdesk.log_forms import VisitorForm, VisitorLeaveForm
from frontdesk.views._log_common import back_to, export_response, form_errors, list_page, run_service
from frontdesk.views.home import home_response
from servicecenter.desk import desk_page
from servicecenter.exceptions import DomainError

VIEW = "frontdesk.view_visitor"
LOG = "frontdesk.log_visitor"


@desk_page(VIEW)
@require_GET
def visitor_list(request: HttpRequest) -> HttpResponse:
    return list_page(
        request,
        "frontdesk/visitor_list.html",
        VisitorFilter,
        selectors.visitors_for_list(user=request.user),
        may_log=request.user.has_perm(LOG),
    )


@desk_page(VIEW)
@require_GET
def visitor_export(request: HttpRequest) -> HttpResponse:
    return export_response(
        request, VisitorFilter, selectors.visitors_for_list(user=request.user), visitors_workbook, "visitors"
    )


@desk_page(LOG)
@require_POST
def visitor_create(request: HttpRequest) -> HttpResponse:
    form = VisitorForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            visitor = services.register_visitor(
                actor=request.user,
                unit=data["unit"],
                name=data["name"],
                phone=data["phone"],
                purpose=data["purpose"],
                arrived_at=data["arrived_at"],
                notify_occupant=data["notify_occupant"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Visitor %(name)s registered.") % {"name": visitor.name})
            return redirect(reverse("frontdesk:home") + "#visitors")
    return home_response(request, status=400, visitor_form=form)


@desk_page(LOG)
@require_POST
def visitor_leave(request: HttpRequest, pk: int) -> HttpResponse:
    visitor = selectors.visitor_for_page(user=request.user, pk=pk)
    back = back_to(request, reverse("frontdesk:visitors"))
    form = VisitorLeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    return run_service(
        request,
        lambda: services.record_visitor_departure(
            visitor=visitor, actor=request.user, left_at=form.cleaned_data["left_at"]
        ),
        done=_("Departure of %(name)s recorded.") % {"name": visitor.name},
        back=back,
    )
