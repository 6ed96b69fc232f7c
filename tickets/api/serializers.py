"""Ticket API shapes. Read serializers show masked phones only; input serializers parse and
validate the request, and the view hands the result to one service."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from residents.models import Estate, Person, Unit
from servicecenter.api import IdField, MoneyField, MonthField
from servicecenter.authz import forbidden_fields
from servicecenter.scoping import access_for
from servicecenter.uploads import UploadField
from staff.models import Team
from tickets.models import (
    Callback,
    PublicLocation,
    ReplyChannel,
    RootCause,
    SlaTarget,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketCoReporter,
    TicketEvent,
)

User = get_user_model()


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


class SlaTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaTarget
        fields = ["priority", "response_minutes", "resolution_minutes"]


class TicketCategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    default_priority = serializers.CharField(read_only=True, help_text=_("One of the ticket priorities."))
    team_kind = serializers.CharField(read_only=True, help_text=_("The kind of team the work goes to."))
    sla = SlaTargetSerializer(source="sla_targets", many=True, read_only=True)

    class Meta:
        model = TicketCategory
        fields = ["id", "code", "name", "team_kind", "default_priority", "is_callback_mandatory", "sla"]


class PublicLocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicLocation
        fields = ["id", "estate", "building", "name", "sort_order"]


class RootCauseSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = RootCause
        fields = ["id", "code", "name"]


class TicketSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.__str__", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True, default=None)
    public_location_name = serializers.CharField(source="public_location.name", read_only=True, default=None)
    reporter_name = serializers.CharField(source="reporter_display_name", read_only=True)
    reporter_phone = serializers.CharField(source="reporter_phone_masked", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    assignee_name = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "estate",
            "kind",
            "channel",
            "status",
            "status_display",
            "priority",
            "category",
            "category_name",
            "unit",
            "unit_code",
            "public_location",
            "public_location_name",
            "location",
            "reporter",
            "reporter_name",
            "reporter_phone",
            "description",
            "is_paid_service",
            "service_price",
            "is_major",
            "authority_reference",
            "reply_deadline_at",
            "team",
            "team_name",
            "assignee",
            "assignee_name",
            "created_at",
            "response_due_at",
            "resolution_due_at",
            "first_responded_at",
            "first_replied_at",
            "first_resolved_at",
            "first_resolution_due_at",
            "resolved_at",
            "closed_at",
            "root_cause",
            "on_hold_minutes",
            "reopen_count",
            "is_overdue",
            "is_unreachable",
            "resolution_note",
            "cancel_reason",
        ]
        read_only_fields = fields

    def get_assignee_name(self, ticket: Ticket) -> str:
        return _display_name(ticket.assignee)


class TicketEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    from_status = serializers.CharField(read_only=True, help_text=_("A ticket status, or empty."))
    to_status = serializers.CharField(read_only=True, help_text=_("A ticket status, or empty."))

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "kind",
            "created_at",
            "actor",
            "actor_name",
            "from_status",
            "to_status",
            "note",
            "is_public",
            "channel",
        ]

    def get_actor_name(self, event: TicketEvent) -> str:
        return _display_name(event.actor)


class TicketAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = TicketAttachment
        fields = ["id", "original_name", "content_type", "size", "is_internal", "uploaded_at", "url"]

    def get_url(self, attachment: TicketAttachment) -> str:
        return reverse("ticket-attachment-file", args=[attachment.ticket_id, attachment.pk])


class CallbackSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    unit_code = serializers.CharField(source="ticket.unit.code", read_only=True, default=None)
    reporter_name = serializers.CharField(source="ticket.reporter_display_name", read_only=True)
    reporter_phone = serializers.CharField(source="ticket.reporter_phone_masked", read_only=True)
    assigned_to_name = serializers.SerializerMethodField()
    solved = serializers.BooleanField(source="is_solved", read_only=True)

    class Meta:
        model = Callback
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "unit_code",
            "reporter_name",
            "reporter_phone",
            "round",
            "status",
            "is_mandatory",
            "assigned_to",
            "assigned_to_name",
            "team",
            "due_at",
            "next_attempt_at",
            "attempt_count",
            "method",
            "reached",
            "satisfaction",
            "solved",
            "comment",
            "completed_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_assigned_to_name(self, callback: Callback) -> str:
        return _display_name(callback.assigned_to)


class TicketDetailSerializer(TicketSerializer):
    events = TicketEventSerializer(many=True, read_only=True)
    attachments = TicketAttachmentSerializer(many=True, read_only=True)
    callbacks = serializers.SerializerMethodField()
    co_reporters = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "events", "attachments", "callbacks", "co_reporters"]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_co_reporters(self, ticket: Ticket) -> list[dict]:
        """Others who reported the same problem (staff only: they are other residents)."""
        request = self.context.get("request")
        if request is not None and not access_for(request.user).is_staff_member:
            return []
        return TicketCoReporterSerializer(ticket.co_reporters.all(), many=True, context=self.context).data

    def get_callbacks(self, ticket: Ticket) -> list[dict]:
        request = self.context.get("request")
        if request is not None and not access_for(request.user).is_staff_member:
            return []
        return CallbackSerializer(ticket.callbacks.all(), many=True, context=self.context).data


# --- input -------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class _ScopedPrimaryKey(serializers.PrimaryKeyRelatedField):
    """A primary key looked up only among the objects the requesting user may see: anything
    else is "does not exist", whatever the reason."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.model.objects.none()
        return self.model.objects.visible_to(request.user)


