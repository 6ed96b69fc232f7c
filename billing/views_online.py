"""Online payment pages: the resident pays bills from the portal (grouped by month), comes back to
the order's page; the simulator's page; the gateway's public notify URL; the desk's order list,
order log and refund. Views parse input and call one service (`billing.services.online`)."""

from __future__ import annotations

import uuid
from collections import OrderedDict

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import selectors
from billing.gateway import get_gateway
from billing.gateway.simulator import SimulatorGateway, signed_notification
from billing.models import Bill, PaymentOrder, SimulatorCharge
from billing.services import online
from billing.workflows import PAYMENT_ORDER
from servicecenter.desk import desk_page, querystring
from servicecenter.exceptions import DomainError
from servicecenter.forms import MoneyFormField
from servicecenter.paging import paginate
from servicecenter.portal import portal_page
from servicecenter.validators import parse_id


def group_by_month(bills) -> list[dict]:
    """Open bills grouped by unit and month, newest month first, each with its total to pay."""
    groups: OrderedDict = OrderedDict()
    for bill in bills:
        key = (bill.period, bill.unit_id)
        group = groups.setdefault(key, {"period": bill.period, "unit": bill.unit, "bills": [], "total": 0})
        group["bills"].append(bill)
        group["total"] += bill.amount - bill.amount_paid
    return list(groups.values())


@portal_page
@require_http_methods(["GET", "POST"])
@never_cache
def portal_pay(request: HttpRequest) -> HttpResponse:
    """The open bills grouped by month (a phone's screen), with tick boxes, pay per month, pay all;
    a POST creates the order and sends the resident to the gateway."""
    if request.method == "POST":
        return _start_payment(request)
    bills = list(
        Bill.objects.visible_to(request.user)
        .unpaid()
        .select_related("unit", "charge_item")
        .order_by("-period", "unit__code", "due_date", "pk")[:200]
    )
    summary = selectors.portal_panel_context(request, request.user)
    return render(
        request,
        "portal/billing_pay.html",
        {
            "months": group_by_month(bills),
            "summary": summary,
            "idempotency_key": uuid.uuid4().hex,
            "today": timezone.localdate(),
            "gateway": get_gateway(),
        },
    )


