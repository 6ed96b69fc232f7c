"""The admin of satisfaction surveys: templates are configuration (the manager keeps the
questionnaires); surveys and their answers are read here and written through
`relations.services.surveys` (the desk pages and the API)."""

from django.contrib import admin

from relations.models import (
    Survey,
    SurveyEvent,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
    SurveyTemplateQuestion,
)
from servicecenter.admin import EstateScopedAdminMixin


class TemplateQuestionInline(admin.TabularInline):
    model = SurveyTemplateQuestion
    extra = 0
    fields = ["position", "kind", "text", "text_en", "is_required"]


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(admin.ModelAdmin):
    """Configuration: the company's questionnaires, copied into a survey when it is built."""

    list_display = ["code", "title", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "title", "title_en"]
    inlines = [TemplateQuestionInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # surveys keep pointing at their template: retire it instead


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SurveyQuestionInline(_ReadOnlyInline):
    model = SurveyQuestion
    fields = ["position", "kind", "text", "text_en", "is_required"]
    readonly_fields = fields


class SurveyEventInline(_ReadOnlyInline):
    model = SurveyEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class _ReadOnlyAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(_ReadOnlyAdmin):
    list_display = ["title", "estate", "opens_on", "closes_on", "status"]
    list_filter = ["status", "estate"]
    list_select_related = ["estate"]
    search_fields = ["title"]
    inlines = [SurveyQuestionInline, SurveyEventInline]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(_ReadOnlyAdmin):
    list_display = ["survey", "unit", "submitted_at"]
    list_select_related = ["survey", "unit"]
    list_filter = ["survey__estate"]
    raw_id_fields = ["survey", "person", "unit", "submitted_by"]
