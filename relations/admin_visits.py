"""Admin for household visits and important households: read-only (written through the pages,
the API and relations.services.visits)."""

from django.contrib import admin

from relations.models import ImportantHousehold, Visit
from servicecenter.admin import EstateScopedAdminMixin


class _ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visit)
class VisitAdmin(_ReadOnly, EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["visited_on", "unit", "channel", "visited_by", "topics", "follow_up_ticket"]
    list_filter = ["estate", "channel"]
    list_select_related = ["unit", "visited_by", "follow_up_ticket"]
    search_fields = ["unit__code", "topics", "met"]
    date_hierarchy = "visited_on"
    fields = [
        "estate",
        "unit",
        "visited_on",
        "channel",
        "met",
        "topics",
        "notes",
        "follow_up",
        "follow_up_ticket",
        "visited_by",
        "created_at",
    ]
    readonly_fields = fields


@admin.register(ImportantHousehold)
class ImportantHouseholdAdmin(_ReadOnly, EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "reason", "flagged_by", "flagged_at", "cleared_at"]
    list_filter = ["estate"]
    list_select_related = ["unit", "flagged_by"]
    search_fields = ["unit__code", "reason"]
    fields = ["estate", "unit", "reason", "flagged_by", "flagged_at", "cleared_by", "cleared_at"]
    readonly_fields = fields