@extend_schema_field(OpenApiTypes.INT)
class _StaffUserField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        access = access_for(request.user) if request else None
        if access is None or not access.is_staff_member:
            return User.objects.none()
        users = User.objects.filter(is_active=True, staff_profile__isnull=False)
        if not access.all_estates:
            users = users.filter(staff_profile__estates__in=sorted(access.estate_ids)).distinct()
        return users


class TicketCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Ticket.Kind.choices)
    channel = serializers.ChoiceField(choices=Ticket.Channel.choices, required=False, allow_null=True)
    category = serializers.PrimaryKeyRelatedField(queryset=TicketCategory.objects.filter(is_active=True))
    description = serializers.CharField(max_length=4000)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False, allow_null=True)
    estate = _ScopedPrimaryKey(Estate, required=False, allow_null=True)
    unit = _ScopedPrimaryKey(Unit, required=False, allow_null=True)
    public_location = _ScopedPrimaryKey(PublicLocation, required=False, allow_null=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reporter = _ScopedPrimaryKey(Person, required=False, allow_null=True)
    reporter_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    is_paid_service = serializers.BooleanField(required=False, default=False)
    service_price = MoneyField(required=False, allow_null=True)
    is_major = serializers.BooleanField(required=False, default=False)
    authority_reference = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for the channels hotline_12345 and authority: the authority's case number."),
    )
    reply_deadline_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "When the authority expects the answer; an earlier one shortens the resolution deadline."
        ),
    )
    team = _ScopedPrimaryKey(Team, required=False, allow_null=True)
    assignee = _StaffUserField(required=False, allow_null=True)

    def validate(self, attrs):
        request = self.context.get("request")
        if request is not None:
            # A 400 that names the field, not a silent drop: a client learns what it may send.
            refused = forbidden_fields(
                "tickets.ticket.create",
                is_staff_member=access_for(request.user).is_staff_member,
                submitted=[name for name in self.initial_data if name in self.fields],
            )
            if refused:
                raise serializers.ValidationError(
                    {
                        name: _("Residents may not set this; the service centre decides it.")
                        for name in refused
                    }
                )
        if not attrs.get("unit") and not attrs.get("public_location"):
            raise serializers.ValidationError({"unit": _("Give a unit, or a public location.")})
        if not attrs.get("channel"):
            request = self.context.get("request")
            if request is not None and access_for(request.user).is_staff_member:
                raise serializers.ValidationError({"channel": _("Say how the request came in.")})
            attrs["channel"] = Ticket.Channel.PORTAL  # a resident's own request
        return attrs


class TicketAssignSerializer(serializers.Serializer):
    assignee = _StaffUserField(required=False, allow_null=True)
    team = _ScopedPrimaryKey(Team, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, attrs):
        if not attrs.get("assignee") and not attrs.get("team"):
            raise serializers.ValidationError({"assignee": _("Give an assignee or a team.")})
        return attrs


class TicketNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class TicketRequiredNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class _RootCauseField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        super().__init__(queryset=RootCause.objects.filter(is_active=True), **kwargs)


