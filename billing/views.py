"""Desk and portal pages for fee collection. Views parse input, call one service or selector, and
respond; every object comes through `visible_to(request.user)`, so out-of-scope ones are 404."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import exports, receipts_pdf, selectors, services
from billing.filters import BillFilter, PaymentFilter
from billing.forms import (
    CallOutcomeForm,
    DepositForm,
    DepositRefundForm,
    GenerateBillsForm,
    PaymentForm,
    ReasonForm,
    RefundForm,
)
from billing.latefees import late_fees_for
from billing.models import Bill, DepositAccount, Meter, Payment, PaymentMethod
from billing.workflows import BILL, PAYMENT
from residents.models import Building, Unit
from residents.selectors import estates_visible_to
from residents.services import TaskNotFound
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.paging import paginate, paginate_light
from servicecenter.periods import month_start, parse_month
from servicecenter.portal import portal_page
from servicecenter.validators import parse_id, parse_reasonable_date

PAGE_SIZE = 25


def _int(value) -> int | None:
    return parse_id(value)


def _chosen_estate(request: HttpRequest):
    """The estate a report is for: ?estate= among the user's estates, else their first."""
    estates = list(estates_visible_to(request.user).order_by("code"))
    if not estates:
        raise Http404(_("You have no estate."))
    wanted = _int(request.GET.get("estate"))
    chosen = next((e for e in estates if e.pk == wanted), None)
    if wanted and chosen is None:
        raise Http404(_("No such estate."))
    return chosen or estates[0], estates


def _unit_or_404(request: HttpRequest, pk) -> Unit:
    unit = (
        Unit.objects.visible_to(request.user).select_related("estate", "building").filter(pk=_int(pk)).first()
    )
    if unit is None:
        raise Http404(_("No such unit."))
    return unit


# --- Cashier ----------------------------------------------------------------------------------


@desk_page("billing.add_payment")
@require_GET
def unit_search(request: HttpRequest) -> JsonResponse:
    """Type-ahead for the cashier: units the clerk may see, with masked phones only."""
    results = selectors.search_units_for_cashier(user=request.user, query=request.GET.get("q", ""))
    return JsonResponse({"results": results})


def _cashier_context(request: HttpRequest, unit: Unit | None, form: PaymentForm | None = None) -> dict:
    query = request.GET.get("q", "").strip()
    context = {
        "query": query,
        "results": selectors.search_units_for_cashier(user=request.user, query=query)
        if query and unit is None
        else None,
        "unit": unit,
    }
    if unit is not None:
        today = timezone.localdate()
        account = selectors.unit_account(unit=unit, today=today, payments=5)
        # The late fee a payment today would charge, with its days, so the clerk can tell the payer.
        late_fees = late_fees_for(account.open_bills, on=today)
        for bill in account.open_bills:
            bill.late_fee = late_fees.get(bill.pk)
            bill.to_settle = bill.outstanding + (bill.late_fee.amount if bill.late_fee else 0)
        open_bills = (
            Bill.objects.filter(pk__in=[b.pk for b in account.open_bills])
            .select_related("charge_item")
            .order_by("due_date", "period", "pk")
        )
        context.update(
            account=account,
            late_fee_total=sum((f.amount for f in late_fees.values()), Decimal(0)),
            today=today,
            occupants=selectors.occupants_by_unit([unit.pk]).get(unit.pk, []),
            form=form or PaymentForm(open_bills=open_bills),
            checked=set(request.POST.getlist("bills")) if request.method == "POST" else set(),
        )
    return context


