"""Repeat repairs in the admin: read-only (detected by `dashboards.services_repeats`, worked
through on the hotspot pages and the API, which write the event rows)."""

from django.contrib import admin

from dashboards.models import RepeatRepair, RepeatRepairEvent
from servicecenter.admin import EstateScopedAdminMixin


class _ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RepeatRepairEventInline(_ReadOnly, admin.TabularInline):
    model = RepeatRepairEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(RepeatRepair)
class RepeatRepairAdmin(_ReadOnly, EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["ticket", "previous", "category", "unit", "public_location", "status", "detected_at"]
    list_filter = ["status"]
    list_select_related = ["ticket", "previous", "category", "unit", "public_location"]
    search_fields = ["ticket__number", "previous__number", "unit__code"]
    fields = [
        "estate",
        "ticket",
        "previous",
        "category",
        "unit",
        "public_location",
        "gap",
        "detected_at",
        "status",
        "root_cause",
        "action_description",
        "action_owner",
        "action_due_date",
        "outcome",
        "closed_at",
    ]
    readonly_fields = fields
    inlines = [RepeatRepairEventInline]
