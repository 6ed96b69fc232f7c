"""Move-in API shapes. The owner's mobile is only ever sent masked; input serializers parse and
check the request's shape (a wrong field is named) and the view hands the values to one service,
which holds the business rules."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import PaymentMethod
from moveins.models import (
    ChecklistItem,
    Defect,
    HandedKey,
    Inspection,
    MoveIn,
    MoveInCharge,
    MoveInEvent,
    OpeningReading,
)
from residents.models import Person, Unit
from servicecenter.api import IdField, MoneyField, ReasonableDateField
from servicecenter.uploads import UploadField

# The API endpoint of each user action of the workflow (DRF routes take dashes from url_path).
ENDPOINT_OF_ACTION = {
    "start": "start",
    "finish_documents": "finish-documents",
    "waive_fees": "waive-fees",
    "confirm_fees": "confirm-fees",
    "pass_inspection": "pass-inspection",
    "record_defects": "record-defects",
    "reinspect": "reinspect",
    "hand_over_keys": "hand-over-keys",
    "cancel": "cancel",
}
DEPOSIT_METHODS = [c for c in PaymentMethod.choices if c[0] != PaymentMethod.PREPAID]


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# --- reading ------------------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    section_display = serializers.CharField(source="get_section_display", read_only=True)
    done_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "section",
            "section_display",
            "name",
            "is_id_check",
            "needs_signed_copy",
            "is_required",
            "done_at",
            "done_by_name",
            "note",
            "document",
        ]
        read_only_fields = fields

    def get_done_by_name(self, item) -> str:
        return _display_name(item.done_by)


class ChargeSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = MoveInCharge
        fields = ["id", "kind", "kind_display", "name", "amount", "bill", "deposit_account"]
        read_only_fields = fields


class OwedLineSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.CharField()
    paid = serializers.CharField()
    outstanding = serializers.CharField()


class MoveInInspectionSerializer(serializers.ModelSerializer):
    inspected_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "is_reinspection", "result", "inspected_by_name", "inspected_at", "note"]
        read_only_fields = fields

    def get_inspected_by_name(self, inspection) -> str:
        return _display_name(inspection.inspected_by)


class DefectSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None)
    ticket_status = serializers.CharField(source="ticket.status", read_only=True, default=None)

    class Meta:
        model = Defect
        fields = [
            "id",
            "location",
            "description",
            "category",
            "responsible",
            "deadline",
            "ticket",
            "ticket_number",
            "ticket_status",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields


class OpeningReadingSerializer(serializers.ModelSerializer):
    meter_kind = serializers.CharField(source="meter.kind", read_only=True)
    value = serializers.DecimalField(source="reading.value", max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = OpeningReading
        fields = ["id", "meter", "meter_kind", "value", "recorded_at"]
        read_only_fields = fields


class HandedKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = HandedKey
        fields = ["kind", "count"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = MoveInEvent
        fields = ["action", "from_status", "to_status", "actor_name", "note", "created_at"]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        return _display_name(event.actor)


class MoveInAvailableActionSerializer(serializers.Serializer):
    action = serializers.CharField(help_text=_("The workflow action."))
    endpoint = serializers.CharField(help_text=_("POST /api/move-ins/{id}/<endpoint>/ performs it."))
    label = serializers.CharField()


class MoveInSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = MoveIn
        fields = [
            "id",
            "number",
            "estate",
            "unit",
            "unit_code",
            "owner",
            "owner_name",
            "status",
            "status_display",
            "batch",
            "slot",
            "scheduled_for",
            "created_at",
            "completed_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class MoveInDetailSerializer(MoveInSerializer):
    owner_mobile = serializers.CharField(source="owner.mobile_masked", read_only=True)
    checklist = ChecklistItemSerializer(many=True, read_only=True)
    charges = ChargeSerializer(many=True, read_only=True)
    owed = serializers.SerializerMethodField()
    inspections = MoveInInspectionSerializer(many=True, read_only=True)
    defects = DefectSerializer(many=True, read_only=True)
    opening_readings = OpeningReadingSerializer(many=True, read_only=True)
    keys = HandedKeySerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    available_actions = serializers.SerializerMethodField()

    class Meta(MoveInSerializer.Meta):
        fields = [
            *MoveInSerializer.Meta.fields,
            "owner_mobile",
            "notes",
            "started_at",
            "fees_waived_at",
            "fees_waiver_reason",
            "keys_handed_at",
            "keys_signed_by",
            "satisfaction",
            "satisfaction_comment",
            "satisfaction_at",
            "checklist",
            "charges",
            "owed",
            "inspections",
            "defects",
            "opening_readings",
            "keys",
            "events",
            "available_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(OwedLineSerializer(many=True))
    def get_owed(self, move_in):
        return [line.as_dict() for line in self.context.get("owed", [])]

    @extend_schema_field(MoveInAvailableActionSerializer(many=True))
    def get_available_actions(self, move_in):
        return [
            {"action": a.name, "endpoint": ENDPOINT_OF_ACTION.get(a.name, a.name), "label": str(a.label)}
            for a in self.context.get("available_actions", [])
        ]


# --- writing ------------------------------------------------------------------------------------


class MoveInCreateSerializer(serializers.Serializer):
    unit = IdField()
    owner = IdField()
    scheduled_for = serializers.DateTimeField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def validate_unit(self, value: int) -> Unit:
        unit = Unit.objects.visible_to(self.context["request"].user).filter(pk=value).first()
        if unit is None:
            raise serializers.ValidationError(_("No such unit in your estates."))
        return unit

    def validate(self, data):
        owner = Person.objects.filter(pk=data["owner"], estate_id=data["unit"].estate_id).first()
        if owner is None:
            raise serializers.ValidationError({"owner": [_("No such person in the unit's estate.")]})
        data["owner"] = owner
        return data


class MoveInNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class MoveInReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ChecklistTickSerializer(serializers.Serializer):
    item = IdField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=18, default="")


class ChecklistCompleteSerializer(ChecklistTickSerializer):
    """A tick with the signed copy: a multipart body (a JSON body cannot carry a file)."""

    signed_copy = UploadField(required=False, allow_null=True, default=None)


class DepositSerializer(serializers.Serializer):
    charge = IdField()
    method = serializers.ChoiceField(choices=DEPOSIT_METHODS)
    idempotency_key = serializers.CharField(required=False, allow_blank=True, max_length=64)


class ReadingSerializer(serializers.Serializer):
    meter = IdField()
    value = MoneyField()


class ReadingsSerializer(serializers.Serializer):
    readings = ReadingSerializer(many=True, allow_empty=False)


class DefectInputSerializer(serializers.Serializer):
    location = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000)
    deadline = ReasonableDateField()
    responsible = serializers.ChoiceField(
        choices=Defect.Responsible.choices, default=Defect.Responsible.WARRANTY
    )
    category = IdField(required=False, allow_null=True, default=None)


class DefectsSerializer(serializers.Serializer):
    defects = DefectInputSerializer(many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class KeyInputSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=50)
    count = serializers.IntegerField(min_value=1, max_value=99)


class KeysSerializer(serializers.Serializer):
    keys = KeyInputSerializer(many=True, allow_empty=False)
    signed_by = serializers.CharField(max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
