"""Admin for the archive. Scoped to the user's estates; phones and ID numbers are never shown in
full here (the logged reveal on the desk person page is the only way to see them)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from residents import services
from residents.models import (
    ArchiveDocument,
    Building,
    Estate,
    HouseholdChange,
    HouseholdRequest,
    HouseholdRequestEvent,
    Occupancy,
    Pass,
    Person,
    SensitiveAccessLog,
    Unit,
)
from servicecenter.admin import (
    EstateScopedAdminMixin,
    ReadOnlyTabularInline,
    ServiceForm,
    ServiceFormAdminMixin,
)
from servicecenter.crypto import keyed_hash
from servicecenter.exceptions import DomainError
from servicecenter.phones import phone_q, phone_search_digits
from servicecenter.validators import normalize_id_number, normalize_mobile


@admin.register(Estate)
class EstateAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: the company's list of estates (name, code, address, phone), edited by head
    office. No service writes estates, and nothing derived is stored from these fields."""

    list_display = ["name", "code", "kind", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "address"]


class BuildingAdminForm(ServiceForm):
    class Meta:
        model = Building
        fields = ["estate", "code", "name", "floors", "has_elevator"]

    def write(self, data, *, instance):
        values = {name: data[name] for name in services.BUILDING_FIELDS if name in data}
        if instance is not None:
            return services.update_building(actor=self.actor, building=instance, **values)
        return services.create_building(actor=self.actor, estate=data["estate"], **values)


