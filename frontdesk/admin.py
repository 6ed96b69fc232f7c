"""Admin for the front desk. The estate's lost-and-found rules (keep period, reminder days) are
configuration, edited here by the manager. Visitors, lost items and parcels are shown read-only,
with their timelines: every change to them is a workflow step made by the services from the desk
pages and the API. Phones are never searched or filtered by a part of them."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from frontdesk.models import (
    InvoiceRequest,
    InvoiceRequestBill,
    InvoiceRequestEvent,
    KeyCustody,
    KeyCustodyEvent,
    KeyMovement,
    KnowledgeEntry,
    LostFoundRules,
    LostItem,
    LostItemEvent,
    MoveOut,
    MoveOutEvent,
    Parcel,
    ParcelEvent,
    Visitor,
    VisitorEvent,
)
from servicecenter.admin import EstateScopedAdminMixin, ReadOnlyAdminMixin, ReadOnlyTabularInline
from servicecenter.scoping import access_for

_ReadOnly = ReadOnlyAdminMixin


class _EventInline(ReadOnlyTabularInline):
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(LostFoundRules)
class LostFoundRulesAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: per estate, how long an unclaimed item is kept (frozen on each item when it
    is logged) and how many days before that the desk is reminded. Without a row the defaults
    apply; one row per estate is a database constraint."""

    estate_lookup = "estate"
    list_display = ["estate", "keep_days", "reminder_days"]
    list_select_related = ["estate"]
    fields = ["estate", "keep_days", "reminder_days"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class VisitorEventInline(_EventInline):
    model = VisitorEvent


@admin.register(Visitor)
class VisitorAdmin(_ReadOnly, EstateScopedAdminMixin, admin.ModelAdmin):
    secret_fields = ("phone",)
    list_display = ["arrived_at", "estate", "unit", "name", "phone_masked", "status", "left_at"]
    list_filter = ["estate", "status"]
    list_select_related = ["estate", "unit"]
    search_fields = ["name", "unit__code"]
    date_hierarchy = "arrived_at"
    fields = [
        "estate",
        "unit",
        "name",
        "phone_masked",
        "purpose",
        "status",
        "arrived_at",
        "left_at",
        "let_in_by",
    ]
    readonly_fields = fields
    inlines = [VisitorEventInline]


class LostItemEventInline(_EventInline):
    model = LostItemEvent


@admin.register(LostItem)
class LostItemAdmin(_ReadOnly, EstateScopedAdminMixin, admin.ModelAdmin):
    secret_fields = ("claimant_phone", "claimant_id_hash")
    list_display = ["found_at", "estate", "description", "storage_place", "status", "keep_until"]
    list_filter = ["estate", "status"]
    list_select_related = ["estate"]
    search_fields = ["description", "found_place", "claimant_name"]
    date_hierarchy = "found_at"
    fields = [
        "estate",
        "description",
        "found_place",
        "found_at",
        "handed_in_by",
        "storage_place",
        "status",
        "keep_until",
        "reminder_sent_at",
        "logged_by",
        "claimant_name",
        "claimant_phone_masked",
        "claimant_id_masked",
        "claimed_at",
        "handed_out_by",
        "disposed_at",
        "disposal_note",
    ]
    readonly_fields = fields
    inlines = [LostItemEventInline]


class ParcelEventInline(_EventInline):
    model = ParcelEvent


@admin.register(Parcel)
class ParcelAdmin(_ReadOnly, EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "estate", "unit", "carrier", "tracking_number", "status", "picked_up_at"]
    list_filter = ["estate", "status"]
    list_select_related = ["estate", "unit"]
    search_fields = ["=tracking_number", "unit__code", "recipient_name"]
    date_hierarchy = "received_at"
    fields = [
        "estate",
        "unit",
        "recipient",
        "recipient_name",
        "carrier",
        "tracking_number",
        "status",
        "received_at",
        "logged_by",
        "notified_at",
        "collected_by",
        "handed_over_by",
        "picked_up_at",
        "returned_at",
    ]
    readonly_fields = fields
    inlines = [ParcelEventInline]


class KnowledgeEntryForm(forms.ModelForm):
    class Meta:
        model = KnowledgeEntry
        fields = [
            "estate",
            "language",
            "topic",
            "kind",
            "title",
            "body",
            "keywords",
            "is_active",
            "sort_order",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_estate(self):
        estate = self.cleaned_data.get("estate")
        if estate is None and self.user is not None and not access_for(self.user).all_estates:
            raise forms.ValidationError(
                _("Choose your estate; only the company edits entries for every estate.")
            )
        return estate


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: the standard answers and short phrases the desk searches from every page."""

    form = KnowledgeEntryForm
    list_display = ["title", "estate", "language", "topic", "kind", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["language", "topic", "kind", "is_active", "estate"]
    list_select_related = ["estate"]
    search_fields = ["title", "body", "keywords"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=user, **inner)

        return WithUser

    def _company_row(self, request, obj) -> bool:
        return obj is not None and obj.estate_id is None and not access_for(request.user).all_estates

    def has_change_permission(self, request, obj=None) -> bool:
        # An estate's manager reads the company-wide entries but does not rewrite them for everyone.
        return super().has_change_permission(request, obj) and not self._company_row(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not self._company_row(request, obj)


class KeyCustodyEventInline(_EventInline):
    model = KeyCustodyEvent


class KeyMovementInline(ReadOnlyTabularInline):
    model = KeyMovement
    fields = ["moved_at", "direction", "collector", "person_name", "id_checked", "staff", "note"]
    ordering = ["moved_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("collector", "staff")


@admin.register(KeyCustody)
class KeyCustodyAdmin(ReadOnlyAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "storage_tag",
        "estate",
        "unit",
        "owner",
        "description",
        "quantity",
        "status",
        "received_at",
    ]
    list_filter = ["estate", "status"]
    list_select_related = ["estate", "unit", "owner"]
    search_fields = ["unit__code", "storage_tag"]
    date_hierarchy = "received_at"
    inlines = [KeyMovementInline, KeyCustodyEventInline]
    fields = [
        "estate",
        "unit",
        "owner",
        "description",
        "quantity",
        "storage_tag",
        "status",
        "note",
        "received_at",
        "closed_at",
    ]


class InvoiceRequestBillInline(ReadOnlyTabularInline):
    model = InvoiceRequestBill
    fields = ["bill", "amount", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bill__unit", "bill__charge_item")


class InvoiceRequestEventInline(_EventInline):
    model = InvoiceRequestEvent


@admin.register(InvoiceRequest)
class InvoiceRequestAdmin(ReadOnlyAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["requested_at", "estate", "unit", "title", "amount", "status", "invoice_number"]
    list_filter = ["estate", "status", "channel"]
    list_select_related = ["estate", "unit"]
    # The buyer's tax number and e-mail are not searched: a title, a unit or our invoice number.
    search_fields = ["unit__code", "title", "invoice_number"]
    date_hierarchy = "requested_at"
    inlines = [InvoiceRequestBillInline, InvoiceRequestEventInline]
    fields = [
        "estate",
        "unit",
        "title",
        "tax_number",
        "email",
        "amount",
        "channel",
        "status",
        "invoice_number",
        "reject_reason",
        "requested_at",
        "decided_at",
    ]


class MoveOutEventInline(_EventInline):
    model = MoveOutEvent


@admin.register(MoveOut)
class MoveOutAdmin(ReadOnlyAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    """Read-only: move-outs and moving requests are a workflow on the desk pages (approval, the
    arrears check, the release pass, the gate), each step an event row."""

    list_display = [
        "number",
        "estate",
        "unit",
        "kind",
        "status",
        "planned_date",
        "release_pass",
        "created_at",
    ]
    list_filter = ["estate", "kind", "status"]
    list_select_related = ["estate", "unit", "release_pass"]
    search_fields = ["number", "unit__code", "vehicle_plate"]
    date_hierarchy = "planned_date"
    show_full_result_count = False
    exclude = ["idempotency_key"]
    inlines = [MoveOutEventInline]
