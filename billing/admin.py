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
    PaymentReversal,
    PrepaidMovement,
    Receipt,
    Reminder,
    UnitBillingTerms,
)
from servicecenter.admin import EstateScopedAdminMixin
from servicecenter.exceptions import DomainError


class ReadOnlyLedgerAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """A ledger is appended to by services; the admin only reads it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    list_display = ["meter", "period", "value", "consumption", "recorded_by"]
    list_filter = ["estate", "period"]
    list_select_related = ["meter", "meter__unit", "recorded_by"]
    search_fields = ["unit__code"]


@admin.register(Bill)
class BillAdmin(ReadOnlyLedgerAdmin):
    list_display = ["unit", "charge_item", "period", "amount", "amount_paid", "status", "due_date"]
    list_filter = ["estate", "status", "period", "charge_item__kind"]
    list_select_related = ["unit", "charge_item"]
    search_fields = ["unit__code", "source_reference"]
    date_hierarchy = "period"
    show_full_result_count = False
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
    list_display = ["bill", "from_status", "to_status", "actor", "created_at", "note"]
    list_select_related = ["bill", "bill__unit", "bill__charge_item", "actor"]


@admin.register(LateFeeAccrual)
class LateFeeAccrualAdmin(ReadOnlyLedgerAdmin):
    estate_lookup = "source_bill__estate"
    list_display = ["source_bill", "period", "days", "base_amount", "amount"]
    list_select_related = ["source_bill", "source_bill__unit", "source_bill__charge_item"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyLedgerAdmin):
    list_display = ["number", "kind", "issued_at"]
    list_filter = ["estate", "kind", "year"]
    search_fields = ["number"]


class AllocationInline(EstateScopedAdminMixin, admin.TabularInline):
    model = Allocation
    fields = ["bill", "amount", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyLedgerAdmin):
    list_display = ["__str__", "unit", "amount", "method", "status", "received_at", "received_by"]
    list_filter = ["estate", "method", "status"]
    list_select_related = ["unit", "receipt", "received_by"]
    search_fields = ["receipt__number", "unit__code", "reference"]
    inlines = [AllocationInline]
    show_full_result_count = False


@admin.register(PaymentReversal)
class PaymentReversalAdmin(ReadOnlyLedgerAdmin):
    list_display = ["payment", "kind", "amount", "actor", "created_at", "reason"]
    list_filter = ["estate", "kind"]
    list_select_related = ["payment", "payment__receipt", "actor"]


@admin.register(PrepaidMovement)
class PrepaidMovementAdmin(ReadOnlyLedgerAdmin):
    list_display = ["unit", "kind", "amount", "payment", "created_at"]
    list_filter = ["estate", "kind"]
    list_select_related = ["unit", "payment", "payment__receipt"]
    search_fields = ["unit__code"]


@admin.register(DepositAccount)
class DepositAccountAdmin(ReadOnlyLedgerAdmin):
    list_display = ["unit", "purpose", "reference", "created_at"]
    list_filter = ["estate", "purpose"]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "reference"]


@admin.register(DepositMovement)
class DepositMovementAdmin(ReadOnlyLedgerAdmin):
    list_display = ["account", "kind", "amount", "method", "receipt", "created_at", "reason"]
    list_filter = ["estate", "kind"]
    list_select_related = ["account", "account__unit", "receipt"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyLedgerAdmin):
    list_display = ["bill", "stage", "created_at", "assignee", "outcome", "promised_date"]
    list_filter = ["estate", "stage", "outcome"]
    list_select_related = ["bill", "bill__unit", "bill__charge_item", "assignee"]
    show_full_result_count = False


@admin.register(CollectionCall)
class CollectionCallAdmin(ReadOnlyLedgerAdmin):
    list_display = ["unit", "outcome", "promised_date", "actor", "created_at", "note"]
    list_filter = ["estate", "outcome"]
    list_select_related = ["unit", "actor"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyLedgerAdmin):
    estate_lookup = "estate"
    list_display = ["key", "estate", "payment", "actor", "created_at"]
    verbose_name = _("idempotency key")
