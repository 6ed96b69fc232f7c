"""Billing API: charge items, meter readings, bills, payments, arrears.

Every queryset goes through `visible_to`, so another estate's (or another resident's) object is a
404. Writes parse input with a serializer and call one service; amounts are strings.
"""

from __future__ import annotations

from functools import partial

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from billing import selectors, services
from billing.api import serializers as s
from billing.filters import BillFilter, ChargeItemFilter, MeterReadingFilter, PaymentFilter
from billing.latefees import late_fees_for
from billing.models import Bill, ChargeItem, Meter, MeterReading, Payment, PaymentOrder
from billing.services import online
from billing.workflows import BILL, PAYMENT
from residents.models import Unit
from residents.selectors import estates_visible_to
from servicecenter.api import ActionPermission, ActionViewMixin, ScopedQuerysetMixin
from servicecenter.paging import CountedPaginator
from servicecenter.portal import has_current_occupancy
from servicecenter.scoping import enter_portal
from servicecenter.workflow import api_permissions

_ERROR = OpenApiResponse(description="Validation error, e.g. a malformed, negative or over-precise amount.")
_CONFLICT = OpenApiResponse(
    description="Not allowed in the current state, or an idempotency key reused for another request."
)
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


class BillingViewSet(ActionViewMixin, ScopedQuerysetMixin, viewsets.GenericViewSet):
    permission_classes = [ActionPermission]
    residents_may_read = False
    action_permissions: dict[str, list[str]] = {}

    def visible_unit(self, pk: int) -> Unit:
        return get_object_or_404(Unit.objects.visible_to(self.request.user), pk=pk)


@extend_schema_view(list=extend_schema(summary="Charge items with their rate history"))
class ChargeItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BillingViewSet):
    queryset = ChargeItem.objects.prefetch_related("rates").order_by("estate_id", "sort_order", "code")
    serializer_class = s.ChargeItemSerializer
    filterset_class = ChargeItemFilter
    residents_may_read = True


@extend_schema_view(
    create=extend_schema(
        summary="Record a meter reading",
        request=s.MeterReadingCreateSerializer,
        responses={201: s.MeterReadingSerializer, 400: _ERROR},
    )
)
class MeterReadingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BillingViewSet):
    queryset = MeterReading.objects.select_related("unit", "meter").order_by("-period", "unit__code", "pk")
    serializer_class = s.MeterReadingSerializer
    filterset_class = MeterReadingFilter
    residents_may_read = True

    def create(self, request, *args, **kwargs):
        values = self.parse(s.MeterReadingCreateSerializer)
        meter = get_object_or_404(Meter.objects.visible_to(request.user), pk=values.pop("meter"))
        reading = services.record_meter_reading(meter=meter, actor=request.user, **values)
        return self.respond(reading, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Bills (filters: unit, estate, status, period=YYYY-MM, overdue=true)"),
    create=extend_schema(
        summary="Issue a one-off bill",
        request=s.BillCreateSerializer,
        responses={201: s.BillSerializer, 400: _ERROR},
    ),
    void=extend_schema(
        request=s.ReasonSerializer, responses={200: s.BillSerializer, 400: _ERROR, 409: _CONFLICT}
    ),
    write_off=extend_schema(request=s.ReasonSerializer, responses={200: s.BillSerializer, 409: _CONFLICT}),
    waive_late_fee=extend_schema(
        summary="Waive a late-fee bill (manager), with a reason",
        request=s.ReasonSerializer,
        responses={200: s.BillSerializer, 400: _ERROR, 409: _CONFLICT},
    ),
)
class BillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BillingViewSet):
    queryset = Bill.objects.select_related("unit", "charge_item").order_by("-period", "unit__code", "pk")
    serializer_class = s.BillSerializer
    filterset_class = BillFilter
    ordering_fields = ["period", "due_date", "amount"]
    residents_may_read = True
    # The actions' permissions come from the bill workflow's declaration.
    action_permissions = api_permissions(BILL, "void", "write_off", "waive_late_fee")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # The accrued late fee of the page's bills, in two queries (no N+1).
        self.late_fees = late_fees_for(page if page is not None else queryset, on=timezone.localdate())
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "late_fees"):
            context["late_fees"] = self.late_fees
        return context

    def create(self, request, *args, **kwargs):
        values = self.parse(s.BillCreateSerializer)
        unit = self.visible_unit(values.pop("unit"))
        item = ChargeItem.objects.filter(pk=values.pop("charge_item"), estate_id=unit.estate_id).first()
        if item is None:
            raise ValidationError({"charge_item": [_("No such charge item in this unit's estate.")]})
        bill = services.create_one_off_bill(unit=unit, charge_item=item, actor=request.user, **values)
        return self.respond(bill, status_code=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        bill = services.void_bill(
            bill=self.get_object(), actor=request.user, **self.parse(s.ReasonSerializer)
        )
        return self.respond(bill)

    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, pk=None):
        bill = services.write_off_bill(
            bill=self.get_object(), actor=request.user, **self.parse(s.ReasonSerializer)
        )
        return self.respond(bill)

    @action(detail=True, methods=["post"], url_path="waive-late-fee")
    def waive_late_fee(self, request, pk=None):
        bill = services.waive_late_fee(
            bill=self.get_object(), actor=request.user, **self.parse(s.ReasonSerializer)
        )
        return self.respond(bill)


