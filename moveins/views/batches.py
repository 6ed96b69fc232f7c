"""Bulk move-in pages: the batches, a batch's board (printable) with its slots, adding slots,
booking and cancelling appointments; the manager's spot checks; the warranty defect report (page
and Excel); the handover satisfaction figures. Views parse input, call one service and respond."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from moveins import exports, reports, services
from moveins.batch_forms import (
    BatchForm,
    BookForm,
    CancelBookingForm,
    EstateMonthForm,
    SlotsForm,
    SpotCheckForm,
    WarrantyReportForm,
)
from moveins.models import MoveIn, MoveInBatch, SpotCheck
from residents.models import Estate
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import InvalidPageNumber, light_page, paginate_light
from servicecenter.periods import month_bounds, month_start

PAGE_SIZE = 25
SLOTS_PER_PAGE = 40
VIEW_BATCH = "moveins.view_moveinbatch"
MANAGE_BATCHES = "moveins.manage_movein_batches"
HANDLE = "moveins.handle_movein"
SPOT_CHECK = "moveins.spot_check_movein"
WARRANTY = "moveins.view_warranty_report"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _error_text(error: Exception) -> str:
    if isinstance(error, DomainError):
        return error.message
    return str(error) or _("You are not allowed to do this.")


def _form_errors(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def _batch_or_404(request: HttpRequest, pk: int) -> MoveInBatch:
    batch = MoveInBatch.objects.visible_to(request.user).select_related("estate").filter(pk=pk).first()
    if batch is None:
        raise Http404(_("No such batch."))
    return batch


def _visible_estate(request: HttpRequest, value: str | None) -> Estate | None:
    if not (value or "").isascii() or not (value or "").isdigit():
        return None
    return Estate.objects.visible_to(request.user).filter(pk=int(value)).first()


# --- batches ------------------------------------------------------------------------------------


@desk_page(VIEW_BATCH)
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    """The batches of the user's estates, latest first; `?estate=` and `?running=1` narrow it."""
    estates = list(Estate.objects.visible_to(request.user).order_by("code"))
    estate = _visible_estate(request, request.GET.get("estate"))
    running = request.GET.get("running") == "1"
    rows = reports.batches_for_list(
        user=request.user, estate=estate, running_on=timezone.localdate() if running else None
    )
    page = paginate_light(request, rows, per_page=PAGE_SIZE)
    return render(
        request,
        "moveins/batches/batch_list.html",
        {
            "page": page,
            "estates": estates,
            "estate": estate,
            "running": running,
            "may_manage": request.user.has_perm(MANAGE_BATCHES),
            "querystring": querystring(request),
        },
    )


