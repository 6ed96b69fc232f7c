"""Admin for teams, staff profiles, housekeepers' zones and notifications, scoped to the user's estates."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessLogAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from servicecenter.admin import (
    EstateScopedAdminMixin,
    ReadOnlyAdminMixin,
    ReadOnlyTabularInline,
    ServiceForm,
    ServiceFormAdminMixin,
)
from servicecenter.phones import phone_q, phone_search_digits
from servicecenter.roles import HOUSEKEEPER
from servicecenter.scoping import access_for
from staff import services
from staff.models import (
    AttendanceRecord,
    CorrectiveAction,
    EstateStaffSettings,
    InspectionChecklist,
    InspectionChecklistItem,
    Notification,
    OutboundMessage,
    ReceptionHours,
    ShiftHandover,
    ShiftType,
    StaffProfile,
    Team,
    TrainingAttendance,
    TrainingSession,
    Zone,
    ZoneBuilding,
)


@admin.register(Team)
class TeamAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: an estate's teams (name and kind), which tickets are dispatched to. Members
    join a team on their staff profile (services.update_staff_profile)."""

    list_display = ["name", "kind", "estate", "member_count"]
    list_filter = ["kind", "estate"]
    list_select_related = ["estate"]
    search_fields = ["name", "estate__name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


class StaffProfileForm(ServiceForm):
    class Meta:
        model = StaffProfile
        fields = ["user", "estates", "team", "phone", "title"]

    def write(self, data, *, instance):
        values = {"team": data.get("team"), "phone": data.get("phone", ""), "title": data.get("title", "")}
        estates = list(data.get("estates") or [])
        if instance is None:
            return services.create_staff_profile(
                actor=self.actor, user=data["user"], estates=estates, **values
            )
        # The editor chooses among the estates they can see; the profile keeps the others.
        hidden = instance.estates.exclude(pk__in=self.fields["estates"].queryset.values("pk"))
        return services.update_staff_profile(
            actor=self.actor, profile=instance, estates=estates + list(hidden), **values
        )


@admin.register(StaffProfile)
class StaffProfileAdmin(ServiceFormAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    """Written by services.create_staff_profile / update_staff_profile (estates included). Not
    deleted here: someone who leaves has their login deactivated, and their history stays theirs."""

    form = StaffProfileForm
    list_display = ["__str__", "username", "title", "team", "phone", "estate_names"]
    list_filter = ["estates", "team__kind"]
    list_select_related = ["user", "team"]
    # The phone is searched in get_search_results: in full or by its last four (servicecenter.phones).
    search_fields = ["user__username", "user__first_name", "user__last_name", "title"]
    raw_id_fields = ["user"]
    filter_horizontal = ["estates"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        # The service has set the estates already; only inlines (none today) are left to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("estates")

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = phone_search_digits(search_term)
        if digits:
            results = results | queryset.filter(phone_q("phone", digits))
        return results, may_have_duplicates

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    @admin.display(description=_("user name"), ordering="user__username")
    def username(self, obj):
        return obj.user.get_username()

    @admin.display(description=_("estates"))
    def estate_names(self, obj):
        return ", ".join(estate.name for estate in obj.estates.all())


class ZoneBuildingFormSet(BaseInlineFormSet):
    def kept_buildings(self) -> list:
        return [
            form.cleaned_data["building"]
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("building") is not None
            and not form.cleaned_data.get("DELETE")
        ]

    def clean(self):
        super().clean()
        zone = self.instance
        if zone.estate_id is None or any(self.errors):
            return
        try:
            services.check_zone_buildings(zone=zone, estate=zone.estate, buildings=self.kept_buildings())
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class ZoneBuildingInline(EstateScopedAdminMixin, admin.TabularInline):
    model = ZoneBuilding
    formset = ZoneBuildingFormSet
    estate_lookup = "zone__estate"
    autocomplete_fields = ["building"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("building")

    # A zone's buildings are part of the zone: whoever may edit zones may edit this list.
    def _may_edit_zone(self, request, obj) -> bool:
        return request.user.has_perm("staff.change_zone") or (
            obj is None and request.user.has_perm("staff.add_zone")
        )

    def has_add_permission(self, request, obj=None):
        return self._may_edit_zone(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit_zone(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit_zone(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("staff.view_zone") or self._may_edit_zone(request, obj)


class ZoneForm(ServiceForm):
    class Meta:
        model = Zone
        fields = ["estate", "name", "housekeeper"]

    def write(self, data, *, instance):
        if instance is None:
            return services.create_zone(
                actor=self.actor,
                estate=data["estate"],
                name=data["name"],
                housekeeper=data.get("housekeeper"),
            )
        return services.update_zone(
            actor=self.actor, zone=instance, name=data["name"], housekeeper=data.get("housekeeper")
        )


@admin.register(Zone)
class ZoneAdmin(ServiceFormAdminMixin, EstateScopedAdminMixin, admin.ModelAdmin):
    """Written by services.create_zone / update_zone / set_zone_buildings / delete_zone, which keep
    a zone's buildings in its estate and each building in one zone."""

    form = ZoneForm
    list_display = ["name", "estate", "housekeeper", "building_count"]
    list_filter = ["estate"]
    list_select_related = ["estate", "housekeeper"]
    search_fields = ["name", "housekeeper__username", "housekeeper__first_name", "housekeeper__last_name"]
    inlines = [ZoneBuildingInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(building_count=Count("zone_buildings"))

    @admin.display(description=_("buildings"), ordering="building_count")
    def building_count(self, obj):
        return obj.building_count

    def get_readonly_fields(self, request, obj=None):
        # A zone's buildings are of its estate; moving the zone would strand them.
        return ["estate"] if obj is not None else []

    def save_formset(self, request, form, formset, change):
        if formset.model is not ZoneBuilding:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # only to list what changed for the history entry; writes nothing
        services.set_zone_buildings(
            actor=request.user, zone=form.instance, buildings=formset.kept_buildings()
        )
        return None

    def delete_model(self, request, obj):
        services.delete_zone(actor=request.user, zone=obj)

    def delete_queryset(self, request, queryset):
        for zone in queryset:
            services.delete_zone(actor=request.user, zone=zone)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "housekeeper":
            # Housekeepers working in the estates this user manages, not every login of the company.
            housekeepers = get_user_model().objects.filter(groups__name=HOUSEKEEPER, is_active=True)
            access = access_for(request.user)
            if not access.all_estates:
                housekeepers = housekeepers.filter(staff_profile__estates__in=sorted(access.estate_ids))
            kwargs["queryset"] = housekeepers.distinct().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Notifications and messages are written only by services (the notification service and its
# delivery sweep); old read notifications are purged by services.purge_read_notifications.


@admin.register(Notification)
class NotificationAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    estate_lookup = "estate"
    list_display = ["title", "recipient", "kind", "estate", "created_at", "read_at"]
    list_filter = ["kind", "estate", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient", "estate"]
    search_fields = ["title", "recipient__username", "kind"]
    raw_id_fields = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(OutboundMessage)
class OutboundMessageAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    estate_lookup = "notification__estate"
    # The action checkboxes are labelled with str(message), which masks the address.
    actions = ["retry_now"]
    list_display = [
        "created_at",
        "channel",
        "masked_address",
        "subject",
        "status",
        "attempts",
        "not_before",
        "leased_until",
        "sent_at",
        "failed_at",
    ]
    list_filter = ["status", "channel"]
    list_select_related = ["notification"]
    # The address is shown masked: find a message by the whole address only, never by a part.
    search_fields = ["subject", "=address"]
    secret_fields = ("address",)
    raw_id_fields = ["notification"]
    exclude = ["address"]
    readonly_fields = ["masked_address"]
    date_hierarchy = "created_at"

    @admin.display(description=_("address"))
    def masked_address(self, obj):
        return obj.masked_address

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # delivery history is kept; nothing here deletes in bulk
        return actions

    def has_retry_permission(self, request):
        # The admin is read-only; putting a message back in the queue is the one write it offers.
        return request.user.has_perm("staff.change_outboundmessage")

    @admin.action(description=_("Retry the selected failed messages now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        requeued = services.retry_failed_messages(messages=queryset, actor=request.user)
        skipped = queryset.count() - requeued
        self.message_user(
            request,
            ngettext(
                "%(count)d failed message put back in the queue; it goes out with the next delivery run.",
                "%(count)d failed messages put back in the queue; they go out with the next delivery run.",
                requeued,
            )
            % {"count": requeued},
            messages.SUCCESS if requeued else messages.WARNING,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected message was not failed and was left alone.",
                    "%(count)d selected messages were not failed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


# --- Login attempts (django-axes; AXES_ENABLE_ADMIN is off so that they are registered here) ---


class ScopedAccessAttemptAdmin(AccessAttemptAdmin):
    """Failed logins. A manager unlocks a login by deleting its rows (the delete action).

    A manager sees the attempts on usernames of staff and residents of their estates; attempts on
    other or unknown usernames, and so the locks on an IP alone, are seen by company-wide users
    and end by time (servicecenter/login_throttle.py).
    """

    actions = ["cleanup_expired_attempts"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        access = access_for(request.user)
        if access.all_estates:
            return queryset
        estate_ids = sorted(access.estate_ids)
        usernames = (
            get_user_model()
            .objects.filter(Q(staff_profile__estates__in=estate_ids) | Q(persons__estate__in=estate_ids))
            .values("username")
        )
        return queryset.filter(username__in=usernames)

    @admin.action(description=_("Clean up expired attempts"))
    def cleanup_expired_attempts(self, request, queryset):
        # Axes' own action reads request attributes that only its login path sets.
        AxesProxyHandler.update_request(request)
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(
            request, gettext("Cleaned up %(count)d expired access attempts.") % {"count": count}
        )


admin.site.register(AccessAttempt, ScopedAccessAttemptAdmin)
admin.site.register(AccessLog, AccessLogAdmin)


class TrainingAttendanceInline(ReadOnlyTabularInline):
    model = TrainingAttendance
    fields = ["user", "attended", "score", "note", "recorded_by", "recorded_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("session", "user", "recorded_by")


@admin.register(TrainingSession)
class TrainingSessionAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: sessions and scores are logged on the training pages (staff.services_training)."""

    list_display = ["session_date", "topic", "estate", "trainer", "trainer_name"]
    list_filter = ["estate"]
    list_select_related = ["estate", "trainer"]
    search_fields = ["topic", "trainer_name"]
    date_hierarchy = "session_date"
    inlines = [TrainingAttendanceInline]


# --- Rosters' configuration -------------------------------------------------------------------


@admin.register(ShiftType)
class ShiftTypeAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: an estate's shift types, read when a roster cell is saved (the entry copies
    the times, so a change here does not rewrite past weeks). The model's clean refuses an end
    equal to the start; retired by unticking "active", never deleted while rostered (PROTECT)."""

    list_display = ["name", "code", "estate", "hours_label", "is_on_call", "is_active", "sort_order"]
    list_filter = ["estate", "is_on_call", "is_active"]
    list_select_related = ["estate"]
    search_fields = ["name", "code"]

    @admin.display(description=_("hours"))
    def hours_label(self, obj):
        return obj.hours_label


@admin.register(ReceptionHours)
class ReceptionHoursAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: when each estate's desk is open, read by the roster's "team left empty"
    check. One row per estate (a one-to-one); without a row the defaults apply."""

    list_display = ["estate", "weekday_opens", "weekday_closes", "weekend_opens", "weekend_closes"]
    list_select_related = ["estate"]


# --- dispatch settings, handovers and attendance (#13) ------------------------------------------


@admin.register(EstateStaffSettings)
class EstateStaffSettingsAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: whether an estate dispatches new tickets to the on-duty member or only to
    the team, and the lateness grace; read by tickets' dispatch and staff.services_attendance."""

    list_display = ["estate", "dispatch_mode", "late_grace_minutes"]
    list_select_related = ["estate"]


@admin.register(ShiftHandover)
class ShiftHandoverAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["written_at", "estate", "team", "written_by", "acknowledged_by", "acknowledged_at"]
    list_filter = ["estate", ("acknowledged_at", admin.EmptyFieldListFilter)]
    list_select_related = ["estate", "team", "written_by", "acknowledged_by"]
    search_fields = ["team__name", "written_by__username"]
    date_hierarchy = "written_at"


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "estate", "clock_in_at", "clock_out_at", "is_late", "left_early", "is_unrostered"]
    list_filter = ["estate", "is_late", "left_early", "is_unrostered"]
    list_select_related = ["user", "estate"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    date_hierarchy = "clock_in_at"


class InspectionChecklistItemInline(admin.TabularInline):
    model = InspectionChecklistItem
    fields = ["text", "sort_order", "is_active"]
    extra = 0


@admin.register(InspectionChecklist)
class InspectionChecklistAdmin(EstateScopedAdminMixin, admin.ModelAdmin):
    """Configuration: each estate's quality checklists per team kind (seeded with defaults by
    services_quality.ensure_default_checklists); items are retired, never deleted once judged."""

    list_display = ["name", "team_kind", "estate", "is_active"]
    list_filter = ["team_kind", "is_active", "estate"]
    list_select_related = ["estate"]
    search_fields = ["name", "estate__name"]
    inlines = [InspectionChecklistItemInline]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(EstateScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: CAPA is recorded on the desk (staff:capa) through record_corrective_action."""

    list_display = ["item", "estate", "cause", "recorded_by", "recorded_at"]
    list_filter = ["estate"]
    list_select_related = ["item", "estate", "recorded_by"]
    search_fields = ["cause", "corrective_action", "preventive_action", "item__text"]
    date_hierarchy = "recorded_at"