@extend_schema_view(
    create=extend_schema(
        summary="Take a payment",
        description=(
            "Allocated to `bills` if given, else to the oldest open bills; any excess goes to the unit's "
            "prepaid balance. An `Idempotency-Key` header is required (400 without it): a retry with the "
            "same key and body returns the first payment (200), the same key with another body is refused "
            "(409). Paying an overdue bill of an estate that charges late fees first charges the late fee "
            "accrued up to today as a late-fee bill, paid right after the overdue bill."
        ),
        parameters=[
            OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True)
        ],
        request=s.PaymentCreateSerializer,
        responses={201: s.PaymentSerializer, 200: s.PaymentSerializer, 400: _ERROR, 409: _CONFLICT},
    ),
    void=extend_schema(
        request=s.ReasonSerializer, responses={200: s.PaymentSerializer, 400: _ERROR, 409: _CONFLICT}
    ),
    refund=extend_schema(
        request=s.RefundSerializer, responses={200: s.PaymentSerializer, 400: _ERROR, 409: _CONFLICT}
    ),
)
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BillingViewSet):
    queryset = (
        Payment.objects.select_related("unit", "receipt", "received_by")
        .prefetch_related("allocations", "prepaid_movements")
        .order_by("-received_at", "-pk")
    )
    serializer_class = s.PaymentSerializer
    filterset_class = PaymentFilter
    residents_may_read = True
    action_permissions = api_permissions(PAYMENT, "void", "refund")

    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            # Checked before anything else: without a key a retried request could take the money twice.
            raise ValidationError(
                {"Idempotency-Key": [_("Send an Idempotency-Key header with every payment.")]},
                code="idempotency_key_required",
            )
        values = self.parse(s.PaymentCreateSerializer)
        unit = self.visible_unit(values.pop("unit"))
        outcome = services.record_payment(
            unit=unit, actor=request.user, bill_ids=values.pop("bills"), idempotency_key=key, **values
        )
        payment = self.get_queryset().get(pk=outcome.payment.pk)
        response = self.respond(
            payment, status_code=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        )
        if not outcome.created:
            response["Idempotent-Replayed"] = "true"
        return response

    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        services.void_payment(payment=self.get_object(), actor=request.user, **self.parse(s.ReasonSerializer))
        return self.respond(self.get_queryset().get(pk=pk))

    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        services.refund_payment(
            payment=self.get_object(), actor=request.user, **self.parse(s.RefundSerializer)
        )
        return self.respond(self.get_queryset().get(pk=pk))


