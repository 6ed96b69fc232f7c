"""Invoice request pages: the clerk's queue, one request with the issue and reject forms, the
desk's request for a resident, and the resident's own page in the portal."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk import selectors
from frontdesk.forms import InvoiceQueueFilterForm, InvoiceRequestForm, IssueForm, RejectForm
from frontdesk.log_exports import invoice_requests_workbook, xlsx_response
from frontdesk.models import InvoiceRequest
from frontdesk.services import invoices as services
from frontdesk.views._common import PAGE_SIZE, error_text, form_errors, unit_from_query
from frontdesk.workflows import INVOICE_REQUEST
from residents.models import Unit, resident_bill_unit_ids
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate_light
from servicecenter.portal import portal_page

VIEW = "frontdesk.view_invoicerequest"
ACTION_FORMS = {"issue": IssueForm, "reject": RejectForm}


def _filtered_requests(request: HttpRequest) -> tuple[InvoiceQueueFilterForm, object, list[str]]:
    data = request.GET.copy()
    data.setdefault("status", InvoiceRequest.Status.REQUESTED)
    form = InvoiceQueueFilterForm(data)
    if not form.is_valid():
        return form, InvoiceRequest.objects.none(), [form_errors(form)]
    rows = selectors.invoice_requests_for_list(user=request.user, status=form.cleaned_data["status"])
    code = form.cleaned_data["unit"].strip()
    if code:
        rows = rows.filter(unit__code=code)
    return form, rows, []


@desk_page(VIEW)
@require_GET
def invoice_queue(request: HttpRequest) -> HttpResponse:
    """Open requests first and oldest first, until each is issued or rejected."""
    form, rows, errors = _filtered_requests(request)
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "frontdesk/invoice_queue.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring(request),
            "export_querystring": querystring(request, drop=("page",)),
            "errors": errors,
        },
    )


@desk_page(VIEW)
@require_GET
def invoice_export(request: HttpRequest) -> HttpResponse:
    """The queue as filtered on the page, as an .xlsx workbook."""
    form, rows, errors = _filtered_requests(request)
    if errors:
        return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")
    return xlsx_response(invoice_requests_workbook(rows), "invoice-requests")


@desk_page(VIEW)
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.invoice_request_for_page(user=request.user, pk=pk)
    if obj is None:
        raise Http404(_("No such invoice request."))
    actions = [
        {"name": a.name, "label": a.label, "form": ACTION_FORMS[a.name]()}
        for a in INVOICE_REQUEST.available(obj, request.user)
    ]
    return render(request, "frontdesk/invoice_detail.html", {"r": obj, "actions": actions})


@desk_page(VIEW)
@require_POST
def invoice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404(_("No such action."))
    obj = InvoiceRequest.objects.visible_to(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("No such invoice request."))
    if not INVOICE_REQUEST.may(obj, action, request.user):
        raise PermissionDenied
    form = ACTION_FORMS[action](request.POST)
    back = reverse("frontdesk:invoice_detail", args=[pk])
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(back)
    try:
        INVOICE_REQUEST.action(action).performer()(request=obj, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error_text(error))
        return redirect(back)
    messages.success(request, _("Done: %(action)s.") % {"action": INVOICE_REQUEST.action(action).label})
    return redirect("frontdesk:invoices")


def _submit(
    request: HttpRequest, unit: Unit, bills: list
) -> tuple[InvoiceRequestForm, InvoiceRequest | None, str]:
    form = InvoiceRequestForm(request.POST, bills=bills)
    if not form.is_valid():
        return form, None, form_errors(form)
    data = form.cleaned_data
    try:
        created = services.request_invoice(
            actor=request.user,
            unit=unit,
            bill_ids=data["bills"],
            title=data["title"],
            tax_number=data["tax_number"],
            email=data["email"],
            idempotency_key=data["idempotency_key"],
        )
    except DomainError as error:
        return form, None, error_text(error)
    return form, created, ""


@desk_page(services.REQUEST_PERM)
@require_http_methods(["GET", "POST"])
def invoice_create(request: HttpRequest) -> HttpResponse:
    """The desk asks for an invoice on a resident's behalf."""
    unit, unit_error = unit_from_query(request, Unit.objects.visible_to(request.user))
    bills = selectors.invoiceable_bills(user=request.user, unit=unit) if unit else []
    errors = [unit_error] if unit_error else []
    form = InvoiceRequestForm(initial={"idempotency_key": uuid.uuid4().hex}, bills=bills)
    if request.method == "POST":
        if unit is None:
            raise Http404(_("Choose the unit first."))
        form, created, error = _submit(request, unit, bills)
        if created is not None:
            messages.success(request, _("Invoice request registered."))
            return redirect("frontdesk:invoice_detail", pk=created.pk)
        errors.append(error)
    return render(
        request,
        "frontdesk/invoice_form.html",
        {"unit": unit, "bills": bills, "form": form, "errors": errors, "code": request.GET.get("code", "")},
        status=400 if request.method == "POST" else 200,
    )


@portal_page
@require_http_methods(["GET", "POST"])
def portal_invoice_requests(request: HttpRequest) -> HttpResponse:
    """The resident's invoice requests and the form to ask for one (the units whose bills they see)."""
    units = list(
        Unit.objects.filter(pk__in=resident_bill_unit_ids(request.user))
        .select_related("estate")
        .order_by("code")
    )
    unit = units[0] if len(units) == 1 else None
    chosen = request.GET.get("unit") or request.POST.get("unit")
    if chosen:
        unit = next((u for u in units if str(u.pk) == chosen), None)
        if unit is None:
            raise Http404(_("No such unit."))
    bills = selectors.invoiceable_bills(user=request.user, unit=unit) if unit else []
    form = InvoiceRequestForm(initial={"idempotency_key": uuid.uuid4().hex}, bills=bills)
    errors = []
    if request.method == "POST":
        if unit is None:
            raise Http404(_("Choose the unit first."))
        form, created, error = _submit(request, unit, bills)
        if created is not None:
            messages.success(request, _("Your invoice request has been sent to the service centre."))
            return redirect("portal:invoice_requests")
        errors.append(error)
    rows = selectors.invoice_requests_for_list(user=request.user).order_by("-requested_at", "-pk")
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "frontdesk/portal_invoices.html",
        {"units": units, "unit": unit, "bills": bills, "form": form, "errors": errors, "page": page},
        status=400 if errors else 200,
    )