@desk_page(MANAGE_BATCHES)
@require_http_methods(["GET", "POST"])
def batch_create(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = BatchForm(request.POST if posted else None, user=request.user)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.create_batch(
                actor=request.user,
                estate=data["estate"],
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                buildings=data["buildings"],
                notes=data["notes"],
            )
        except (DomainError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Batch created. Add its appointment slots."))
            return redirect("moveins:batch", pk=batch.pk)
    return render(request, "moveins/batches/batch_form.html", {"form": form}, status=400 if posted else 200)


def _booked_move_ins(batch: MoveInBatch):
    """The batch's move-ins waiting for their appointment, earliest first."""
    return (
        MoveIn.objects.filter(batch=batch, status=MoveIn.Status.SCHEDULED, slot__isnull=False)
        .select_related("unit", "owner", "slot")
        .order_by("scheduled_for", "pk")
    )


@desk_page(VIEW_BATCH)
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's board (per building), its slots with the seats booked, the bookings, and the
    forms to add slots and to book a move-in."""
    batch = _batch_or_404(request, pk)
    slots = paginate_light(request, reports.slots_with_bookings(batch=batch), per_page=SLOTS_PER_PAGE)
    try:
        bookings = light_page(_booked_move_ins(batch), request.GET.get("bookings"), per_page=PAGE_SIZE)
    except InvalidPageNumber as error:
        raise Http404(error.message) from None
    if bookings.number > 1 and not bookings.object_list:
        raise Http404(_("That page does not exist.")) from None
    may_manage = request.user.has_perm(MANAGE_BATCHES)
    may_book = request.user.has_perm(HANDLE) or may_manage
    return render(
        request,
        "moveins/batches/batch_detail.html",
        {
            "batch": batch,
            "board": reports.batch_board(batch=batch),
            "buildings": list(batch.buildings.order_by("code")),
            "slots": slots,
            "page": slots,
            "bookings": bookings,
            "may_manage": may_manage,
            "may_book": may_book,
            "slots_form": SlotsForm(initial={"day": max(batch.starts_on, timezone.localdate())})
            if may_manage
            else None,
            "book_form": BookForm(batch=batch, user=request.user) if may_book else None,
            "spot_checks": reports.spot_check_status(estate=batch.estate, month=timezone.localdate())
            if request.user.has_perm(SPOT_CHECK)
            else None,
            "querystring": querystring(request),
        },
    )


@desk_page(VIEW_BATCH)
@require_GET
def batch_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The board on one printable page."""
    batch = _batch_or_404(request, pk)
    return render(
        request,
        "moveins/batches/batch_print.html",
        {"batch": batch, "board": reports.batch_board(batch=batch), "printed_at": timezone.localtime()},
    )


@desk_page(MANAGE_BATCHES)
@require_POST
def slots_add(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(request, pk)
    form = SlotsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("moveins:batch", pk=batch.pk)
    try:
        slots = services.add_slots(actor=request.user, batch=batch, **form.cleaned_data)
    except (DomainError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(count)s slots added.") % {"count": len(slots)})
    return redirect("moveins:batch", pk=batch.pk)


@desk_page(VIEW_BATCH)
@require_POST
def batch_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a move-in of the batch's estate into one of its slots."""
    if not (request.user.has_perm(HANDLE) or request.user.has_perm(MANAGE_BATCHES)):
        raise PermissionDenied
    batch = _batch_or_404(request, pk)
    form = BookForm(request.POST, batch=batch, user=request.user)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("moveins:batch", pk=batch.pk)
    try:
        move_in = services.book_slot(
            actor=request.user, move_in=form.cleaned_data["number"], slot=form.cleaned_data["slot"]
        )
    except (DomainError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(number)s booked for %(time)s.")
            % {
                "number": move_in.number,
                "time": f"{timezone.localtime(move_in.scheduled_for):%Y-%m-%d %H:%M}",
            },
        )
    return redirect("moveins:batch", pk=batch.pk)


@desk_page(VIEW_BATCH)
@require_POST
def batch_cancel_booking(request: HttpRequest, pk: int) -> HttpResponse:
    if not (request.user.has_perm(HANDLE) or request.user.has_perm(MANAGE_BATCHES)):
        raise PermissionDenied
    batch = _batch_or_404(request, pk)
    form = CancelBookingForm(request.POST, batch=batch)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("moveins:batch", pk=batch.pk)
    try:
        move_in = services.cancel_booking(actor=request.user, move_in=form.cleaned_data["move_in"])
    except (DomainError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("The appointment of %(number)s is cancelled.") % {"number": move_in.number}
        )
    return redirect("moveins:batch", pk=batch.pk)


# --- spot checks --------------------------------------------------------------------------------


def _estate_month(request: HttpRequest) -> EstateMonthForm:
    """The estate and month asked for, or the user's first estate and this month."""
    form = EstateMonthForm(request.GET or None, user=request.user)
    if not request.GET.get("estate") and not request.GET.get("month"):
        estate = form.fields["estate"].queryset.first()
        if estate is not None:
            form = EstateMonthForm(
                {"estate": estate.pk, "month": f"{timezone.localdate():%Y-%m}"}, user=request.user
            )
    return form


@desk_page(SPOT_CHECK)
@require_GET
def spot_check_list(request: HttpRequest) -> HttpResponse:
    """The month's spot checks of one estate: done against required, and the checks made."""
    form = _estate_month(request)
    status = None
    checks = SpotCheck.objects.none()
    if form.is_bound and form.is_valid():
        estate, month = form.cleaned_data["estate"], form.cleaned_data["month"]
        status = reports.spot_check_status(estate=estate, month=month)
        start, end = month_bounds(month)
        checks = (
            SpotCheck.objects.visible_to(request.user)
            .filter(estate=estate, checked_at__gte=start, checked_at__lt=end)
            .select_related("move_in", "move_in__unit", "checked_by")
            .order_by("-checked_at", "-pk")
        )
    page = paginate_light(request, checks, per_page=PAGE_SIZE)
    return render(
        request,
        "moveins/batches/spot_check_list.html",
        {
            "form": form,
            "status": status,
            "page": page,
            "record_form": SpotCheckForm(user=request.user),
            "querystring": querystring(request),
        },
    )


@desk_page(SPOT_CHECK)
@require_http_methods(["GET", "POST"])
def spot_check_create(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    initial = {"number": request.GET.get("number", "")[:30]} if not posted else None
    form = SpotCheckForm(request.POST if posted else None, user=request.user, initial=initial)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_spot_check(
                actor=request.user, move_in=data["number"], result=data["result"], findings=data["findings"]
            )
        except (DomainError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Spot check recorded."))
            return redirect("moveins:spot_checks")
    return render(
        request, "moveins/batches/spot_check_form.html", {"form": form}, status=400 if posted else 200
    )


# --- the warranty report ------------------------------------------------------------------------


def _warranty_form(request: HttpRequest) -> WarrantyReportForm:
    """The filters asked for, or the user's first estate from the start of the year to today."""
    form = WarrantyReportForm(request.GET or None, user=request.user)
    if not request.GET:
        estate = form.fields["estate"].queryset.first()
        today = timezone.localdate()
        if estate is not None:
            form = WarrantyReportForm(
                {"estate": estate.pk, "date_from": date(today.year, 1, 1), "date_to": today},
                user=request.user,
            )
    return form


@desk_page(WARRANTY)
@require_GET
def warranty_report_page(request: HttpRequest) -> HttpResponse:
    form = _warranty_form(request)
    report = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        report = reports.warranty_report(
            estate=data["estate"], date_from=data["date_from"], date_to=data["date_to"]
        )
    return render(
        request,
        "moveins/batches/warranty_report.html",
        {"form": form, "report": report, "querystring": querystring(request)},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@desk_page(WARRANTY)
@require_GET
def warranty_report_export(request: HttpRequest) -> HttpResponse:
    form = WarrantyReportForm(request.GET, user=request.user)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(reverse("moveins:warranty_report") + "?" + querystring(request))
    data = form.cleaned_data
    report = reports.warranty_report(
        estate=data["estate"], date_from=data["date_from"], date_to=data["date_to"]
    )
    response = HttpResponse(exports.warranty_workbook(report), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="warranty-{report.estate.code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.xlsx"'
    )
    return response


# --- figures ------------------------------------------------------------------------------------


# The centre's KPI readers (supervisor, manager, company) read these figures, as for tickets.
@desk_page("tickets.view_ticket_metrics")
@require_GET
def metrics_page(request: HttpRequest) -> HttpResponse:
    """业主接房满意率: the month's, per batch and per month over a year; the spot checks."""
    form = _estate_month(request)
    context: dict = {"form": form}
    if form.is_bound and form.is_valid():
        estate, month = form.cleaned_data["estate"], month_start(form.cleaned_data["month"])
        context.update(
            estate=estate,
            month=month,
            figures=reports.handover_satisfaction(estate=estate, month=month),
            overall=reports.handover_satisfaction(estate=estate),
            by_batch=reports.satisfaction_by_batch(estate=estate),
            by_month=reports.satisfaction_by_month(estate=estate, last=month),
            spot_checks=reports.spot_check_status(estate=estate, month=month),
        )
    return render(request, "moveins/batches/metrics.html", context)
