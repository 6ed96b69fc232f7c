from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from residents.models import Unit
from servicecenter.panels import render_portal_panels
from servicecenter.portal import portal_page


@portal_page
def portal_home(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.visible_to(request.user).select_related("estate", "building")[:50]
    return render(
        request, "portal/home.html", {"units": units, "panels": render_portal_panels(request, request.user)}
    )