@admin.register(Building)
class BuildingAdmin(ServiceFormAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    """Written by services.create_building / update_building (renaming renumbers the units).
    Not deleted here: units, zones and tickets hang off a building; a wrong one is renamed."""

    form = BuildingAdminForm
    list_display = ["code", "name", "estate", "floors", "has_elevator"]
    list_filter = ["estate", "has_elevator"]
    list_select_related = ["estate"]
    search_fields = ["code", "name", "estate__name", "estate__code"]

    def get_readonly_fields(self, request, obj=None):
        # A building's units carry its estate; moving it would split them across estates.
        return ["estate"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


class UnitAdminForm(ServiceForm):
    class Meta:
        model = Unit
        fields = ["building", "entrance", "number", "floor", "area", "use", "state", "notes"]

    def write(self, data, *, instance):
        # The unit's code ("3-2-1101") and its uniqueness in the estate are the service's.
        values = {name: data[name] for name in services.UNIT_FIELDS if name in data}
        if instance is not None:
            return services.update_unit(actor=self.actor, unit=instance, **values)
        return services.create_unit(actor=self.actor, building=data["building"], **values)


@admin.register(Unit)
class UnitAdmin(ServiceFormAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    """Written by services.create_unit / update_unit. Not deleted here: bills, tickets and
    occupancies refer to a unit; a unit stays in its building (the code embeds the building)."""

    form = UnitAdminForm
    list_display = ["code", "estate", "building", "floor", "area", "use", "state"]
    list_filter = ["estate", "use", "state"]
    list_select_related = ["estate", "building"]
    search_fields = ["code", "number"]
    autocomplete_fields = ["building"]
    fields = ["estate", "building", "entrance", "number", "code", "floor", "area", "use", "state", "notes"]
    ordering = ["estate__code", "code"]

    def get_readonly_fields(self, request, obj=None):
        return ["estate", "code", "building"] if obj is not None else ["estate", "code"]

    def has_delete_permission(self, request, obj=None):
        return False

    def view_on_site(self, obj):
        return reverse("residents:unit_detail", args=[obj.pk])


class PersonAdminForm(ServiceForm):
    """Phone and ID fields start blank: a blank one keeps the stored value, which never reaches
    the browser. Saved through services.create_person / update_person, which normalise and check
    the numbers and store the ID number encrypted with its keyed hash."""

    id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)

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

    def clean_mobile(self):
        # The model's validator reads the field as typed; the service stores it normalised.
        return normalize_mobile(self.cleaned_data.get("mobile", ""))

    def write(self, data, *, instance):
        if instance is None:
            person = services.create_person(
                actor=self.actor,
                estate=data["estate"],
                name=data.get("name", ""),
                id_number=data.get("id_number", ""),
                **{name: data.get(name, "") for name in services.PERSON_FIELDS if name != "name"},
            )
            if data.get("user") is not None:
                services.link_person_login(actor=self.actor, person=person, user=data["user"])
            return person
        # Only what was typed: a blank number field is unchanged and keeps the stored number.
        changed = {name: data[name] for name in services.PERSON_FIELDS if name in self.changed_data}
        person = services.update_person(
            actor=self.actor, person=instance, id_number=data.get("id_number") or None, **changed
        )
        if "user" in self.changed_data:
            services.link_person_login(actor=self.actor, person=person, user=data.get("user"))
        return person


class OccupancyInline(ReadOnlyTabularInline):
    """Who lives where, for reference; links are made and ended on the desk unit page."""

    model = Occupancy
    fields = ["unit", "role", "start_date", "end_date"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit")


@admin.register(Person)
class PersonAdmin(ServiceFormAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
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
                phone_q("mobile", digits, keyed=True) | phone_q("other_phones", digits, listed=True)
            )
        number = normalize_id_number(search_term)
        if len(number) == 18:
            # ID numbers are stored encrypted; an exact match is found through the keyed hash.
            results = results | queryset.filter(id_number_hash=keyed_hash(number))
        return results, may_have_duplicates

    def has_delete_permission(self, request, obj=None):
        # Tickets, bills and occupancies refer to people; a person who left keeps their history.
        return False

    def view_on_site(self, obj):
        return reverse("residents:person_detail", args=[obj.pk])


@admin.register(Occupancy)
class OccupancyAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Read-only: links are made on the desk unit page (services.add_occupancy checks the estate,
    the role and duplicates) and ended there or with the action here (services.end_occupancy)."""

    list_display = ["person", "unit", "role", "is_payer", "sees_bills", "start_date", "end_date"]
    list_filter = ["role", "unit__estate"]
    list_select_related = ["person", "unit"]
    search_fields = ["person__name", "unit__code"]
    fields = ["person", "unit", "role", "is_payer", "sees_bills", "start_date", "end_date", "created_at"]
    date_hierarchy = "start_date"
    actions = ["end_today"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_end_permission(self, request):
        return request.user.has_perm("residents.change_occupancy")

    @admin.action(description=_("End the selected occupancies today"), permissions=["end"])
    def end_today(self, request, queryset):
        ended = 0
        for occupancy in queryset:
            try:
                services.end_occupancy(actor=request.user, occupancy=occupancy)
            except DomainError as error:
                self.message_user(request, f"{occupancy}: {error.message}", messages.ERROR)
            else:
                ended += 1
        if ended:
            self.message_user(
                request,
                ngettext("%(count)d occupancy ended.", "%(count)d occupancies ended.", ended)
                % {"count": ended},
                messages.SUCCESS,
            )


class ArchiveDocumentForm(ServiceForm):
    class Meta:
        model = ArchiveDocument
        fields = ["title", "kind"]

    def write(self, data, *, instance):
        return services.update_document(
            actor=self.actor, document=instance, title=data["title"], kind=data["kind"]
        )


@admin.register(ArchiveDocument)
class ArchiveDocumentAdmin(ServiceFormAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    """Uploads go through the desk pages, where the file type is checked from its bytes. Here a
    title or kind is corrected (services.update_document) and a mistaken upload is deleted with
    its file (services.delete_document)."""

    form = ArchiveDocumentForm

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

    def delete_model(self, request, obj):
        services.delete_document(actor=request.user, document=obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.delete_document(actor=request.user, document=document)

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


@admin.register(Pass)
class PassAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Read-only: passes are issued by the desk (services.issue_pass) or by a renovation's permit,
    and revoked through services.revoke_pass (the action here asks for the reason). Numbers of the
    holder are shown masked."""

    list_display = [
        "number",
        "kind",
        "holder_name",
        "holder_id_masked",
        "masked_mobile",
        "unit",
        "estate",
        "valid_from",
        "valid_until",
        "state_now",
    ]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter), "valid_until", "estate"]
    list_select_related = ["estate", "unit"]
    search_fields = ["number", "holder_name"]
    date_hierarchy = "issued_at"
    fields = [
        "number",
        "kind",
        "estate",
        "unit",
        "holder_name",
        "masked_mobile",
        "holder_id_masked",
        "person",
        "valid_from",
        "valid_until",
        "allowed_hours",
        "source_reference",
        "issued_by",
        "issued_at",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
    readonly_fields = fields
    actions = ["revoke_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return request.user.has_perm(services.PASS_PERMISSION)

    @admin.display(description=_("holder's mobile"))
    def masked_mobile(self, obj):
        return obj.holder_mobile_masked or "—"

    @admin.display(description=_("state"))
    def state_now(self, obj):
        return obj.state_at(timezone.now())

    @admin.action(description=_("Revoke the selected passes (with a reason)"), permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        """Asks for the reason on a second page, then revokes each pass through the service."""
        reason = (request.POST.get("reason") or "").strip()
        if "apply" not in request.POST or not reason:
            return TemplateResponse(
                request,
                "admin/residents/revoke_passes.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Revoke passes"),
                    "passes": queryset.select_related("unit"),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                    "missing_reason": "apply" in request.POST,
                },
            )
        revoked = 0
        for pass_ in queryset:
            try:
                services.revoke_pass(pass_=pass_, actor=request.user, reason=reason)
            except (DomainError, PermissionDenied) as error:
                self.message_user(request, f"{pass_}: {getattr(error, 'message', error)}", messages.ERROR)
            else:
                revoked += 1
        if revoked:
            self.message_user(
                request,
                ngettext("%(count)d pass revoked.", "%(count)d passes revoked.", revoked)
                % {"count": revoked},
                messages.SUCCESS,
            )
        return None


class _HouseholdRequestEventInline(admin.TabularInline):
    model = HouseholdRequestEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HouseholdRequest)
class HouseholdRequestAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Read-only: owners ask in the portal, the desk decides on its queue (residents.services_household)."""

    secret_fields = ("id_number_hash", "id_number_ciphertext")
    list_display = ["requested_at", "unit", "name", "role", "id_number_masked", "status"]
    list_filter = ["estate", "status", "role"]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "name"]
    fields = [
        "estate",
        "unit",
        "name",
        "role",
        "id_number_masked",
        "move_in_date",
        "status",
        "reject_reason",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "occupancy",
    ]
    readonly_fields = fields
    inlines = [_HouseholdRequestEventInline]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
