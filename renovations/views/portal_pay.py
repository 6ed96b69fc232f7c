"""The resident pays their renovation's deposit online (the rest of the renovation portal is in
its own module)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from renovations.models import Renovation
from renovations.services.deposit_online import pay_deposit_online
from servicecenter.exceptions import DomainError
from servicecenter.portal import portal_page


@portal_page
@require_POST
def deposit_pay(request: HttpRequest, pk: int) -> HttpResponse:
    renovation = get_object_or_404(Renovation.objects.visible_to(request.user), pk=pk)
    try:
        order = pay_deposit_online(
            renovation=renovation, user=request.user, idempotency_key=request.POST.get("idempotency_key", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("portal:home")
    return redirect(order.checkout_url)
