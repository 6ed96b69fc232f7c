"""Admin for move-ins: the manager's configuration (the checklist lines and the charges a new
move-in copies) is edited here. Move-ins and spot checks are shown read-only: each change to them
is a workflow step (an event row, money through billing, tickets, the archive), made by the
services from the desk pages and the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from moveins.models import (
    ChargeRule,
    ChecklistItem,
    ChecklistItemTemplate,
    Defect,
    HandedKey,
    Inspection,
    MoveIn,
    MoveInCharge,
    MoveInEvent,
    OpeningReading,
    SpotCheck,
)
from servicecenter.admin import EstateScopedAdminMixin, ReadOnlyAdminMixin, ReadOnlyTabularInline

ReadOnlyInline = ReadOnlyTabularInline


# --- configuration ------------------------------------------------------------------------------


@admin.register(ChecklistItemTemplate)
class ChecklistItemTemplateAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: the lines of the estate's move-in checklist (defaults from DOMAIN.md). A
    move-in copies the active lines when it is scheduled, so a change applies to later move-ins.
    Switched off with "active", never deleted."""

    list_display = [
        "name",
        "estate",
        "section",
        "is_id_check",
        "needs_signed_copy",
        "is_required",
        "is_active",
        "sort_order",
    ]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["estate", "section", "is_active"]
    list_select_related = ["estate"]
    search_fields = ["name"]
    fields = [
        "estate",
        "section",
        "name",
        "is_id_check",
        "needs_signed_copy",
        "is_required",
        "is_active",
        "sort_order",
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChargeRuleForm(forms.ModelForm):
    class Meta:
        model = ChargeRule
        fields = ["estate", "kind", "name", "amount", "months", "is_active", "sort_order"]

    def clean(self):
        data = super().clean()
        kind, amount, months = data.get("kind"), data.get("amount"), data.get("months")
        if kind == ChargeRule.Kind.SERVICE_MONTHS and not months:
            raise ValidationError(
                {"months": _("Say how many months of service fee are paid in advance.")},
                code="months_required",
            )
        if kind in (ChargeRule.Kind.FEE, ChargeRule.Kind.DEPOSIT) and amount is not None and amount <= 0:
            raise ValidationError({"amount": _("Enter the amount.")}, code="amount_required")
        return data


@admin.register(ChargeRule)
class ChargeRuleAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: what a move-in is charged when its documents are done: a fixed fee, months
    of the unit's own service fee in advance, or a deposit (taken into billing's deposit ledger).
    Switched off with "active", never deleted (charges refer to them)."""

    form = ChargeRuleForm
    list_display = ["name", "estate", "kind", "amount", "months", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["estate", "kind", "is_active"]
    list_select_related = ["estate"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- read-only records --------------------------------------------------------------------------


class MoveInEventInline(ReadOnlyInline):
    model = MoveInEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ChecklistItemInline(ReadOnlyInline):
    model = ChecklistItem
    fields = ["section", "name", "is_required", "done_at", "done_by", "note", "document"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("done_by", "document")


class MoveInChargeInline(ReadOnlyInline):
    model = MoveInCharge
    fields = ["kind", "name", "amount", "bill", "deposit_account", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bill", "deposit_account")


class InspectionInline(ReadOnlyInline):
    model = Inspection
    fields = ["result", "is_reinspection", "inspected_by", "inspected_at", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("inspected_by")


class DefectInline(ReadOnlyInline):
    model = Defect
    fields = ["location", "description", "responsible", "deadline", "ticket", "closed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ticket")


class OpeningReadingInline(ReadOnlyInline):
    model = OpeningReading
    fields = ["meter", "reading", "recorded_by", "recorded_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("meter", "reading", "recorded_by")


class HandedKeyInline(ReadOnlyInline):
    model = HandedKey
    fields = ["kind", "count"]


@admin.register(MoveIn)
class MoveInAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "estate", "unit", "owner", "status", "batch", "scheduled_for", "satisfaction"]
    list_filter = ["estate", "status", "batch"]
    list_select_related = ["estate", "unit", "owner", "batch"]
    search_fields = ["number", "unit__code", "owner__name"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["idempotency_key"]
    inlines = [
        MoveInEventInline,
        ChecklistItemInline,
        MoveInChargeInline,
        InspectionInline,
        DefectInline,
        OpeningReadingInline,
        HandedKeyInline,
    ]


@admin.register(SpotCheck)
class SpotCheckAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["checked_at", "estate", "move_in", "result", "checked_by"]
    list_filter = ["estate", "result"]
    list_select_related = ["estate", "move_in", "checked_by"]
    search_fields = ["move_in__number"]
    date_hierarchy = "checked_at"
    show_full_result_count = False
