"""Archive API shapes. Read serializers never carry a full ID or phone number; write serializers
only parse input for the services in residents/services.py."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from residents.models import (
    Building,
    Estate,
    HouseholdRequest,
    Occupancy,
    Pass,
    Person,
    SensitiveAccessLog,
    Unit,
)
from servicecenter.validators import validate_reasonable_date


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key accepted only when the object is within the requesting user's reach, so an id
    from another estate is "does not exist", never a cross-estate write."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(queryset=model.objects.all(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.model.objects.none()
        return self.model.objects.visible_to(request.user)


# --- Read shapes ---------------------------------------------------------------------------------


class EstateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Estate
        fields = ["id", "name", "code", "kind", "address", "phone"]
        read_only_fields = fields


class BuildingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "estate", "code", "name", "floors", "has_elevator"]
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer):
    building_code = serializers.CharField(source="building.code", read_only=True)
    use_display = serializers.CharField(source="get_use_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "estate",
            "building",
            "building_code",
            "entrance",
            "number",
            "code",
            "floor",
            "area",
            "use",
            "use_display",
            "state",
            "state_display",
            "notes",
        ]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    """A person as every API client sees them: phones and ID number masked (138****5678)."""

    mobile = serializers.CharField(source="mobile_masked", read_only=True)
    other_phones = serializers.CharField(source="other_phones_masked", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    emergency_contact_phone = serializers.CharField(source="emergency_contact_phone_masked", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "estate",
            "name",
            "mobile",
            "other_phones",
            "id_number",
            "emergency_contact_name",
            "emergency_contact_phone",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OccupancySerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Occupancy
        fields = [
            "id",
            "unit",
            "unit_code",
            "person",
            "person_name",
            "role",
            "role_display",
            "start_date",
            "end_date",
            "is_current",
            "is_payer",
            "sees_bills",
        ]
        read_only_fields = fields


class AccessLogSerializer(serializers.ModelSerializer):
    actor_username = serializers.CharField(source="actor.get_username", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = SensitiveAccessLog
        fields = [
            "id",
            "estate",
            "actor",
            "actor_username",
            "person",
            "person_name",
            "action",
            "purpose",
            "purpose_id",
            "reason",
            "matched",
            "ip_address",
            "created_at",
        ]
        read_only_fields = fields


# --- Write shapes (input for the services) -------------------------------------------------------


class BuildingCreateSerializer(serializers.Serializer):
    estate = ScopedRelatedField(Estate)
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    floors = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True)
    has_elevator = serializers.BooleanField(required=False, default=True)


class BuildingUpdateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20, required=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    floors = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True)
    has_elevator = serializers.BooleanField(required=False)


class UnitUpdateSerializer(serializers.Serializer):
    entrance = serializers.CharField(max_length=10, required=False, allow_blank=True)
    number = serializers.CharField(max_length=20, required=False)
    floor = serializers.IntegerField(min_value=-32768, max_value=32767, required=False, allow_null=True)
    area = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
    use = serializers.ChoiceField(choices=Unit.Use.choices, required=False)
    state = serializers.ChoiceField(choices=Unit.State.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class UnitCreateSerializer(UnitUpdateSerializer):
    building = ScopedRelatedField(Building)
    number = serializers.CharField(max_length=20)
    area = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


class PersonUpdateSerializer(serializers.Serializer):
    """Full numbers come in under the same names the read shape shows masked."""

    name = serializers.CharField(max_length=100, required=False)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    other_phones = serializers.CharField(max_length=200, required=False, allow_blank=True)
    id_number = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_("Full ID number; an empty string clears it."),
    )
    emergency_contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    emergency_contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class PersonCreateSerializer(PersonUpdateSerializer):
    estate = ScopedRelatedField(Estate)
    name = serializers.CharField(max_length=100)


class OccupancyCreateSerializer(serializers.Serializer):
    unit = ScopedRelatedField(Unit)
    person = ScopedRelatedField(Person)
    role = serializers.ChoiceField(choices=Occupancy.Role.choices)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)


class OccupancyBillVisibilitySerializer(serializers.Serializer):
    visible = serializers.BooleanField(help_text=_("Whether this occupant sees the unit's bills."))


class OccupancyEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(required=False, allow_null=True, help_text=_("Defaults to today."))


class RevealRequestSerializer(serializers.Serializer):
    # Blank is let through so that the service answers with its own message about the access log.
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RevealedNumbersSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    mobile = serializers.CharField()
    other_phones = serializers.CharField()
    emergency_contact_phone = serializers.CharField()


class VerifyIdRequestSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=30)


class VerifyIdResultSerializer(serializers.Serializer):
    matched = serializers.BooleanField()


class PortalCodeRequestSerializer(serializers.Serializer):
    by_sms = serializers.BooleanField(default=False, help_text="Also text the code to the archive's mobile.")


class IssuedPortalCodeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Shown once: only a hash is stored.")
    expires_at = serializers.DateTimeField()
    delivery = serializers.CharField()


# --- Passes ----------------------------------------------------------------------------------------


# The kinds the desk issues by hand; worker and moving passes come from their renovation or move.
MANUAL_PASS_KINDS = [
    (Pass.Kind.SHOP_STAFF.value, Pass.Kind.SHOP_STAFF.label),
    (Pass.Kind.RESIDENT_CARD.value, Pass.Kind.RESIDENT_CARD.label),
]


class PassSerializer(serializers.ModelSerializer):
    """A pass as the list and detail show it: the holder's numbers masked, the state now."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    estate_code = serializers.CharField(source="estate.code", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True, allow_null=True, default=None)
    holder_mobile = serializers.CharField(source="holder_mobile_masked", read_only=True)
    holder_id_number = serializers.CharField(source="holder_id_masked", read_only=True)
    state = serializers.SerializerMethodField(
        help_text=_('"valid", "revoked", "expired" or "not_yet_valid" at the time of the request.')
    )

    class Meta:
        model = Pass
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "estate",
            "estate_code",
            "unit",
            "unit_code",
            "holder_name",
            "holder_mobile",
            "holder_id_number",
            "valid_from",
            "valid_until",
            "allowed_hours",
            "gate_notes",
            "issued_at",
            "revoked_at",
            "revoke_reason",
            "state",
        ]
        read_only_fields = fields

    def get_state(self, obj: Pass) -> str:
        now = self.context.setdefault("now", timezone.now())
        return obj.state_at(now)


