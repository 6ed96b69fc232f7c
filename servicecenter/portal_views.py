from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from residents.models import Unit


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.visible_to(request.user).select_related("estate", "building")[:50]
    return render(request, "portal/home.html", {"units": units})
