"""Admin for resident relations. Special services: the estate's catalogue is configuration
(edited here: names, prices, the ticket category, active); bookings are read-only, each is a
ticket made by `relations.services.special_services.book_special_service`."""

from __future__ import annotations

from django.contrib import admin

from relations.models import SpecialService, SpecialServiceBooking
from servicecenter.admin import EstateScopedAdminMixin


@admin.register(SpecialService)
class SpecialServiceAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: the special services (特约服务) an estate offers in the portal, with prices.
    Switched off with "active", never deleted (bookings refer to them)."""

    list_display = ["name", "estate", "price", "price_unit", "category", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["estate", "is_active"]
    list_select_related = ["estate", "category"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SpecialServiceBooking)
class SpecialServiceBookingAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["ticket", "service", "unit", "preferred_at", "price", "created_at"]
    list_filter = ["estate"]
    list_select_related = ["ticket", "service", "unit"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
