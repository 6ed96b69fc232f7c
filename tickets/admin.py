"""Admin for tickets: the configuration (categories with their SLA targets, ticket policies) is
edited here by managers; tickets, callbacks and escalations are shown read-only, because every
change to them goes through the services (and their events) from the desk pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicecenter.admin import (
    EstateScopedAdminMixin,
    ReadOnlyAdminMixin,
    ReadOnlyTabularInline,
    RelatedLinksAdminMixin,
)
from servicecenter.scoping import access_for
from tickets.models import (
    Callback,
    CallbackAttempt,
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

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")  # each row's title names it


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
class TicketPolicyAdmin(RelatedLinksAdminMixin, admin.ModelAdmin):
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


class TicketEventInline(ReadOnlyTabularInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "note", "is_public"]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class CallbackInline(ReadOnlyTabularInline):
    model = Callback
    fields = ["round", "status", "is_mandatory", "assigned_to", "due_at", "completed_at", "satisfaction"]
    ordering = ["round", "pk"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assigned_to")


@admin.register(Ticket)
class TicketAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only, with its timeline and callbacks; the reporter's phone is neither shown nor
    searched here (the desk's logged reveal is the way to it)."""

    list_display = [
        "number",
        "estate",
        "status",
        "kind",
        "priority",
        "category",
        "unit",
        "team",
        "assignee",
        "created_at",
    ]
    list_filter = ["estate", "status", "kind", "priority", "channel", "category", "is_major"]
    # Numbers, the unit and the reporter's name: never the phone (SECRET_FIELD_NAMES).
    search_fields = ["number", "unit__code", "reporter_name", "reporter__name"]
    list_select_related = ["estate", "category", "unit", "team", "assignee"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    inlines = [TicketEventInline, CallbackInline]
    raw_id_fields = ["unit", "reporter", "assignee", "created_by", "team"]
    exclude = ["reporter_phone"]


class CallbackAttemptInline(ReadOnlyTabularInline):
    model = CallbackAttempt
    fields = ["number", "attempted_at", "actor", "reached", "note"]
    ordering = ["number"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Callback)
class CallbackAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "ticket",
        "estate",
        "round",
        "status",
        "is_mandatory",
        "assigned_to",
        "due_at",
        "attempt_count",
        "satisfaction",
    ]
    list_filter = ["estate", "status", "is_mandatory", "method", "satisfaction"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket", "estate", "assigned_to"]
    date_hierarchy = "due_at"
    show_full_result_count = False
    inlines = [CallbackAttemptInline]


@admin.register(Escalation)
class EscalationAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "ticket", "kind", "round"]
    list_filter = ["kind", "ticket__estate"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket"]
    date_hierarchy = "created_at"
    show_full_result_count = False


class CallbackReviewInline(ReadOnlyTabularInline):
    model = CallbackReview
    fields = ["callback", "result", "note", "reviewed_by", "reviewed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("callback__ticket", "reviewed_by")


@admin.register(CallbackSample)
class CallbackSampleAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["month", "estate", "population", "created_at"]
    list_filter = ["estate"]
    list_select_related = ["estate"]
    date_hierarchy = "month"
    inlines = [CallbackReviewInline]
