"""Lost and found pages: the list (filters, paging, export), logging an item (the form lives on
the desk's home page), the item's page with its photo, timeline and the actions the workflow
offers (claim, dispose)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk import selectors, services
from frontdesk.log_exports import lost_items_workbook
from frontdesk.log_filters import LostItemFilter
from frontdesk.log_forms import ClaimForm, DisposeForm, LostItemForm
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
from frontdesk.workflows import LOST_ITEM
from servicecenter.desk import desk_page
from servicecenter.exceptions import DomainError
from servicecenter.uploads import serve_private_file

VIEW = "frontdesk.view_lostitem"
HANDLE = "frontdesk.handle_lost_item"
ACTION_FORMS = {"claim": ClaimForm, "dispose": DisposeForm}


@desk_page(VIEW)
@require_GET
def lost_item_list(request: HttpRequest) -> HttpResponse:
    return list_page(
        request,
        "frontdesk/lost_item_list.html",
        LostItemFilter,
        selectors.lost_items_for_list(user=request.user),
    )


@desk_page(VIEW)
@require_GET
def lost_item_export(request: HttpRequest) -> HttpResponse:
    return export_response(
        request,
        LostItemFilter,
        selectors.lost_items_for_list(user=request.user),
        lost_items_workbook,
        "lost-and-found",
    )


@desk_page(HANDLE)
@require_POST
def lost_item_create(request: HttpRequest) -> HttpResponse:
    form = LostItemForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = services.log_lost_item(
                actor=request.user,
                estate=data["estate"],
                description=data["description"],
                found_place=data["found_place"],
                found_at=data["found_at"],
                handed_in_by=data["handed_in_by"],
                storage_place=data["storage_place"],
                photo=data["photo"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Item logged: %(item)s.") % {"item": item.description})
            return redirect(reverse("frontdesk:home") + "#lost")
    return home_response(request, status=400, lost_form=form)


@desk_page(VIEW)
@require_GET
def lost_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.lost_item_for_page(user=request.user, pk=pk)
    return render(
        request,
        "frontdesk/lost_item_detail.html",
        {
            "item": item,
            "actions": [a.name for a in LOST_ITEM.available(item, request.user)],
            "action_labels": {a.name: a.label for a in LOST_ITEM.user_actions()},
            "events": timeline(selectors.lost_item_events(item), LOST_ITEM),
            "claim_form": ClaimForm(),
            "dispose_form": DisposeForm(),
        },
    )


@desk_page(VIEW)
@require_GET
def lost_item_photo(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.lost_item_for_page(user=request.user, pk=pk)
    if not item.photo:
        raise Http404(_("No such file."))
    return serve_private_file(
        item.photo, content_type=item.photo_content_type, download_name=f"lost-item-{item.pk}"
    )


@desk_page(VIEW)
@require_POST
def lost_item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404
    item = selectors.lost_item_for_page(user=request.user, pk=pk)
    require_action_permission(request, LOST_ITEM, action)
    back = back_to(request, reverse("frontdesk:lost_item", args=[pk]))
    form = ACTION_FORMS[action](request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    data = form.cleaned_data
    if action == "claim":

        def call():
            return services.claim_lost_item(
                item=item,
                actor=request.user,
                claimant_name=data["claimant_name"],
                claimant_phone=data["claimant_phone"],
                id_number=data["id_number"],
                note=data["note"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )

        done = _("Handed over to %(name)s.") % {"name": data["claimant_name"]}
    else:

        def call():
            return services.dispose_lost_item(item=item, actor=request.user, note=data["note"])

        done = _("The item is recorded as disposed of.")
    return run_service(request, call, done=done, back=back)
