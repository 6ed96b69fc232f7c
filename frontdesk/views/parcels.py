"""Parcel pages: the list (filters, paging, export), logging a parcel (the form lives on the
desk's home page), the parcel's page with its timeline, and picking up or returning it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk import selectors, services
from frontdesk.log_exports import parcels_workbook
from frontdesk.log_filters import ParcelFilter
from frontdesk.log_forms import ParcelForm, PickUpForm, ReturnForm
from frontdesk.views._log_common import (
    back_to,
    export_response,
    form_errors,
    list_page,
    require_action_permission,
    run_service,
    timeline,
)
from frontdesk.views.home import home_response
from frontdesk.workflows import PARCEL
from servicecenter.desk import desk_page
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate
from servicecenter.portal import portal_page

VIEW = "frontdesk.view_parcel"
HANDLE = "frontdesk.handle_parcel"
# URL slug → the workflow's action and its form.
PORTAL_PAGE_SIZE = 20
ACTIONS = {"pick-up": ("pick_up", PickUpForm), "return": ("return", ReturnForm)}


@desk_page(VIEW)
@require_GET
def parcel_list(request: HttpRequest) -> HttpResponse:
    return list_page(
        request,
        "frontdesk/parcel_list.html",
        ParcelFilter,
        selectors.parcels_for_list(user=request.user),
        may_handle=request.user.has_perm(HANDLE),
    )


@desk_page(VIEW)
@require_GET
def parcel_export(request: HttpRequest) -> HttpResponse:
    return export_response(
        request, ParcelFilter, selectors.parcels_for_list(user=request.user), parcels_workbook, "parcels"
    )


@desk_page(HANDLE)
@require_POST
def parcel_create(request: HttpRequest) -> HttpResponse:
    form = ParcelForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            parcel = services.log_parcel(
                actor=request.user,
                unit=data["unit"],
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                recipient_name=data["recipient_name"],
                notify_resident=data["notify_resident"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Parcel %(number)s logged.") % {"number": parcel.tracking_number})
            return redirect(reverse("frontdesk:home") + "#parcels")
    return home_response(request, status=400, parcel_form=form)


@desk_page(VIEW)
@require_GET
def parcel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    parcel = selectors.parcel_for_page(user=request.user, pk=pk)
    return render(
        request,
        "frontdesk/parcel_detail.html",
        {
            "parcel": parcel,
            "actions": [a.name for a in PARCEL.available(parcel, request.user)],
            "events": timeline(selectors.parcel_events(parcel), PARCEL),
        },
    )


@desk_page(VIEW)
@require_POST
def parcel_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    name, form_class = ACTIONS[action]
    parcel = selectors.parcel_for_page(user=request.user, pk=pk)
    require_action_permission(request, PARCEL, name)
    back = back_to(request, reverse("frontdesk:parcel", args=[pk]))
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    data = form.cleaned_data
    if name == "pick_up":

        def call():
            return services.pick_up_parcel(
                parcel=parcel, actor=request.user, collected_by=data["collected_by"]
            )

        done = _("Parcel %(number)s picked up.") % {"number": parcel.tracking_number}
    else:

        def call():
            return services.return_parcel(parcel=parcel, actor=request.user, note=data["note"])

        done = _("Parcel %(number)s returned to the carrier.") % {"number": parcel.tracking_number}
    return run_service(request, call, done=done, back=back)


# --- the resident portal ------------------------------------------------------------------------


@portal_page
@require_GET
def portal_parcels(request: HttpRequest) -> HttpResponse:
    """The parcels of the units the resident occupies today (`visible_to`), newest first."""
    parcels = selectors.parcels_for_list(user=request.user).order_by("-received_at", "-pk")
    return render(
        request,
        "frontdesk/portal_parcels.html",
        {"page": paginate(request, parcels, per_page=PORTAL_PAGE_SIZE)},
    )