def _start_payment(request: HttpRequest) -> HttpResponse:
    """Create the order for the ticked bills, a month's, or all of them; off to the gateway."""
    open_bills = Bill.objects.visible_to(request.user).unpaid()
    if request.POST.get("all"):
        bills = list(open_bills)
    elif request.POST.get("month"):
        month = request.POST["month"]
        bills = [b for b in open_bills.select_related("unit") if f"{b.period:%Y-%m}:{b.unit_id}" == month]
    else:
        ids = {parse_id(v) for v in request.POST.getlist("bill")} - {None}
        bills = list(Bill.objects.visible_to(request.user).filter(pk__in=ids))
        if len(bills) != len(ids):
            raise Http404(_("No such bill."))
    try:
        order = online.create_bills_order(
            user=request.user, bills=bills, idempotency_key=request.POST.get("idempotency_key", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("portal:billing_pay")
    return redirect(order.checkout_url)


def _order_for(request: HttpRequest, order_no: str) -> PaymentOrder:
    return get_object_or_404(
        PaymentOrder.objects.visible_to(request.user).select_related("payment", "payment__receipt"),
        order_no=order_no,
    )


@portal_page
@require_GET
@never_cache
def portal_order(request: HttpRequest, order_no: str) -> HttpResponse:
    """Where the gateway sends the resident back: the outcome (paid, still waiting, failed). A
    pending order is queried at the gateway first (its notification may not have come yet)."""
    order = _order_for(request, order_no)
    order = online.refresh_order(order=order)
    order = _order_for(request, order_no)
    return render(request, "portal/billing_order.html", {"order": order})


class SimulatorForm(forms.Form):
    decision = forms.ChoiceField(choices=[("pay", "pay"), ("cancel", "cancel")])


@portal_page
@require_http_methods(["GET", "POST"])
@never_cache
def simulator(request: HttpRequest, order_no: str) -> HttpResponse:
    """The payment simulator's page (it stands in for WeChat Pay's or Alipay's): pay or cancel.
    Paying delivers a signed notification as the gateway would (server to server), then sends the
    payer back to the order's page."""
    order = _order_for(request, order_no)
    gateway = get_gateway()
    if not isinstance(gateway, SimulatorGateway) or order.gateway != gateway.code:
        raise Http404(_("The payment simulator is not in use."))
    charge = get_object_or_404(SimulatorCharge, order_no=order.order_no)
    if request.method == "POST":
        form = SimulatorForm(request.POST)
        if form.is_valid() and charge.status == SimulatorCharge.Status.PENDING:
            if form.cleaned_data["decision"] == "pay":
                gateway.pay(charge)
            else:
                gateway.cancel(charge)
            if settings.PAYMENT_SIMULATOR_AUTO_NOTIFY:
                online.receive_notification(gateway_code=gateway.code, data=signed_notification(charge))
        return redirect("portal:billing_order", order_no=order.order_no)
    return render(request, "portal/billing_simulator.html", {"order": order, "charge": charge})


@csrf_exempt
@require_POST
def notify(request: HttpRequest, gateway: str) -> HttpResponse:
    """The gateway's asynchronous notification (public, server to server, no CSRF token: the
    signature is the authentication). Answered the way the gateway expects."""
    try:
        adapter = get_gateway(gateway)
    except LookupError:
        raise Http404(_("No such payment service.")) from None
    body = request.body  # read before the form data: some gateways sign the raw body
    accepted = online.receive_notification(gateway_code=gateway, data=request.POST, body=body)
    reply, content_type = adapter.acknowledge(accepted=accepted)
    return HttpResponse(reply, content_type=content_type, status=200 if accepted else 400)


# --- desk ----------------------------------------------------------------------------------------


REFUND_ACTIONS = ("refund", "refund_part")


class OrderRefundForm(forms.Form):
    amount = MoneyFormField(label=_("Amount to refund (yuan)"), allow_zero=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)


@desk_page("billing.view_payment")
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    orders = PaymentOrder.objects.visible_to(request.user).select_related("unit", "payment__receipt")
    status = request.GET.get("status", "")
    if status in PaymentOrder.Status.values:
        orders = orders.filter(status=status)
    page = paginate(request, orders.order_by("-created_at", "-pk"), per_page=25)
    return render(
        request,
        "billing/online_orders.html",
        {
            "page": page,
            "status": status,
            "statuses": PaymentOrder.Status.choices,
            "querystring": querystring(request),
        },
    )


def _order_page(request, order, *, form=None, status=200):
    events = order.events.select_related("actor").order_by("created_at", "pk")
    return render(
        request,
        "billing/online_order.html",
        {
            "order": order,
            "events": events,
            "form": form or OrderRefundForm(initial={"amount": order.refundable}),
            # The refund form: what the order workflow offers this user on this order now.
            "may_refund": bool(PAYMENT_ORDER.available(order, request.user, order=REFUND_ACTIONS)),
        },
        status=status,
    )


@desk_page("billing.view_payment")
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(
        PaymentOrder.objects.visible_to(request.user).select_related("unit", "user", "payment__receipt"),
        pk=pk,
    )
    return _order_page(request, order)


@desk_page(PAYMENT_ORDER.action("refund").permission)
@require_POST
def order_refund(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(PaymentOrder.objects.visible_to(request.user), pk=pk)
    form = OrderRefundForm(request.POST)
    if form.is_valid():
        try:
            online.refund_order(order=order, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The refund was sent."))
            return redirect("billing:online_order", pk=order.pk)
    return _order_page(request, order, form=form, status=400)
