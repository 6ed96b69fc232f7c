"""Monthly reports in the admin: read only (they are built by the schedule and rebuilt with a
reason on the report's page, never edited)."""

from django.contrib import admin

from dashboards.models import MonthlyReport
from servicecenter.admin import EstateScopedAdminMixin


@admin.register(MonthlyReport)
class MonthlyReportAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["estate", "month", "version", "is_current", "built_at", "built_by"]
    list_filter = ["is_current", "estate"]
    date_hierarchy = "month"
    list_select_related = ["estate", "built_by"]
    exclude = ["figures"]
    readonly_fields = ["estate", "month", "version", "is_current", "built_at", "built_by", "reason"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
