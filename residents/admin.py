"""Admin for the archive. Scoped to the user's estates; phones and ID numbers are never shown in
full here (the logged reveal on the desk person page is the only way to see them)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from residents import services
from residents.models import (
    ArchiveDocument,
    Building,
    Estate,
    HouseholdChange,
    Occupancy,
    Person,
    SensitiveAccessLog,
    Unit,
)
from servicecenter.admin import EstateScopedAdminMixin
from servicecenter.crypto import keyed_hash
from servicecenter.phones import phone_q, phone_search_digits
from servicecenter.validators import (
    normalize_id_number,
    normalize_mobile,
    normalize_phone_list,
    validate_id_number,
)


@admin.register(Estate)
class EstateAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "kind", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "address"]


@admin.register(Building)
class BuildingAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "estate", "floors", "has_elevator"]
    list_filter = ["estate", "has_elevator"]
    list_select_related = ["estate"]
    search_fields = ["code", "name", "estate__name", "estate__code"]

    def get_readonly_fields(self, request, obj=None):
        # A building's units carry its estate; moving it would split them across estates.
        return ["estate"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change and "code" in form.changed_data:
            # Unit codes embed the building number ("3-2-1101"); the service renumbers them too.
            services.update_building(
                actor=request.user,
                building=obj,
                **{
                    name: form.cleaned_data[name]
                    for name in services.BUILDING_FIELDS
                    if name in form.cleaned_data
                },
            )
        else:
            super().save_model(request, obj, form, change)


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["building", "entrance", "number", "floor", "area", "use", "state", "notes"]

    def clean(self):
        cleaned = super().clean()
        building = cleaned.get("building") or (self.instance.building if self.instance.pk else None)
        if building is not None and cleaned.get("number"):
            code = services.unit_code(
                building_code=building.code, entrance=cleaned.get("entrance", ""), number=cleaned["number"]
            )
            taken = Unit.objects.filter(estate_id=building.estate_id, code=code).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("number", gettext("This estate already has a unit with this number."))
        return cleaned


@admin.register(Unit)
class UnitAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    form = UnitAdminForm
    list_display = ["code", "estate", "building", "floor", "area", "use", "state"]
    list_filter = ["estate", "use", "state"]
    list_select_related = ["estate", "building"]
    search_fields = ["code", "number"]
    autocomplete_fields = ["building"]
    fields = ["estate", "building", "entrance", "number", "code", "floor", "area", "use", "state", "notes"]
    readonly_fields = ["estate", "code"]
    ordering = ["estate__code", "code"]

    def save_model(self, request, obj, form, change):
        # The building may change here too: the estate and the code follow it.
        services.assign_unit_code(unit=obj)
        super().save_model(request, obj, form, change)

    def view_on_site(self, obj):
        return reverse("residents:unit_detail", args=[obj.pk])


class PersonAdminForm(forms.ModelForm):
    """Phone and ID fields start blank: a blank one keeps the stored value, which never reaches
    the browser. The ID number is stored through Person.set_id_number (encrypted + keyed hash)."""

    id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)

    keep_if_blank = ("mobile", "other_phones", "emergency_contact_phone")

    class Meta:
        model = Person
        fields = [
            "estate",
            "name",
            "mobile",
            "other_phones",
            "id_number",
            "emergency_contact_name",
            "emergency_contact_phone",
            "notes",
            "user",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.instance
        if person.pk is None:
            return
        masked = {
            "mobile": person.mobile_masked,
            "other_phones": person.other_phones_masked,
            "emergency_contact_phone": person.emergency_contact_phone_masked,
            "id_number": person.id_number_masked,
        }
        for name, shown in masked.items():
            if name not in self.fields:
                continue
            self.initial[name] = ""
            if shown:
                self.fields[name].help_text = gettext(
                    "Leave blank to keep the stored number (%(masked)s)."
                ) % {"masked": shown}

    def _keep_or(self, name: str, value: str) -> str:
        return value if value or self.instance.pk is None else getattr(self.instance, name)

    def clean_mobile(self):
        return self._keep_or("mobile", normalize_mobile(self.cleaned_data.get("mobile", "")))

    def clean_other_phones(self):
        return self._keep_or("other_phones", normalize_phone_list(self.cleaned_data.get("other_phones", "")))

    def clean_emergency_contact_phone(self):
        return self._keep_or(
            "emergency_contact_phone", normalize_mobile(self.cleaned_data.get("emergency_contact_phone", ""))
        )

    def clean_id_number(self):
        number = normalize_id_number(self.cleaned_data.get("id_number", ""))
        if number:
            validate_id_number(number)
        return number

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("id_number")
        estate = cleaned.get("estate") or (self.instance.estate if self.instance.estate_id else None)
        if number and estate is not None:
            duplicate = Person.objects.filter(estate=estate, id_number_hash=keyed_hash(number))
            if duplicate.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "id_number", gettext("A person with this ID number is already in this estate's archive.")
                )
        return cleaned


class OccupancyInline(admin.TabularInline):
    """Who lives where, for reference; links are made and ended on the desk unit page."""

    model = Occupancy
    fields = ["unit", "role", "start_date", "end_date"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


@admin.register(Person)
class PersonAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ["name", "estate", "masked_mobile", "masked_id_number", "has_login"]
    list_filter = ["estate"]
    list_select_related = ["estate"]
    # Phones are matched in get_search_results: in full or by exactly the last four digits, never
    # a fragment (the admin's own search would be a substring match on the hidden digits).
    search_fields = ["name"]
    raw_id_fields = ["user"]
    inlines = [OccupancyInline]
    fields = PersonAdminForm.Meta.fields

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj):
        return obj.mobile_masked

    @admin.display(description=_("ID number"), ordering="id_number_masked")
    def masked_id_number(self, obj):
        return obj.id_number_masked

    @admin.display(description=_("portal login"), boolean=True, ordering="user")
    def has_login(self, obj):
        return obj.user_id is not None

    def get_readonly_fields(self, request, obj=None):
        # Occupancies tie a person to units of one estate; moving the person would break that.
        return ["estate"] if obj is not None else []

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = phone_search_digits(search_term)
        if digits:
            results = results | queryset.filter(
                phone_q("mobile", digits) | phone_q("other_phones", digits, listed=True)
            )
        number = normalize_id_number(search_term)
        if len(number) == 18:
            # ID numbers are stored encrypted; an exact match is found through the keyed hash.
            results = results | queryset.filter(id_number_hash=keyed_hash(number))
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        number = form.cleaned_data.get("id_number")
        if number:
            obj.set_id_number(number)
        super().save_model(request, obj, form, change)

    def view_on_site(self, obj):
        return reverse("residents:person_detail", args=[obj.pk])


@admin.register(Occupancy)
class OccupancyAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Dates can be corrected here; new links go through the desk unit page, which checks the rules."""

    list_display = ["person", "unit", "role", "start_date", "end_date"]
    list_filter = ["role", "unit__estate"]
    list_select_related = ["person", "unit"]
    search_fields = ["person__name", "unit__code"]
    readonly_fields = ["person", "unit", "role", "created_at"]
    fields = ["person", "unit", "role", "start_date", "end_date", "created_at"]
    date_hierarchy = "start_date"

    def has_add_permission(self, request):
        return False