@desk_page("billing.add_payment")
@require_http_methods(["GET", "POST"])
def cashier(request: HttpRequest) -> HttpResponse:
    """Find the unit, see what is open, take a payment, print the receipt."""
    unit_id = request.POST.get("unit") if request.method == "POST" else request.GET.get("unit")
    unit = _unit_or_404(request, unit_id) if unit_id else None
    if request.method == "POST":
        if unit is None:
            raise Http404(_("No such unit."))
        open_bills = Bill.objects.unpaid().filter(unit=unit).select_related("charge_item")
        form = PaymentForm(request.POST, open_bills=open_bills)
        if form.is_valid():
            values = form.cleaned_data
            try:
                outcome = services.record_payment(
                    unit=unit,
                    amount=values["amount"],
                    method=values["method"],
                    actor=request.user,
                    bill_ids=[b.pk for b in values["bills"]],
                    idempotency_key=values["idempotency_key"],
                    payer_name=values["payer_name"],
                    reference=values["reference"],
                    note=values["note"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                if outcome.created:
                    messages.success(request, _("Payment recorded."))
                else:
                    messages.info(request, _("This payment had already been recorded; here is its receipt."))
                return redirect("billing:receipt", pk=outcome.payment.pk)
        return render(request, "billing/cashier.html", _cashier_context(request, unit, form), status=400)
    return render(request, "billing/cashier.html", _cashier_context(request, unit))


def _payment_or_404(request: HttpRequest, pk: int) -> Payment:
    try:
        return selectors.payment_for_page(user=request.user, pk=pk)
    except Payment.DoesNotExist:
        raise Http404(_("No such payment.")) from None


@desk_page("billing.view_payment")
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_or_404(request, pk)
    if payment.receipt_id is None:
        raise Http404(_("Payments from the prepaid balance have no receipt."))
    return render(request, "billing/receipt.html", exports.receipt_context(payment))


@desk_page("billing.view_payment")
@require_GET
def receipt_download(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_or_404(request, pk)
    return _receipt_pdf_response(payment)


def _receipt_pdf_response(payment: Payment) -> HttpResponse:
    if payment.receipt_id is None:
        raise Http404(_("Payments from the prepaid balance have no receipt."))
    response = HttpResponse(receipts_pdf.receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipts_pdf.receipt_filename(payment)}"'
    return response


@desk_page("billing.view_payment")
@require_GET
def payment_list(request: HttpRequest) -> HttpResponse:
    filterset = PaymentFilter(request.GET, queryset=selectors.payments_for_list(user=request.user))
    page = paginate(request, filterset.qs, per_page=PAGE_SIZE)
    return render(
        request,
        "billing/payment_list.html",
        {"page": page, "filter": filterset.form, "querystring": querystring(request)},
    )


@desk_page("billing.view_payment")
@require_GET
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_or_404(request, pk)
    return render(
        request,
        "billing/payment_detail.html",
        {
            "payment": payment,
            # The buttons: what the payment workflow allows this user on this payment now.
            "actions": {a.name for a in PAYMENT.available(payment, request.user)},
            "void_form": ReasonForm(),
            "refund_form": RefundForm(initial={"refund_method": payment.method}),
        },
    )


@desk_page(PAYMENT.action("void").permission)
@require_POST
def payment_void(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_or_404(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason; it is kept with the record."))
        return redirect("billing:payment_detail", pk=pk)
    try:
        services.void_payment(payment=payment, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The payment was voided."))
    return redirect("billing:payment_detail", pk=pk)


@desk_page(PAYMENT.action("refund").permission)
@require_POST
def payment_refund(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_or_404(request, pk)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason and how the money is given back."))
        return redirect("billing:payment_detail", pk=pk)
    try:
        services.refund_payment(
            payment=payment,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            refund_method=form.cleaned_data["refund_method"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The payment was refunded."))
    return redirect("billing:payment_detail", pk=pk)


# --- Bills ------------------------------------------------------------------------------------


@desk_page("billing.view_bill")
@require_GET
def bill_list(request: HttpRequest) -> HttpResponse:
    filterset = BillFilter(request.GET, queryset=selectors.bills_for_list(user=request.user))
    # A million bills: counting every match cost more than the page (issue #16); up to a cap.
    page = paginate_light(request, filterset.qs, per_page=PAGE_SIZE)
    return render(
        request,
        "billing/bill_list.html",
        {
            "page": page,
            "filter": filterset.form,
            "querystring": querystring(request),
            "estates": estates_visible_to(request.user).order_by("code"),
            "statuses": Bill.Status.choices,
            "today": timezone.localdate(),
        },
    )


@desk_page("billing.view_bill")
@require_GET
def bill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        bill = selectors.bill_for_page(user=request.user, pk=pk)
    except Bill.DoesNotExist:
        raise Http404(_("No such bill.")) from None
    return render(
        request,
        "billing/bill_detail.html",
        {
            "bill": bill,
            # The buttons: what the bill workflow allows this user on this bill now.
            "actions": {a.name for a in BILL.available(bill, request.user)},
            "reason_form": ReasonForm(),
            "today": timezone.localdate(),
        },
    )


def _bill_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    bill = get_object_or_404(Bill.objects.visible_to(request.user), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason; it is kept with the record."))
        return redirect("billing:bill_detail", pk=pk)
    try:
        action(bill=bill, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("billing:bill_detail", pk=pk)


@desk_page(BILL.action("void").permission)
@require_POST
def bill_void(request: HttpRequest, pk: int) -> HttpResponse:
    return _bill_action(request, pk, services.void_bill, _("The bill was voided."))


@desk_page(BILL.action("write_off").permission)
@require_POST
def bill_write_off(request: HttpRequest, pk: int) -> HttpResponse:
    return _bill_action(request, pk, services.write_off_bill, _("The bill was written off."))


@desk_page(BILL.action("waive_late_fee").permission)
@require_POST
def bill_waive_late_fee(request: HttpRequest, pk: int) -> HttpResponse:
    return _bill_action(request, pk, services.waive_late_fee, _("The late fee was waived."))


@desk_page("billing.generate_bills")
@require_http_methods(["GET", "POST"])
def generate(request: HttpRequest) -> HttpResponse:
    """The button behind the monthly schedule: issue a month's bills now (safe to press twice)."""
    estates = estates_visible_to(request.user).order_by("code")
    form = GenerateBillsForm(
        request.POST or None, estates=estates, initial={"period": f"{timezone.localdate():%Y-%m}"}
    )
    if request.method == "POST" and form.is_valid():
        result = services.generate_bills(
            estate=form.cleaned_data["estate"], period=form.cleaned_data["period"], actor=request.user
        )
        messages.success(
            request,
            _("%(created)s bills issued for %(period)s; %(existing)s were already there.")
            % {
                "created": result.created,
                "period": f"{result.period:%Y-%m}",
                "existing": result.already_billed,
            },
        )
        if result.items_without_rate:
            messages.warning(
                request,
                _("No rate in effect, not billed: %(items)s.")
                % {"items": ", ".join(result.items_without_rate)},
            )
        return redirect("billing:generate")
    return render(request, "billing/generate.html", {"form": form})


# --- Arrears, calls, escalations, letters -----------------------------------------------------


@desk_page("billing.view_billing_reports")
@require_GET
def arrears(request: HttpRequest) -> HttpResponse:
    estate, estates = _chosen_estate(request)
    today = timezone.localdate()
    building_id = _int(request.GET.get("building"))
    # Asked once: the report and the list then read the same source.
    from_summary = selectors.summary_is_current(estate=estate, today=today)
    report = selectors.arrears_report(estate=estate, today=today, from_summary=from_summary)
    units = selectors.arrears_by_unit(
        estate=estate, today=today, building_id=building_id, from_summary=from_summary
    )
    page = paginate(request, units, per_page=PAGE_SIZE)
    for row in page.object_list:
        selectors.money_values(row)
    return render(
        request,
        "billing/arrears.html",
        {
            "estate": estate,
            "estates": estates,
            "report": report,
            "page": page,
            "building_id": building_id,
            "buckets": selectors.AGEING_BUCKETS,
            "querystring": querystring(request),
        },
    )


@desk_page("billing.record_call_outcome")
@require_GET
def calls(request: HttpRequest) -> HttpResponse:
    """The housekeeper's fee-collection calls (their own; managers see all in their estates)."""
    # Housekeepers see their own calls; supervisors and managers may look at everyone's.
    mine = request.GET.get("all") != "1" or not request.user.has_perm("billing.view_billing_reports")
    rows = selectors.call_tasks_for(user=request.user, assigned_to=request.user if mine else None)
    page = paginate(request, rows, per_page=PAGE_SIZE)
    latest = selectors.latest_calls_by_unit([row["unit_id"] for row in page.object_list])
    for row in page.object_list:
        selectors.money_values(row)
        row["latest_call"] = latest.get(row["unit_id"])
    return render(
        request,
        "billing/calls.html",
        {"page": page, "mine": mine, "form": CallOutcomeForm(), "querystring": querystring(request)},
    )


@desk_page("billing.record_call_outcome")
@require_POST
def call_outcome(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit_or_404(request, unit_id)
    form = CallOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the outcome of the call."))
        return redirect("billing:calls")
    try:
        services.record_call_outcome(unit=unit, actor=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Call to %(unit)s recorded.") % {"unit": unit.code})
    return redirect("billing:calls")


@never_cache
@desk_page("billing.record_call_outcome")
@require_POST
def call_dial(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Dial the payer of a unit on the fee-collection call list; logged with the call as purpose."""
    unit = _unit_or_404(request, unit_id)
    try:
        call = services.call_for_fee(
            actor=request.user, unit=unit, ip_address=request.META.get("REMOTE_ADDR")
        )
    except TaskNotFound:
        raise Http404(_("No such unit.")) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("billing:calls")
    # Rendered, not redirected: the number must not travel in a URL.
    return render(request, "call_dial.html", {"call": call, "back": reverse("billing:calls")})


@desk_page("billing.view_billing_reports")
@require_GET
def escalations(request: HttpRequest) -> HttpResponse:
    rows = selectors.escalations_for(user=request.user)
    page = paginate(request, rows, per_page=PAGE_SIZE)
    latest = selectors.latest_calls_by_unit([row["unit_id"] for row in page.object_list])
    for row in page.object_list:
        selectors.money_values(row)
        row["latest_call"] = latest.get(row["unit_id"])
    return render(request, "billing/escalations.html", {"page": page, "querystring": querystring(request)})


@desk_page("billing.view_reminder")
@require_GET
def letters(request: HttpRequest) -> HttpResponse:
    """Formal reminder letters (催缴单) for one building, printed in one batch."""
    estate, estates = _chosen_estate(request)
    buildings = list(Building.objects.visible_to(request.user).filter(estate=estate).order_by("code"))
    building = next((b for b in buildings if b.pk == _int(request.GET.get("building"))), None)
    if request.GET.get("building") and building is None:
        raise Http404(_("No such building."))
    today = timezone.localdate()
    batch = (
        selectors.reminder_letters(user=request.user, building=building, today=today) if building else None
    )
    return render(
        request,
        "billing/letters.html",
        {
            "estate": estate,
            "estates": estates,
            "buildings": buildings,
            "building": building,
            "letters": batch,
            "today": today,
        },
    )


# --- Journal and statement --------------------------------------------------------------------


@desk_page("billing.view_billing_reports")
@require_GET
def journal(request: HttpRequest) -> HttpResponse:
    estate, estates = _chosen_estate(request)
    day = parse_reasonable_date(request.GET.get("day")) or timezone.localdate()
    report = selectors.cash_journal(estate=estate, day=day)
    page = paginate(request, selectors.journal_payments(estate=estate, day=day), per_page=50)
    return render(
        request,
        "billing/journal.html",
        {
            "estate": estate,
            "estates": estates,
            "day": day,
            "report": report,
            "page": page,
            "querystring": querystring(request),
        },
    )


def _statement_args(request: HttpRequest):
    estate, estates = _chosen_estate(request)
    month = parse_month(request.GET.get("month", "")) or month_start(timezone.localdate())
    return estate, estates, month


@desk_page("billing.view_billing_reports")
@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    estate, estates, month = _statement_args(request)
    report = selectors.monthly_statement(estate=estate, month=month)
    return render(
        request,
        "billing/statement.html",
        {"estate": estate, "estates": estates, "month": month, "report": report},
    )


@desk_page("billing.view_billing_reports")
@require_GET
def statement_export(request: HttpRequest) -> HttpResponse:
    estate, _estates, month = _statement_args(request)
    content = exports.statement_workbook(estate=estate, month=month, today=timezone.localdate())
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="statement-{estate.code}-{month:%Y-%m}.xlsx"'
    return response


# --- Meter readings ---------------------------------------------------------------------------


@desk_page("billing.add_meterreading")
@require_http_methods(["GET", "POST"])
def meter_entry(request: HttpRequest) -> HttpResponse:
    """Enter one month's readings for every meter of one building."""
    estate, estates = _chosen_estate(request)
    buildings = list(Building.objects.visible_to(request.user).filter(estate=estate).order_by("code"))
    building = next((b for b in buildings if b.pk == _int(request.GET.get("building"))), None)
    kind = request.GET.get("kind") if request.GET.get("kind") in Meter.Kind.values else Meter.Kind.WATER
    period = parse_month(request.GET.get("period", "")) or month_start(timezone.localdate())
    meters = []
    errors: dict[int, str] = {}
    if building is not None:
        meters = list(
            Meter.objects.visible_to(request.user)
            .filter(unit__building=building, kind=kind, replaced_on__isnull=True)
            .select_related("unit")
            .order_by("unit__code")
        )
        if request.method == "POST":
            entries = [(m, request.POST.get(f"reading-{m.pk}", "")) for m in meters]
            reading_date = parse_reasonable_date(request.POST.get("reading_date"))
            result = services.record_meter_readings(
                entries=entries, period=period, actor=request.user, reading_date=reading_date
            )
            errors = result.errors
            if result.saved:
                messages.success(request, _("%(count)s readings saved.") % {"count": len(result.saved)})
            if not errors:
                return redirect(request.get_full_path())
        latest = selectors.latest_readings([m.pk for m in meters])
        for meter in meters:
            meter.latest = latest.get(meter.pk)
            meter.error = errors.get(meter.pk)
            meter.entered = request.POST.get(f"reading-{meter.pk}", "") if request.method == "POST" else ""
    return render(
        request,
        "billing/meter_entry.html",
        {
            "estate": estate,
            "estates": estates,
            "buildings": buildings,
            "building": building,
            "kind": kind,
            "kinds": Meter.Kind.choices,
            "period": period,
            "meters": meters,
            "today": timezone.localdate(),
        },
        status=400 if errors else 200,
    )


# --- Deposits ---------------------------------------------------------------------------------


def _deposits_page(request: HttpRequest, unit: Unit, *, form=None, refund_form=None, status=200):
    return render(
        request,
        "billing/deposits.html",
        {
            "unit": unit,
            "ledger": selectors.deposit_ledger(unit=unit),
            "form": form or DepositForm(),
            "refund_form": refund_form or DepositRefundForm(),
        },
        status=status,
    )


@desk_page("billing.view_depositaccount")
@require_http_methods(["GET", "POST"])
def deposits(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's deposit ledger (taken, deducted, refunded, held); the clerk takes a deposit here."""
    unit = _unit_or_404(request, unit_id)
    if request.method == "GET":
        return _deposits_page(request, unit)
    if not request.user.has_perm("billing.manage_deposits"):
        raise PermissionDenied
    form = DepositForm(request.POST)
    if form.is_valid():
        try:
            movement = services.receive_deposit(unit=unit, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Deposit received: receipt %(number)s.") % {"number": movement.receipt.number}
            )
            return redirect("billing:deposits", unit_id=unit.pk)
    return _deposits_page(request, unit, form=form, status=400)


@desk_page("billing.manage_deposits")
@require_POST
def deposit_refund(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(DepositAccount.objects.visible_to(request.user), pk=pk)
    form = DepositRefundForm(request.POST)
    if form.is_valid():
        try:
            services.refund_deposit(
                account=account,
                actor=request.user,
                method=form.cleaned_data["method"],
                deductions=form.deductions,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The deposit was settled."))
            return redirect("billing:deposits", unit_id=account.unit_id)
    unit = _unit_or_404(request, account.unit_id)
    return _deposits_page(request, unit, refund_form=form, status=400)


# --- Portal (residents) -----------------------------------------------------------------------


@portal_page
@require_GET
def portal_bills(request: HttpRequest) -> HttpResponse:
    bills = Bill.objects.visible_to(request.user).select_related("unit", "charge_item")
    show = request.GET.get("show", "open")
    bills = bills.unpaid() if show == "open" else bills.exclude(status=Bill.Status.VOID)
    summary = selectors.portal_bills_summary(request.user)
    # The open bills are the rows the summary counted: no second COUNT for the pages.
    count = summary["open_count"] if show == "open" else None
    page = paginate(request, bills.order_by("-period", "due_date", "pk"), per_page=20, count=count)
    return render(
        request,
        "portal/billing_bills.html",
        {
            "page": page,
            "show": show,
            "summary": summary,
            "today": timezone.localdate(),
            "querystring": querystring(request),
        },
    )


@portal_page
@require_GET
def portal_bill(request: HttpRequest, pk: int) -> HttpResponse:
    bill = get_object_or_404(
        Bill.objects.visible_to(request.user).select_related("unit", "charge_item", "estate"), pk=pk
    )
    allocations = bill.allocations.effective().select_related("payment", "payment__receipt").order_by("pk")
    return render(
        request,
        "portal/billing_bill.html",
        {"bill": bill, "allocations": allocations, "today": timezone.localdate()},
    )


@portal_page
@require_GET
def portal_payments(request: HttpRequest) -> HttpResponse:
    payments = (
        Payment.objects.visible_to(request.user)
        .filter(~Q(method=PaymentMethod.PREPAID) | Q(status=Payment.Status.POSTED))
        .select_related("unit", "receipt", "reversal")
        .order_by("-received_at", "-pk")
    )
    page = paginate(request, payments, per_page=20)
    balances = selectors.prepaid_balances_for(user=request.user)
    return render(request, "portal/billing_payments.html", {"page": page, "balances": balances})


@portal_page
@require_GET
def portal_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        payment = selectors.payment_for_page(user=request.user, pk=pk)
    except Payment.DoesNotExist:
        raise Http404(_("No such payment.")) from None
    if payment.receipt_id is None:
        raise Http404(_("Payments from the prepaid balance have no receipt."))
    return render(request, "portal/billing_receipt.html", exports.receipt_context(payment))


@portal_page
@require_GET
def portal_receipt_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        payment = selectors.payment_for_page(user=request.user, pk=pk)
    except Payment.DoesNotExist:
        raise Http404(_("No such payment.")) from None
    return _receipt_pdf_response(payment)
