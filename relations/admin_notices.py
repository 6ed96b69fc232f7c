"""Resident relations in the Django admin: read-only views for the manager (writes go through
the desk pages and the services: publishing sends SMS and writes the timeline)."""

from django.contrib import admin

from relations.models import CommunityEvent, EventSignup, Notice, NoticeRead
from servicecenter.admin import EstateScopedAdminMixin

# --- notices and community events -------------------------------------------------------------------


class NoticeReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(EstateScopedAdminMixin, NoticeReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "estate", "status", "is_urgent", "start_date", "end_date", "published_at"]
    list_filter = ["status", "is_urgent"]
    list_select_related = ["estate"]
    search_fields = ["title"]
    date_hierarchy = "start_date"


@admin.register(NoticeRead)
class NoticeReadAdmin(EstateScopedAdminMixin, NoticeReadOnlyAdminMixin, admin.ModelAdmin):
    estate_lookup = "notice__estate"
    list_display = ["notice", "user", "read_at"]
    list_select_related = ["notice", "user"]
    raw_id_fields = ["notice", "user"]


@admin.register(CommunityEvent)
class CommunityEventAdmin(EstateScopedAdminMixin, NoticeReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "estate", "status", "starts_at", "place", "capacity", "signup_deadline"]
    list_filter = ["status"]
    list_select_related = ["estate"]
    search_fields = ["title", "place"]


@admin.register(EventSignup)
class EventSignupAdmin(EstateScopedAdminMixin, NoticeReadOnlyAdminMixin, admin.ModelAdmin):
    estate_lookup = "community_event__estate"
    list_display = ["community_event", "person", "unit", "created_at", "cancelled_at"]
    list_select_related = ["community_event", "person", "unit"]
    raw_id_fields = ["community_event", "person", "unit"]