@admin.register(ArchiveDocument)
class ArchiveDocumentAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Uploads go through the desk pages, where the file type is checked from its bytes."""

    list_display = ["title", "kind", "estate", "unit", "person", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "estate"]
    list_select_related = ["estate", "unit", "person", "uploaded_by"]
    search_fields = ["title", "original_name", "unit__code", "person__name"]
    fields = [
        "title",
        "kind",
        "download",
        "estate",
        "unit",
        "person",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = [
        "download",
        "estate",
        "unit",
        "person",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    date_hierarchy = "uploaded_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("file"))
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("residents:document_download", args=[obj.pk]), obj.original_name
        )


@admin.register(HouseholdChange)
class HouseholdChangeAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Who named a unit's payer or changed who sees its bills, and when: read-only for everyone
    (the changes themselves go through the portal household page, the desk unit page or the API)."""

    list_display = ["created_at", "unit", "occupancy", "kind", "actor"]
    list_filter = ["kind", "unit__estate"]
    list_select_related = ["unit", "occupancy__person", "occupancy__unit", "actor"]
    search_fields = ["unit__code", "occupancy__person__name", "actor__username"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SensitiveAccessLog)
class SensitiveAccessLogAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """The audit trail of reveals, ID checks and calls from tasks: read-only for everyone."""

    list_display = [
        "created_at",
        "actor",
        "person",
        "action",
        "matched",
        "reason",
        "task",
        "estate",
        "ip_address",
    ]
    list_filter = ["action", "purpose", "matched", "estate"]
    list_select_related = ["actor", "person", "estate"]
    search_fields = ["person__name", "actor__username", "reason"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # The task pages by URL name only: residents imports neither tickets nor billing.
    TASK_PAGES = {
        SensitiveAccessLog.Purpose.CALLBACK: "tickets:callback_detail",
        SensitiveAccessLog.Purpose.TICKET: "tickets:detail",
        SensitiveAccessLog.Purpose.FEE_CALL: "residents:unit_detail",
    }

    @admin.display(description=_("task"), ordering="purpose")
    def task(self, obj):
        if not obj.purpose:
            return "—"
        label = obj.get_purpose_display()
        try:
            url = reverse(self.TASK_PAGES[obj.purpose], args=[obj.purpose_id])
        except (KeyError, NoReverseMatch):
            return label
        return format_html('<a href="{}">{} #{}</a>', url, label, obj.purpose_id)
