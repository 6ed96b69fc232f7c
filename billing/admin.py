"""Admin for billing: the manager's tariffs and settings. Ledger rows (bills, payments,
allocations, reversals, balances, deposits, receipts) are read-only here: they are changed only by
new rows written through billing.services, never edited or deleted."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from billing import services
from billing.models import (
    Allocation,
    Bill,
    BillEvent,
    BillingPolicy,
    ChargeEnrollment,
    ChargeItem,
    ChargeRate,
    CollectionCall,
    DepositAccount,
    DepositMovement,
    IdempotencyRecord,
    LateFeeAccrual,
    Meter,
    MeterReading,
    Payment,
    PaymentOrder,
    PaymentOrderEvent,
    PaymentReversal,
    PrepaidMovement,
    Receipt,
    Reminder,
    UnitBillingTerms,
)
from servicecenter.admin import EstateScopedAdminMixin, ReadOnlyAdminMixin, ReadOnlyTabularInline
from servicecenter.exceptions import DomainError


class ReadOnlyLedgerAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """A ledger is appended to by services; the admin only reads it."""


@admin.register(BillingPolicy)
class BillingPolicyAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "estate",
        "bill_day",
        "payment_terms_days",
        "vacant_discount_percent",
        "late_fees_enabled",
        "reminders_enabled",
    ]
    list_select_related = ["estate"]

    def has_delete_permission(self, request, obj=None):
        return False


class ChargeRateInline(EstateScopedAdminMixin, admin.TabularInline):
    """Rates are history: new ones are added with their date, old ones are never changed."""

    model = ChargeRate
    estate_lookup = "charge_item__estate"
    fields = ["rate", "effective_from", "note", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    extra = 1
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChargeItem)
class ChargeItemAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "estate", "kind", "basis", "applies_to", "is_active"]
    list_filter = ["estate", "kind", "is_active"]
    list_select_related = ["estate"]
    search_fields = ["name", "code"]
    inlines = [ChargeRateInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_formset(self, request, form, formset, change):
        if formset.model is not ChargeRate:
            return super().save_formset(request, form, formset, change)
        for rate in formset.save(commit=False):
            services.set_charge_rate(
                charge_item=form.instance,
                rate=rate.rate,
                effective_from=rate.effective_from,
                actor=request.user,
                note=rate.note,
            )
        return None


class ChargeEnrollmentForm(forms.ModelForm):
    """Checks the service's rules (overlaps above all) so the manager sees a message on the form;
    the service checks again under the unit's lock when saving."""

    class Meta:
        model = ChargeEnrollment
        fields = ["unit", "charge_item", "quantity", "start_date", "end_date", "note"]

    def clean(self):
        data = super().clean()
        unit = data.get("unit") or (self.instance.unit if self.instance.pk else None)
        item = data.get("charge_item") or (self.instance.charge_item if self.instance.pk else None)
        if unit is None or item is None or data.get("start_date") is None or data.get("quantity") is None:
            return data
        try:
            services.check_enrollment(
                unit=unit,
                charge_item=item,
                start_date=data["start_date"],
                quantity=data["quantity"],
                end_date=data.get("end_date"),
                exclude_pk=self.instance.pk,
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        return data


@admin.register(ChargeEnrollment)
class ChargeEnrollmentAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Enrollments are written by `services.enroll_unit` / `change_enrollment`, so the admin refuses
    overlaps like every other way in. The unit and item of an enrollment are fixed once made; an
    enrollment is ended by its end date, never deleted (its bills refer to the period it covered)."""

    form = ChargeEnrollmentForm
    list_display = ["unit", "charge_item", "quantity", "start_date", "end_date"]
    list_filter = ["estate", "charge_item"]
    list_select_related = ["unit", "charge_item"]
    raw_id_fields = ["unit"]
    search_fields = ["unit__code"]

    def get_readonly_fields(self, request, obj=None):
        return ["unit", "charge_item"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.change_enrollment(
                enrollment=obj,
                actor=request.user,
                quantity=data["quantity"],
                start_date=data["start_date"],
                end_date=data.get("end_date"),
                note=data.get("note", ""),
            )
        else:
            saved = services.enroll_unit(
                unit=data["unit"],
                charge_item=data["charge_item"],
                start_date=data["start_date"],
                actor=request.user,
                quantity=data["quantity"],
                end_date=data.get("end_date"),
                note=data.get("note", ""),
            )
        obj.pk, obj.estate_id = saved.pk, saved.estate_id


@admin.register(UnitBillingTerms)
class UnitBillingTermsAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "fees_start_date", "fees_end_date"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit"]
    search_fields = ["unit__code"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Meter)
class MeterAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "kind", "serial", "initial_reading", "installed_on", "replaced_on"]
    list_filter = ["estate", "kind"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit", "replaced_by"]
    search_fields = ["unit__code", "serial"]
    # A replacement is recorded by services.replace_meter (final reading, new meter), not typed here.
    readonly_fields = ["replaced_on", "replaced_by"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MeterReading)
class MeterReadingAdmin(ReadOnlyLedgerAdmin):
    list_display = ["period", "meter", "unit", "value", "consumption", "reading_date", "recorded_by"]
    list_filter = ["estate", "period", "meter__kind"]
    list_select_related = ["meter", "meter__unit", "unit", "recorded_by"]
    search_fields = ["unit__code", "meter__serial"]
    date_hierarchy = "period"


class BillEventInline(ReadOnlyTabularInline):
    model = BillEvent
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        # Each row is titled with str(event), which names the bill's unit and item.
        return super().get_queryset(request).select_related("actor", "bill__unit", "bill__charge_item")


class BillAllocationInline(ReadOnlyTabularInline):
    """The payments that paid this bill."""

    model = Allocation
    fields = ["payment", "amount", "created_at"]
    verbose_name_plural = _("payments allocated")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("payment__receipt", "bill__unit", "bill__charge_item")
        )


@admin.register(Bill)
class BillAdmin(ReadOnlyLedgerAdmin):
    list_display = [
        "__str__",
        "estate",
        "unit",
        "charge_item",
        "period",
        "amount",
        "amount_paid",
        "status",
        "due_date",
    ]
    list_filter = ["estate", "status", "period", "charge_item__kind"]
    list_select_related = ["estate", "unit", "charge_item"]
    search_fields = ["unit__code", "source_reference"]
    date_hierarchy = "period"
    show_full_result_count = False
    inlines = [BillEventInline, BillAllocationInline]
    actions = ["waive_late_fees"]

    @admin.action(description=_("Waive the selected late fees (with a reason)"))
    def waive_late_fees(self, request, queryset):
        """Asks for the reason on a second page, then waives each bill through the service (which
        checks the permission, the kind and the state, and writes the event row)."""
        reason = (request.POST.get("reason") or "").strip()
        if "apply" not in request.POST or not reason:
            return TemplateResponse(
                request,
                "admin/billing/waive_late_fees.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Waive late fees"),
                    "bills": queryset.select_related("unit", "charge_item"),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                    "missing_reason": "apply" in request.POST,
                },
            )
        waived = 0
        for bill in queryset.select_related("charge_item"):
            try:
                services.waive_late_fee(bill=bill, actor=request.user, reason=reason)
            except (DomainError, PermissionDenied) as error:
                self.message_user(request, f"{bill}: {getattr(error, 'message', error)}", messages.ERROR)
            else:
                waived += 1
        if waived:
            self.message_user(request, _("%(count)s late fees waived.") % {"count": waived}, messages.SUCCESS)
        return None


@admin.register(BillEvent)
class BillEventAdmin(ReadOnlyLedgerAdmin):
    estate_lookup = "bill__estate"
    list_display = ["created_at", "bill", "from_status", "to_status", "actor", "note"]
    list_filter = ["to_status", "bill__estate"]
    list_select_related = ["bill", "bill__unit", "bill__charge_item", "actor"]
    search_fields = ["bill__unit__code", "note"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(LateFeeAccrual)
class LateFeeAccrualAdmin(ReadOnlyLedgerAdmin):
    estate_lookup = "source_bill__estate"
    list_display = ["period", "source_bill", "fee_bill", "through_date", "days", "base_amount", "amount"]
    list_filter = ["source_bill__estate"]
    list_select_related = [
        "source_bill",
        "source_bill__unit",
        "source_bill__charge_item",
        "fee_bill",
        "fee_bill__unit",
        "fee_bill__charge_item",
    ]
    search_fields = ["source_bill__unit__code"]
    date_hierarchy = "period"


class ReceiptPaymentInline(ReadOnlyTabularInline):
    model = Payment
    fields = ["unit", "amount", "method", "status", "received_at", "received_by"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "received_by", "receipt")


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyLedgerAdmin):
    list_display = ["number", "estate", "kind", "issued_at"]
    list_filter = ["estate", "kind", "year"]
    list_select_related = ["estate"]
    search_fields = ["number"]
    date_hierarchy = "issued_at"
    inlines = [ReceiptPaymentInline]


class AllocationInline(ReadOnlyTabularInline):
    model = Allocation
    fields = ["bill", "amount", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bill__unit", "bill__charge_item")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyLedgerAdmin):
    list_display = [
        "__str__",
        "estate",
        "unit",
        "amount",
        "method",
        "status",
        "receipt",
        "received_at",
        "received_by",
    ]
    list_filter = ["estate", "method", "status"]
    list_select_related = ["estate", "unit", "receipt", "received_by"]
    search_fields = ["receipt__number", "unit__code", "reference", "payer_name"]
    date_hierarchy = "received_at"
    inlines = [AllocationInline]
    show_full_result_count = False


@admin.register(PaymentReversal)
class PaymentReversalAdmin(ReadOnlyLedgerAdmin):
    list_display = ["created_at", "payment", "kind", "amount", "actor", "reason"]
    list_filter = ["estate", "kind"]
    list_select_related = ["payment", "payment__receipt", "actor"]
    search_fields = ["payment__receipt__number", "payment__unit__code"]
    date_hierarchy = "created_at"


@admin.register(PrepaidMovement)
class PrepaidMovementAdmin(ReadOnlyLedgerAdmin):
    list_display = ["created_at", "unit", "kind", "amount", "payment", "actor"]
    list_filter = ["estate", "kind"]
    list_select_related = ["unit", "payment", "payment__receipt", "actor"]
    search_fields = ["unit__code"]
    date_hierarchy = "created_at"


class DepositMovementInline(ReadOnlyTabularInline):
    model = DepositMovement
    fields = ["created_at", "kind", "amount", "method", "receipt", "bill", "actor", "reason"]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("receipt", "bill__unit", "bill__charge_item", "actor")
        )


@admin.register(DepositAccount)
class DepositAccountAdmin(ReadOnlyLedgerAdmin):
    list_display = ["__str__", "estate", "unit", "purpose", "reference", "created_at"]
    list_filter = ["estate", "purpose"]
    list_select_related = ["estate", "unit"]
    search_fields = ["unit__code", "reference"]
    date_hierarchy = "created_at"
    inlines = [DepositMovementInline]


@admin.register(DepositMovement)
class DepositMovementAdmin(ReadOnlyLedgerAdmin):
    list_display = ["created_at", "account", "kind", "amount", "method", "receipt", "reason"]
    list_filter = ["estate", "kind"]
    list_select_related = ["account", "account__unit", "receipt"]
    search_fields = ["account__unit__code", "receipt__number"]
    date_hierarchy = "created_at"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyLedgerAdmin):
    list_display = ["created_at", "unit", "bill", "stage", "assignee", "outcome", "promised_date"]
    list_filter = ["estate", "stage", "outcome"]
    list_select_related = ["unit", "bill", "bill__unit", "bill__charge_item", "assignee"]
    search_fields = ["unit__code"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(CollectionCall)
class CollectionCallAdmin(ReadOnlyLedgerAdmin):
    list_display = ["created_at", "unit", "outcome", "promised_date", "actor", "note"]
    list_filter = ["estate", "outcome"]
    list_select_related = ["unit", "actor"]
    search_fields = ["unit__code"]
    date_hierarchy = "created_at"


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyLedgerAdmin):
    estate_lookup = "estate"
    list_display = ["key", "estate", "payment", "actor", "created_at"]
    list_select_related = ["estate", "payment__receipt", "actor"]
    search_fields = ["=key"]
    date_hierarchy = "created_at"
    verbose_name = _("idempotency key")


class PaymentOrderEventInline(ReadOnlyTabularInline):
    model = PaymentOrderEvent
    fields = [
        "created_at",
        "kind",
        "outcome",
        "from_status",
        "to_status",
        "amount",
        "signature_ok",
        "actor",
        "note",
    ]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyLedgerAdmin):
    """Online payment orders with the gateway's notifications and our steps on them: read-only,
    the gateway and billing.services.online write them."""

    list_display = [
        "order_no",
        "estate",
        "unit",
        "amount",
        "purpose",
        "status",
        "gateway",
        "payment",
        "created_at",
        "paid_at",
    ]
    list_filter = ["estate", "status", "gateway", "purpose"]
    list_select_related = ["estate", "unit", "payment__receipt"]
    search_fields = ["=order_no", "=external_reference", "unit__code"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["idempotency_key", "checkout_url"]
    inlines = [PaymentOrderEventInline]
