"""Admin for tickets: the configuration (categories with their SLA targets, ticket policies) is
edited here by managers; tickets, callbacks and escalations are shown read-only, because every
change to them goes through the services (and their events) from the desk pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicecenter.admin import EstateScopedAdminMixin, SecretLookupsAdminMixin
from servicecenter.scoping import access_for
from tickets.models import (
    Callback,
    CallbackReview,
    CallbackSample,
    Escalation,
    PublicLocation,
    RootCause,
    SlaTarget,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketPolicy,
)


class ScopedAdminMixin(SecretLookupsAdminMixin):
    """Admin lists and pages show only what the user may see (others' estates are 404); no
    changelist filter on the reporter's phone."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PublicLocation)
class PublicLocationAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Each estate's list of public places (lobbies, car parks, gates) that public-area tickets
    point at; retire a place with "in use" rather than deleting it (tickets keep it)."""

    list_display = ["name", "estate", "building", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["estate", "is_active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ["display_name", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]

    @admin.display(description=_("name"))
    def display_name(self, obj: RootCause) -> str:
        return str(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0
    max_num = len(Ticket.Priority.values)
    fields = ["priority", "response_minutes", "resolution_minutes"]


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    """Configuration: the company's list of categories with their SLA targets, read by the ticket
    services when a ticket is opened or re-prioritised. No service writes categories; the rules on
    them are database constraints (unique code, one target per priority, positive minutes), which
    the admin form validates. Switched off with "active", never deleted (tickets refer to them)."""

    list_display = [
        "display_name",
        "code",
        "team_kind",
        "default_priority",
        "is_callback_mandatory",
        "is_active",
        "sort_order",
    ]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["team_kind", "is_callback_mandatory", "is_active"]
    search_fields = ["code", "name"]
    inlines = [SlaTargetInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # tickets refer to categories; switch one off instead

    @admin.display(description=_("name"), ordering="name")
    def display_name(self, obj: TicketCategory) -> str:
        return str(obj)


@admin.register(TicketPolicy)
class TicketPolicyAdmin(admin.ModelAdmin):
    """Configuration: the company defaults and each estate's own callback and deadline knobs, read
    by the ticket services and the sweeps. One row per estate and the ranges are database
    constraints. A manager edits their own estates' rows; the company row is head office's."""

    list_display = [
        "__str__",
        "complaint_reply_hours",
        "callback_delay_hours",
        "callback_share_percent",
        "callback_max_attempts",
        "sample_share_percent",
    ]
    list_select_related = ["estate"]
    fieldsets = [
        (None, {"fields": ["estate"]}),
        (_("Deadlines"), {"fields": ["complaint_reply_hours", "warning_lead_minutes"]}),
        (
            _("Callbacks"),
            {
                "fields": [
                    "callback_delay_hours",
                    "callback_share_percent",
                    "callback_max_attempts",
                    "callback_retry_hours",
                    "auto_close_days",
                ]
            },
        ),
        (_("Monthly re-check"), {"fields": ["sample_share_percent", "sample_minimum"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        access = access_for(request.user)
        if access.all_estates:
            return queryset
        # The company-wide row is visible to read; estate rows only for one's own estates.
        return queryset.filter(estate__isnull=True) | queryset.filter(estate_id__in=sorted(access.estate_ids))

    def _is_head_office_row(self, request, obj) -> bool:
        return obj is not None and obj.estate_id is None and not access_for(request.user).all_estates

    def has_change_permission(self, request, obj=None) -> bool:
        if self._is_head_office_row(request, obj):
            return False  # the company defaults belong to head office
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if self._is_head_office_row(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "estate":
            # A manager sets up policies for their own estates only.
            kwargs["queryset"] = db_field.related_model._default_manager.visible_to(request.user)
            if not access_for(request.user).all_estates:
                kwargs["required"] = True  # a blank estate would be a second company-wide row
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "note", "is_public"]
    readonly_fields = fields
    can_delete = False
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Ticket)
class TicketAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "status",
        "kind",
        "priority",
        "category",
        "unit",
        "team",
        "assignee",
        "created_at",
    ]
    list_filter = ["status", "kind", "priority", "channel", "category", "is_major"]
    search_fields = ["number"]
    list_select_related = ["category", "unit", "team", "assignee"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    inlines = [TicketEventInline]
    raw_id_fields = ["unit", "reporter", "assignee", "created_by", "team"]


@admin.register(Callback)
class CallbackAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "ticket",
        "round",
        "status",
        "is_mandatory",
        "assigned_to",
        "due_at",
        "attempt_count",
        "satisfaction",
    ]
    list_filter = ["status", "is_mandatory", "method", "satisfaction"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket", "assigned_to"]
    show_full_result_count = False


@admin.register(Escalation)
class EscalationAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["ticket", "kind", "round", "created_at"]
    list_filter = ["kind"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket"]
    show_full_result_count = False


class CallbackReviewInline(admin.TabularInline):
    model = CallbackReview
    extra = 0
    fields = ["callback", "result", "note", "reviewed_by", "reviewed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CallbackSample)
class CallbackSampleAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["estate", "month", "population", "created_at"]
    list_filter = ["estate"]
    inlines = [CallbackReviewInline]