@extend_schema_view(
    list=extend_schema(
        summary="Arrears per unit of an estate, with estate totals and ageing buckets",
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, required=True),
            OpenApiParameter("building", OpenApiTypes.INT),
        ],
        responses={200: s.ArrearsRowSerializer(many=True), 400: _ERROR},
    )
)
class ArrearsViewSet(BillingViewSet):
    serializer_class = s.ArrearsRowSerializer
    action_permissions = {"list": ["billing.view_billing_reports"]}
    filter_backends: list = []

    def get_queryset(self):
        return Bill.objects.none()

    def list(self, request, *args, **kwargs):
        estates = estates_visible_to(request.user)
        raw = request.query_params.get("estate", "")
        if not raw.isdigit():
            raise ValidationError({"estate": [_("Choose an estate: ?estate=<id>.")]})
        estate = get_object_or_404(estates, pk=int(raw))
        today = timezone.localdate()
        building = request.query_params.get("building", "")
        # Asked once: the rows, their count and the totals then come from the same source.
        from_summary = selectors.summary_is_current(estate=estate, today=today)
        which = {
            "estate": estate,
            "today": today,
            "building_id": int(building) if building.isdigit() else None,
            "from_summary": from_summary,
        }
        rows = selectors.arrears_by_unit(**which)
        self.paginator.django_paginator_class = partial(
            CountedPaginator, count=lambda: selectors.arrears_unit_count(**which)
        )
        page = self.paginate_queryset(rows)
        response = self.get_paginated_response(s.ArrearsRowSerializer(page, many=True).data)
        totals = selectors.arrears_totals(estate=estate, today=today, from_summary=from_summary)
        response.data["estate"] = estate.pk
        response.data["as_of"] = today.isoformat()
        response.data["summary"] = {
            k: (f"{v:.2f}" if not isinstance(v, int) else v) for k, v in totals.items()
        }
        return response


@extend_schema_view(
    list=extend_schema(summary="Online payment orders (residents: their own)"),
    retrieve=extend_schema(
        summary="An online payment order's status; a pending one is first queried at the gateway"
    ),
    create=extend_schema(
        summary="Pay bills online: create the order (Idempotency-Key header) and get the checkout URL",
        request=s.PaymentOrderCreateSerializer,
        responses={201: s.PaymentOrderSerializer, 400: _ERROR, 404: _NOT_FOUND, 409: _CONFLICT},
    ),
)
class PaymentOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BillingViewSet):
    queryset = (
        PaymentOrder.objects.select_related("unit", "payment__receipt")
        .prefetch_related("bills")
        .order_by("-created_at", "-pk")
    )
    serializer_class = s.PaymentOrderSerializer
    residents_may_read = True
    # Residents pay their own bills; the check is in `create` (staff do not pay online for them).
    action_permissions = {"create": []}

    def retrieve(self, request, *args, **kwargs):
        order = self.get_object()
        online.refresh_order(order=order)
        return self.respond(self.get_queryset().get(pk=order.pk))

    def create(self, request, *args, **kwargs):
        if not has_current_occupancy(request.user):
            raise PermissionDenied(_("Only residents pay online."))
        enter_portal(request.user)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise ValidationError(
                {"Idempotency-Key": [_("Send an Idempotency-Key header with every payment.")]},
                code="idempotency_key_required",
            )
        values = self.parse(s.PaymentOrderCreateSerializer)
        wanted = set(values["bills"])
        bills = list(Bill.objects.visible_to(request.user).filter(pk__in=wanted))
        if len(bills) != len(wanted):
            raise NotFound(_("No such bill."))
        order = online.create_bills_order(user=request.user, bills=bills, idempotency_key=key)
        return self.respond(self.get_queryset().get(pk=order.pk), status_code=status.HTTP_201_CREATED)
