"""Admin for the front desk. The estate's lost-and-found rules (keep period, reminder days) are
configuration, edited here by the manager. Visitors, lost items and parcels are shown read-only,
with their timelines: every change to them is a workflow step made by the services from the desk
pages and the API. Phones are never searched or filtered by a part of them."""

from __future__ import annotations

from django.contrib import admin

from frontdesk.models import (
    LostFoundRules,
    LostItem,
    LostItemEvent,
    Parcel,
    ParcelEvent,
    Visitor,
    VisitorEvent,
)
from servicecenter.admin import EstateScopedAdminMixin


class _ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _EventInline(_ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


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
