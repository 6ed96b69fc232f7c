"""Pages of quality supervision and incidents (supervisors, managers; the company reads): the
rectification orders with their deadlines, the incident log and one incident's timeline."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from servicecenter.desk import desk_page
from servicecenter.paging import paginate
from staff import selectors_quality as selectors
from staff.models import RectificationOrder
from staff.workflows import RECTIFICATION


@desk_page("staff.view_rectificationorder")
def order_list(request: HttpRequest) -> HttpResponse:
    orders = selectors.orders_for(request.user).select_related("estate")
    status = request.GET.get("status", "")
    if status in RectificationOrder.Status.values:
        orders = orders.filter(status=status)
    page = paginate(request, orders.order_by("deadline", "pk"), per_page=30)
    return render(
        request,
        "staff/quality/order_list.html",
        {
            "page": page,
            "statuses": RectificationOrder.Status.choices,
            "status": status,
            "workflow": RECTIFICATION,
        },
    )


@desk_page("staff.view_incident")
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = selectors.incidents_for(request.user).select_related("estate")
    page = paginate(request, incidents, per_page=30)
    return render(request, "staff/quality/incident_list.html", {"page": page})


@desk_page("staff.view_incident")
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(selectors.incidents_for(request.user).select_related("estate"), pk=pk)
    return render(request, "staff/quality/incident_detail.html", {"incident": incident})
