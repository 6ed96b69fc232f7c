"""The desk's landing page (/desk/): one screen with the fast forms of the visitor, lost-and-found
and parcel logs and their latest entries. Other desk pages are linked into it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from frontdesk import selectors
from frontdesk.log_forms import CARRIERS, LostItemForm, ParcelForm, VisitorForm
from residents.models import Estate
from servicecenter.desk import desk_page
from servicecenter.panels import desk_tiles

HOME_PERMISSION = "frontdesk.view_visitor"


def home_response(request: HttpRequest, *, status: int = 200, **bound) -> HttpResponse:
    """The landing page, with a form the user just posted (and its errors) in place of a blank one."""
    user = request.user
    estates = list(Estate.objects.visible_to(user).order_by("code"))
    forms = {
        "visitor_form": bound.get("visitor_form") or VisitorForm(user=user, estates=estates),
        "lost_form": bound.get("lost_form") or LostItemForm(user=user, estates=estates),
        "parcel_form": bound.get("parcel_form") or ParcelForm(user=user, estates=estates),
    }
    active = next(
        (key.split("_")[0] for key in ("visitor_form", "lost_form", "parcel_form") if key in bound), ""
    )
    context = {
        **forms,
        "active": active,
        "carriers": CARRIERS,
        "visitors": selectors.visitors_inside(user=user),
        "lost_items": selectors.latest_lost_items(user=user),
        "parcels": selectors.parcels_at_desk(user=user),
        "show_estate": len(estates) > 1,
        "may_log_visitor": user.has_perm("frontdesk.log_visitor"),
        "may_handle_lost": user.has_perm("frontdesk.handle_lost_item"),
        "may_handle_parcel": user.has_perm("frontdesk.handle_parcel"),
        "tiles": desk_tiles(user),
        "may_search_knowledge": user.has_perm("frontdesk.view_knowledgeentry"),
    }
    return render(request, "frontdesk/home.html", context, status=status)


@desk_page(HOME_PERMISSION)
@require_GET
def desk_home(request: HttpRequest) -> HttpResponse:
    return home_response(request)