class PassCreateSerializer(serializers.Serializer):
    """A pass issued by hand at the desk: a shop's staff member or a resident's card. Worker and
    moving passes come from their renovation or move."""

    kind = serializers.ChoiceField(choices=MANUAL_PASS_KINDS)
    estate = ScopedRelatedField(Estate, required=False, help_text=_("Defaults to the unit's estate."))
    unit = ScopedRelatedField(Unit, required=False, allow_null=True)
    holder_name = serializers.CharField(max_length=100)
    holder_mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    holder_id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    allowed_hours = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def _reasonable(self, value):
        try:
            validate_reasonable_date(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="date_out_of_range") from None
        return value

    def validate_valid_from(self, value):
        return self._reasonable(value)

    def validate_valid_until(self, value):
        return self._reasonable(value)

    def validate(self, attrs):
        unit = attrs.get("unit")
        if attrs.get("estate") is None:
            if unit is None:
                raise serializers.ValidationError({"estate": _("Give the estate or the unit.")})
            attrs["estate"] = unit.estate
        return attrs


class PassRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=_("Why the pass no longer opens the gate."))


class PassCheckSerializer(serializers.Serializer):
    """The gate's answer (`residents.selectors.PassCheck`)."""

    pass_id = serializers.IntegerField()
    number = serializers.CharField()
    valid = serializers.BooleanField()
    reason = serializers.CharField(
        help_text=_(
            'Empty for a valid pass, else why it is not valid: "revoked", "expired" or "not_yet_valid".'
        )
    )
    reason_text = serializers.CharField()
    revoke_reason = serializers.CharField()
    kind = serializers.ChoiceField(choices=Pass.Kind.choices)
    kind_label = serializers.CharField()
    holder_name = serializers.CharField()
    holder_id_masked = serializers.CharField()
    holder_mobile_masked = serializers.CharField()
    unit_code = serializers.CharField()
    estate_name = serializers.CharField()
    allowed_hours = serializers.CharField()
    gate_notes = serializers.CharField(
        help_text=_("What the gate checks besides the holder (a moving pass: items, vehicle plate, helpers).")
    )
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    checked_at = serializers.DateTimeField()


class HouseholdRequestSerializer(serializers.ModelSerializer):
    """An owner's request to add a family member or a tenant, as the desk's queue shows it: the
    ID number masked."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    estate_code = serializers.CharField(source="estate.code", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    mobile = serializers.CharField(source="mobile_masked", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = HouseholdRequest
        fields = [
            "id",
            "estate",
            "estate_code",
            "unit",
            "unit_code",
            "name",
            "role",
            "role_display",
            "mobile",
            "id_number",
            "move_in_date",
            "status",
            "status_display",
            "reject_reason",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "occupancy",
        ]
        read_only_fields = fields


class HouseholdRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text=_("Why the request is refused; the owner sees it.")
    )
