"""Special services in the resident portal: the estate's catalogue with prices, booking one (a
paid-service ticket, once per idempotency key) and the bookings made, each linking its ticket."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from relations.forms_services import SpecialServiceBookingForm
from relations.selectors.special_services import bookings_for, catalogue_for
from relations.services.special_services import book_special_service
from residents.models import Unit
from servicecenter.exceptions import DomainError
from servicecenter.portal import portal_page
from servicecenter.validators import parse_id


@portal_page
@require_GET
def portal_special_services(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "relations/portal/special_services.html",
        {
            "services": list(catalogue_for(user=request.user)[:100]),
            "bookings": list(bookings_for(user=request.user)[:20]),
        },
    )


@portal_page
@require_http_methods(["GET", "POST"])
def portal_special_service_book(request: HttpRequest) -> HttpResponse:
    """The booking form; `?service=` preselects a service of the catalogue."""
    services = catalogue_for(user=request.user)
    units = Unit.objects.visible_to(request.user).select_related("estate").order_by("estate_id", "code")
    initial = {}
    chosen = parse_id(request.GET.get("service"))
    if chosen is not None:
        initial["service"] = chosen
    form = SpecialServiceBookingForm(request.POST or None, services=services, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = book_special_service(
                actor=request.user,
                service=data["service"],
                unit=data["unit"],
                preferred_at=data["preferred_at"],
                notes=data["notes"],
                idempotency_key=data["idempotency_key"],
            )
        except (DomainError, PermissionDenied) as error:
            form.add_error(None, getattr(error, "message", None) or str(error))
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                _("Booked: %(service)s. Ticket %(number)s; the service centre will confirm the time.")
                % {"service": _(booking.service.name), "number": booking.ticket.number},
            )
            return redirect("portal:ticket_detail", pk=booking.ticket_id)
    return render(
        request,
        "relations/portal/special_service_book.html",
        {"form": form, "has_services": services.exists()},
        status=400 if request.method == "POST" else 200,
    )
