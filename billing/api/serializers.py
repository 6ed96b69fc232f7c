"""Billing API shapes. Amounts are strings ("123.45"); input amounts go through the kernel's money
rule, like the desk (`servicecenter.money.parse_money`): positive, at most two decimals, never
rounded silently."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing import latefees
from billing.models import (
    Allocation,
    Bill,
    ChargeItem,
    ChargeRate,
    MeterReading,
    Payment,
    PaymentMethod,
    PaymentOrder,
)
from servicecenter.api import IdField, MoneyField, MonthField, ReasonableDateField


class ChargeRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChargeRate
        fields = ["rate", "effective_from"]


class ChargeItemSerializer(serializers.ModelSerializer):
    rates = ChargeRateSerializer(many=True, read_only=True)

    class Meta:
        model = ChargeItem
        fields = [
            "id",
            "estate",
            "code",
            "name",
            "kind",
            "basis",
            "applies_to",
            "unit_use",
            "vacant_discount_applies",
            "late_fee_applies",
            "is_active",
            "rates",
        ]


class BillSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    charge_item_name = serializers.CharField(source="charge_item.name", read_only=True)
    period = MonthField(read_only=True)
    outstanding = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    late_fee = serializers.SerializerMethodField()
    late_fee_days = serializers.SerializerMethodField()

    class Meta:
        model = Bill
        fields = [
            "id",
            "estate",
            "unit",
            "unit_code",
            "charge_item",
            "charge_item_name",
            "period",
            "description",
            "quantity",
            "rate",
            "days_billed",
            "days_in_period",
            "discount_percent",
            "amount",
            "amount_paid",
            "outstanding",
            "status",
            "issue_date",
            "due_date",
            "source_reference",
            "replaces",
            "late_fee",
            "late_fee_days",
        ]

    def _late_fee(self, bill: Bill):
        """The late fee accrued today and not yet charged: computed per page by the view (two
        queries for the page), or for this one bill when it is shown alone."""
        fees = self.context.get("late_fees")
        if fees is None:
            fees = self.context["late_fees"] = latefees.late_fees_for([bill], on=timezone.localdate())
        return fees.get(bill.pk)

    @extend_schema_field({"type": "string", "example": "12.30"})
    def get_late_fee(self, bill: Bill) -> str:
        fee = self._late_fee(bill)
        return f"{fee.amount if fee else Decimal('0'):.2f}"

    @extend_schema_field(serializers.IntegerField())
    def get_late_fee_days(self, bill: Bill) -> int:
        fee = self._late_fee(bill)
        return fee.days if fee and fee.is_due else 0


class BillCreateSerializer(serializers.Serializer):
    unit = IdField()
    charge_item = IdField()
    amount = MoneyField(allow_zero=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    source_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    due_date = ReasonableDateField(required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class RefundSerializer(ReasonSerializer):
    refund_method = serializers.ChoiceField(
        choices=[c for c in PaymentMethod.choices if c[0] != PaymentMethod.PREPAID], required=False
    )


class AllocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Allocation
        fields = ["bill", "amount"]


class PaymentSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    receipt_number = serializers.CharField(source="receipt.number", read_only=True, default=None)
    received_by = serializers.CharField(source="received_by.username", read_only=True, default=None)
    allocations = AllocationSerializer(many=True, read_only=True)
    to_prepaid_balance = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "estate",
            "unit",
            "unit_code",
            "amount",
            "method",
            "status",
            "receipt_number",
            "received_at",
            "received_by",
            "payer_name",
            "reference",
            "note",
            "allocations",
            "to_prepaid_balance",
        ]

    def get_to_prepaid_balance(self, payment) -> str:
        credited = sum(
            (m.amount for m in payment.prepaid_movements.all() if m.kind == "overpayment"), Decimal(0)
        )
        return f"{credited:.2f}"


class PaymentCreateSerializer(serializers.Serializer):
    unit = IdField()
    amount = MoneyField(allow_zero=False)
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    bills = serializers.ListField(child=IdField(), required=False, allow_empty=True, default=list)
    payer_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class MeterReadingSerializer(serializers.ModelSerializer):
    period = MonthField(read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    kind = serializers.CharField(source="meter.kind", read_only=True)

    class Meta:
        model = MeterReading
        fields = [
            "id",
            "estate",
            "unit",
            "unit_code",
            "meter",
            "kind",
            "period",
            "reading_date",
            "value",
            "consumption",
        ]


class MeterReadingCreateSerializer(serializers.Serializer):
    meter = IdField()
    period = MonthField()
    # Checked by the service with the kernel's money-shaped rule; padding is refused there too.
    value = serializers.CharField(max_length=20, trim_whitespace=False)
    reading_date = ReasonableDateField(required=False, allow_null=True, default=None)


class ArrearsRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_code = serializers.CharField(source="unit__code")
    building = serializers.CharField(source="unit__building__code")
    arrears = serializers.DecimalField(max_digits=14, decimal_places=2)
    current_arrears = serializers.DecimalField(max_digits=14, decimal_places=2)
    old_arrears = serializers.DecimalField(max_digits=14, decimal_places=2)
    d0_30 = serializers.DecimalField(max_digits=14, decimal_places=2)
    d31_90 = serializers.DecimalField(max_digits=14, decimal_places=2)
    d91_180 = serializers.DecimalField(max_digits=14, decimal_places=2)
    d181_365 = serializers.DecimalField(max_digits=14, decimal_places=2)
    over_365 = serializers.DecimalField(max_digits=14, decimal_places=2)
    overdue_bills = serializers.IntegerField()
    oldest_due = serializers.DateField()


class PaymentOrderSerializer(serializers.ModelSerializer):
    """An online payment order: `checkout_url` is where to send the payer; `status` says whether
    it was paid (`paid`), is still waiting (`pending`) or failed/expired (`closed`)."""

    unit_code = serializers.CharField(source="unit.code", read_only=True)
    bills = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    receipt_number = serializers.SerializerMethodField()

    class Meta:
        model = PaymentOrder
        fields = [
            "id",
            "order_no",
            "unit",
            "unit_code",
            "amount",
            "purpose",
            "description",
            "status",
            "gateway",
            "checkout_url",
            "bills",
            "payment",
            "receipt_number",
            "refunded_amount",
            "created_at",
            "expires_at",
            "paid_at",
        ]
        read_only_fields = fields

    def get_receipt_number(self, order) -> str | None:
        if order.payment_id and order.payment.receipt_id:
            return order.payment.receipt.number
        return None


class PaymentOrderCreateSerializer(serializers.Serializer):
    bills = serializers.ListField(child=IdField(), allow_empty=False, max_length=200)
