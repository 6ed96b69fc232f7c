"""Admin for renovations: the manager's configuration (scope items, the rules with their working
hours and charges, public holidays) is edited here. Renovations, patrols, violations and
deductions are shown read-only: each change to them is a workflow step (an event row, money
through billing, passes), made by the services from the desk pages and the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from renovations.hours import normalise_working_hours
from renovations.models import (
    Deduction,
    Inspection,
    Patrol,
    PublicHoliday,
    Renovation,
    RenovationCharge,
    RenovationEvent,
    RenovationRules,
    RenovationWorker,
    ScopeItem,
    Violation,
    ViolationEvent,
)
from servicecenter.admin import EstateScopedAdminMixin, ReadOnlyAdminMixin, ReadOnlyTabularInline
from servicecenter.scoping import access_for

ReadOnlyInline = ReadOnlyTabularInline


# --- configuration ------------------------------------------------------------------------------


@admin.register(ScopeItem)
class ScopeItemAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: the estate's list of works an application chooses from. Whether an item
    needs the engineering review is data on the item, read when an application is submitted (a
    change applies to later applications). Switched off with "active", never deleted
    (renovations refer to them)."""

    list_display = ["name", "estate", "area", "is_regular", "is_noisy", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["estate", "is_regular", "area", "is_active"]
    list_select_related = ["estate"]
    search_fields = ["name"]
    fields = ["estate", "name", "area", "is_regular", "is_noisy", "description", "is_active", "sort_order"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RenovationRulesForm(forms.ModelForm):
    class Meta:
        model = RenovationRules
        fields = [
            "estate",
            "weekday_hours",
            "weekend_hours",
            "noisy_work_at_weekends",
            "noisy_work_on_holidays",
            "deposit_amount",
            "rubbish_fee",
            "pass_card_fee",
            "max_duration_days",
            "second_inspection_days",
            "rules_text",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model says "leave empty for no work at weekends" but does not allow blank.
        self.fields["weekend_hours"].required = False

    def clean_weekday_hours(self) -> str:
        return normalise_working_hours(self.cleaned_data["weekday_hours"])

    def clean_weekend_hours(self) -> str:
        return normalise_working_hours(self.cleaned_data["weekend_hours"])


@admin.register(RenovationRules)
class RenovationRulesAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: per estate, the hours printed on permits and passes (frozen on each permit
    when it is issued), the charges a new approval bills, and the inspection and duration limits.
    One row per estate is a database constraint; without a row the defaults apply."""

    form = RenovationRulesForm
    estate_lookup = "estate"
    list_display = [
        "estate",
        "weekday_hours",
        "weekend_hours",
        "deposit_amount",
        "rubbish_fee",
        "pass_card_fee",
        "second_inspection_days",
    ]
    list_select_related = ["estate"]
    fieldsets = [
        (None, {"fields": ["estate"]}),
        (
            _("Working hours"),
            {
                "fields": [
                    "weekday_hours",
                    "weekend_hours",
                    "noisy_work_at_weekends",
                    "noisy_work_on_holidays",
                ],
                "description": _(
                    "One or more periods a day, separated by commas, e.g. 08:00-12:00,14:00-18:00."
                ),
            },
        ),
        (_("Charges"), {"fields": ["deposit_amount", "rubbish_fee", "pass_card_fee"]}),
        (_("Limits and inspections"), {"fields": ["max_duration_days", "second_inspection_days"]}),
        (None, {"fields": ["rules_text"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PublicHolidayForm(forms.ModelForm):
    class Meta:
        model = PublicHoliday
        fields = ["date", "name", "estate"]

    def clean(self):
        data = super().clean()
        day, estate = data.get("date"), data.get("estate")
        if day is None:
            return data
        # The database's unique (estate, date) cannot see a clash with an all-estates row (NULL).
        clashes = PublicHoliday.objects.filter(date=day).exclude(pk=self.instance.pk)
        if estate is not None:
            clashes = clashes.filter(estate__isnull=True) | clashes.filter(estate=estate)
        if clashes.exists():
            raise ValidationError(
                _("%(date)s is already a public holiday: %(name)s.")
                % {"date": day.isoformat(), "name": clashes.first().name},
                code="holiday_exists",
            )
        return data


@admin.register(PublicHoliday)
class PublicHolidayAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: days with no noisy work. Rows without an estate (China's public holidays,
    seeded from renovations.defaults) belong to head office; a manager reads them and adds their
    own estates' days (a local festival, a school exam week)."""

    form = PublicHolidayForm
    list_display = ["date", "name", "estate_or_all"]
    list_filter = ["estate"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request).select_related("estate")
        access = access_for(request.user)
        if access.all_estates:
            return queryset
        return queryset.filter(estate__isnull=True) | queryset.filter(estate_id__in=sorted(access.estate_ids))

    def _is_head_office_row(self, request, obj) -> bool:
        return obj is not None and obj.estate_id is None and not access_for(request.user).all_estates

    def has_change_permission(self, request, obj=None) -> bool:
        if self._is_head_office_row(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if self._is_head_office_row(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk delete would reach the head-office rows the per-row check protects.
        actions = super().get_actions(request)
        if not access_for(request.user).all_estates:
            actions.pop("delete_selected", None)
        return actions

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "estate" and not access_for(request.user).all_estates:
            kwargs["required"] = True  # a blank estate would be a holiday for every estate
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("estate"), ordering="estate")
    def estate_or_all(self, obj: PublicHoliday) -> str:
        return str(obj.estate) if obj.estate_id else str(_("All estates"))


# --- read-only records --------------------------------------------------------------------------


class RenovationEventInline(ReadOnlyInline):
    model = RenovationEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class RenovationWorkerInline(ReadOnlyInline):
    """Workers with their phone and ID number masked, as on the desk pages."""

    model = RenovationWorker
    fields = ["name", "trade", "masked_mobile", "id_number_masked", "current_pass", "added_at", "removed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("current_pass")

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj: RenovationWorker) -> str:
        return obj.mobile_masked


class RenovationChargeInline(ReadOnlyInline):
    model = RenovationCharge
    fields = ["kind", "amount", "bill", "deposit_account", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("bill", "deposit_account")


class InspectionInline(ReadOnlyInline):
    model = Inspection
    fields = ["kind", "result", "findings", "inspector", "inspected_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("inspector")


class DeductionInline(ReadOnlyInline):
    model = Deduction
    fields = ["amount", "reason", "violation", "movement", "proposed_by", "proposed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("violation", "movement", "proposed_by")


@admin.register(Renovation)
class RenovationAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "estate",
        "unit",
        "status",
        "is_regular",
        "contractor_company",
        "planned_start",
        "planned_end",
        "created_at",
    ]
    list_filter = ["estate", "status", "is_regular"]
    list_select_related = ["estate", "unit"]
    search_fields = ["number", "unit__code", "contractor_company"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ["idempotency_key"]
    inlines = [
        RenovationEventInline,
        RenovationWorkerInline,
        RenovationChargeInline,
        InspectionInline,
        DeductionInline,
    ]


class ViolationEventInline(ReadOnlyInline):
    model = ViolationEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Patrol)
class PatrolAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["date", "estate", "renovation", "zone", "assignee", "result", "patrolled_at"]
    list_filter = ["estate", "result"]
    list_select_related = ["estate", "renovation", "zone", "assignee"]
    search_fields = ["renovation__number"]
    date_hierarchy = "date"
    show_full_result_count = False


@admin.register(Violation)
class ViolationAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["found_at", "unit", "renovation", "kind", "source", "status", "stop_order", "rectify_by"]
    list_filter = ["estate", "status", "kind", "source", "stop_order"]
    list_select_related = ["unit", "renovation"]
    search_fields = ["renovation__number", "unit__code"]
    date_hierarchy = "found_at"
    show_full_result_count = False
    inlines = [ViolationEventInline]


@admin.register(Deduction)
class DeductionAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposed_at", "renovation", "amount", "reason", "violation", "movement", "proposed_by"]
    list_filter = ["renovation__estate"]
    date_hierarchy = "proposed_at"
    list_select_related = ["renovation", "violation", "movement__account__unit", "proposed_by"]
    search_fields = ["renovation__number"]
    show_full_result_count = False