class TicketResolveSerializer(TicketRequiredNoteSerializer):
    root_cause = _RootCauseField(
        required=False, allow_null=True, help_text=_("Required for a complaint (see /api/root-causes/).")
    )


class TicketCloseSerializer(TicketNoteSerializer):
    root_cause = _RootCauseField(
        required=False,
        allow_null=True,
        help_text=_("Required to close a complaint that has none yet (see /api/root-causes/)."),
    )


class TicketReplySerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ReplyChannel.choices)
    note = serializers.CharField(max_length=4000)


class TicketReasonSerializer(serializers.Serializer):
    """A reason is required; `note` is accepted as another name for it."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, attrs):
        reason = (attrs.get("reason") or attrs.get("note") or "").strip()
        if not reason:
            raise serializers.ValidationError({"reason": _("Give a reason.")})
        return {"reason": reason}


class TicketCommentSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)
    is_public = serializers.BooleanField(required=False, default=False)


class TicketAttachmentUploadSerializer(serializers.Serializer):
    file = UploadField()
    is_internal = serializers.BooleanField(required=False, default=False)


class CallbackRecordSerializer(serializers.Serializer):
    reached = serializers.BooleanField()
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    solved = serializers.BooleanField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    method = serializers.ChoiceField(
        choices=Callback.Method.choices, required=False, default=Callback.Method.PHONE
    )

    def validate(self, attrs):
        if attrs.get("method") == Callback.Method.PORTAL:
            raise serializers.ValidationError(
                {"method": _("Staff record calls and visits; the portal is the resident's.")}
            )
        if attrs["reached"]:
            errors = {}
            if attrs.get("satisfaction") is None:
                errors["satisfaction"] = _("Give a satisfaction score from 1 to 5.")
            if attrs.get("solved") is None:
                errors["solved"] = _("Say whether the problem is solved.")
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class TicketRateSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    solved = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TicketMetricsQuerySerializer(serializers.Serializer):
    estate = IdField()
    by = serializers.ChoiceField(
        choices=[("team", _("Team")), ("assignee", _("Staff member")), ("zone", _("Zone"))],
        required=False,
        help_text=_("Group the figures by team, staff member or zone: one row each."),
    )
    month = MonthField()


_DESCRIBE_FIRST = _("Type a few words of the description to get suggestions.")


class IntakeSuggestionQuerySerializer(serializers.Serializer):
    description = serializers.CharField(
        max_length=4000,
        trim_whitespace=True,
        error_messages={"blank": _DESCRIBE_FIRST, "required": _DESCRIBE_FIRST, "null": _DESCRIBE_FIRST},
    )
    estate = IdField()


class SuggestedChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    confidence = serializers.FloatField(help_text=_("From 0 to 1."))


class SuggestedPairSerializer(serializers.Serializer):
    category = SuggestedChoiceSerializer()
    team = SuggestedChoiceSerializer(allow_null=True)


class IntakeSuggestionSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=[
            ("history", _("Learnt from the estate's finished tickets")),
            ("keywords", _("Keywords of the categories (too few finished tickets yet)")),
        ]
    )
    categories = SuggestedChoiceSerializer(many=True)
    teams = SuggestedChoiceSerializer(many=True)
    suggestions = SuggestedPairSerializer(many=True)


class LinkReportSerializer(serializers.Serializer):
    """The second caller: a resident from the archive, or a name and phone."""

    reporter = _ScopedPrimaryKey(Person, required=False, allow_null=True)
    reporter_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TicketCoReporterSerializer(serializers.ModelSerializer):
    ticket = serializers.IntegerField(source="ticket_id", read_only=True)
    reporter = serializers.IntegerField(source="person_id", read_only=True, allow_null=True)
    name = serializers.CharField(source="display_name", read_only=True)
    phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = TicketCoReporter
        fields = ["id", "ticket", "reporter", "name", "phone_masked", "note", "created_at"]
        read_only_fields = fields


class PossibleDuplicatesQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False, min_value=1)
    location = serializers.IntegerField(required=False, min_value=1, help_text="A public location's id.")
    category = serializers.IntegerField(min_value=1)

    def validate(self, attrs):
        if not attrs.get("unit") and not attrs.get("location"):
            raise serializers.ValidationError({"unit": _("Give a unit, or a public location.")})
        return attrs
