"""Renovation API shapes. Workers' mobiles and ID numbers are only ever sent masked; input
serializers parse and check the request's shape (a field that is wrong is named), and the view
hands the values to one service, which holds the business rules."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import Bill, PaymentMethod
from renovations.models import (
    Deduction,
    Inspection,
    Patrol,
    Renovation,
    RenovationCharge,
    RenovationDocument,
    RenovationEvent,
    RenovationWorker,
    ScopeItem,
    Violation,
)
from residents.models import Person, Unit
from servicecenter.api import IdField, MoneyField, MonthField, ReasonableDateField
from servicecenter.uploads import UploadField
from servicecenter.validators import (
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

# The API endpoint of each user action of the renovation workflow: the two routing actions are
# one endpoint (the service picks the route by the scope of works).
ENDPOINT_OF_ACTION = {"send_to_engineering": "send_for_review", "send_to_manager": "send_for_review"}


# Money goes back the way it can be paid out: not to the prepaid balance (billing's refund too).
REFUND_METHODS = [c for c in PaymentMethod.choices if c[0] != PaymentMethod.PREPAID]
# What the desk uploads to an application; the other kinds come with their own actions.
UPLOAD_KINDS = [
    c
    for c in RenovationDocument.Kind.choices
    if c[0] in (RenovationDocument.Kind.PLAN, RenovationDocument.Kind.PHOTO, RenovationDocument.Kind.OTHER)
]


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# --- reading ------------------------------------------------------------------------------------


class ScopeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScopeItem
        fields = ["id", "name", "area", "is_regular", "is_noisy"]
        read_only_fields = fields


class RenovationWorkerSerializer(serializers.ModelSerializer):
    """A worker with the mobile and ID number masked (the full ones never leave the archive)."""

    mobile = serializers.CharField(source="mobile_masked", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    pass_number = serializers.CharField(source="current_pass.number", read_only=True, default=None)
    pass_valid_until = serializers.DateTimeField(
        source="current_pass.valid_until", read_only=True, default=None
    )
    pass_revoked_at = serializers.DateTimeField(
        source="current_pass.revoked_at", read_only=True, default=None
    )
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = RenovationWorker
        fields = [
            "id",
            "renovation",
            "name",
            "mobile",
            "id_number",
            "trade",
            "pass_number",
            "pass_valid_until",
            "pass_revoked_at",
            "added_at",
            "removed_at",
            "is_active",
        ]
        read_only_fields = fields

    def get_is_active(self, worker: RenovationWorker) -> bool:
        return worker.removed_at is None


class RenovationChargeSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    amount = MoneyField(read_only=True)
    is_paid = serializers.SerializerMethodField()
    bill_status = serializers.CharField(source="bill.status", read_only=True, default=None)

    class Meta:
        model = RenovationCharge
        fields = ["id", "kind", "kind_display", "amount", "bill", "bill_status", "deposit_account", "is_paid"]
        read_only_fields = fields

    def get_is_paid(self, charge: RenovationCharge) -> bool:
        # The kinds still owed are worked out once per renovation by the view (selectors).
        owed = self.context.get("owed_kinds")
        if owed is not None:
            return charge.kind not in owed
        if charge.kind == RenovationCharge.Kind.DEPOSIT:
            return charge.deposit_account_id is not None
        return charge.bill is not None and charge.bill.status == Bill.Status.PAID


class RenovationEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    from_status = serializers.CharField(read_only=True, help_text=_("A renovation status, or empty."))
    to_status = serializers.CharField(read_only=True, help_text=_("A renovation status, or empty."))

    class Meta:
        model = RenovationEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "actor_name", "note", "created_at"]
        read_only_fields = fields

    def get_actor_name(self, event: RenovationEvent) -> str:
        return _display_name(event.actor)


class RenovationDocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = RenovationDocument
        fields = [
            "id",
            "renovation",
            "kind",
            "original_name",
            "content_type",
            "size",
            "patrol",
            "violation",
            "uploaded_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, document: RenovationDocument) -> str:
        return reverse("renovation-document-file", args=[document.renovation_id, document.pk])


class InspectionSerializer(serializers.ModelSerializer):
    inspector_name = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "kind", "result", "findings", "inspector", "inspector_name", "inspected_at"]
        read_only_fields = fields

    def get_inspector_name(self, inspection: Inspection) -> str:
        return _display_name(inspection.inspector)


class DeductionSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)
    is_posted = serializers.SerializerMethodField()

    class Meta:
        model = Deduction
        fields = [
            "id",
            "renovation",
            "violation",
            "amount",
            "reason",
            "proposed_by",
            "proposed_at",
            "is_posted",
        ]
        read_only_fields = fields

    def get_is_posted(self, deduction: Deduction) -> bool:
        return deduction.movement_id is not None


class AvailableActionSerializer(serializers.Serializer):
    action = serializers.CharField(help_text=_("The workflow action."))
    endpoint = serializers.CharField(help_text=_("POST /api/renovations/{id}/<endpoint>/ performs it."))
    label = serializers.CharField()


class RenovationSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Renovation
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
            "is_regular",
            "contractor_company",
            "contractor_contact",
            "planned_start",
            "planned_end",
            "created_at",
            "permitted_at",
            "closed_at",
        ]
        read_only_fields = fields


class RenovationDetailSerializer(RenovationSerializer):
    scope_items = ScopeItemSerializer(many=True, read_only=True)
    workers = serializers.SerializerMethodField()
    charges = serializers.SerializerMethodField()
    events = RenovationEventSerializer(many=True, read_only=True)
    documents = serializers.SerializerMethodField()
    inspections = InspectionSerializer(many=True, read_only=True)
    deductions = DeductionSerializer(many=True, read_only=True)
    deposit_held = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta(RenovationSerializer.Meta):
        fields = [
            *RenovationSerializer.Meta.fields,
            "description",
            "contractor_licence",
            "contractor_phone",
            "working_hours",
            "agreement_signed_at",
            "fees_waived_at",
            "fees_waiver_reason",
            "started_at",
            "completion_requested_at",
            "accepted_at",
            "second_inspection_due",
            "refunded_at",
            "scope_items",
            "workers",
            "charges",
            "deposit_held",
            "events",
            "documents",
            "inspections",
            "deductions",
            "available_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(RenovationWorkerSerializer(many=True))
    def get_workers(self, renovation: Renovation):
        return RenovationWorkerSerializer(renovation.workers.all(), many=True, context=self.context).data

    @extend_schema_field(RenovationChargeSerializer(many=True))
    def get_charges(self, renovation: Renovation):
        return RenovationChargeSerializer(renovation.charges.all(), many=True, context=self.context).data

    @extend_schema_field(RenovationDocumentSerializer(many=True))
    def get_documents(self, renovation: Renovation):
        documents = self.context.get("documents")
        if documents is None:
            documents = renovation.documents.all()
        return RenovationDocumentSerializer(documents, many=True, context=self.context).data

    @extend_schema_field(
        MoneyField(read_only=True, help_text=_("What billing's ledger holds of the deposit."))
    )
    def get_deposit_held(self, renovation: Renovation) -> str:
        held = self.context.get("deposit_held")
        return None if held is None else f"{held:.2f}"

    @extend_schema_field(AvailableActionSerializer(many=True))
    def get_available_actions(self, renovation: Renovation):
        actions = self.context.get("available_actions", [])
        return [
            {"action": a.name, "endpoint": ENDPOINT_OF_ACTION.get(a.name, a.name), "label": str(a.label)}
            for a in actions
        ]


class PatrolSerializer(serializers.ModelSerializer):
    renovation_number = serializers.CharField(source="renovation.number", read_only=True)
    unit_code = serializers.CharField(source="renovation.unit.code", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    result_display = serializers.CharField(source="get_result_display", read_only=True)

    class Meta:
        model = Patrol
        fields = [
            "id",
            "estate",
            "renovation",
            "renovation_number",
            "unit_code",
            "date",
            "zone",
            "assignee",
            "assignee_name",
            "result",
            "result_display",
            "findings",
            "patrolled_at",
            "patrolled_by",
        ]
        read_only_fields = fields

    def get_assignee_name(self, patrol: Patrol) -> str:
        return _display_name(patrol.assignee)


class ViolationSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    renovation_number = serializers.CharField(source="renovation.number", read_only=True, default=None)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    proposed_deduction = MoneyField(read_only=True)

    class Meta:
        model = Violation
        fields = [
            "id",
            "estate",
            "unit",
            "unit_code",
            "renovation",
            "renovation_number",
            "kind",
            "kind_display",
            "source",
            "patrol",
            "ticket",
            "description",
            "status",
            "status_display",
            "stop_order",
            "rectify_by",
            "proposed_deduction",
            "found_at",
            "found_by",
            "rectified_at",
            "escalated_at",
            "enforcement_reference",
        ]
        read_only_fields = fields


# --- input --------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKey(serializers.PrimaryKeyRelatedField):
    """A primary key looked up only among the objects the requesting user may see: anything else
    is "does not exist", whatever the reason."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.model.objects.none()
        return self.model.objects.visible_to(request.user)


class WorkerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    mobile = serializers.CharField(max_length=20)
    id_number = serializers.CharField(max_length=30)
    trade = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")

    def validate_mobile(self, value: str) -> str:
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            validate_mobile(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return normalize_mobile(value)

    def validate_id_number(self, value: str) -> str:
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            validate_id_number(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return normalize_id_number(value)


class _ApplicationFields(serializers.Serializer):
    """The application's own fields, shared by registration and editing."""

    contractor_company = serializers.CharField(max_length=150)
    contractor_licence = serializers.CharField(max_length=50)
    contractor_contact = serializers.CharField(max_length=100)
    contractor_phone = serializers.CharField(max_length=20)
    planned_start = ReasonableDateField()
    planned_end = ReasonableDateField()
    scope_items = serializers.ListField(child=IdField(), allow_empty=False, max_length=50)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    def _estate_id(self, attrs) -> int | None:
        raise NotImplementedError

    def validate(self, attrs):
        errors = {}
        start = attrs.get("planned_start", getattr(self.instance, "planned_start", None))
        end = attrs.get("planned_end", getattr(self.instance, "planned_end", None))
        if start and end and end < start:
            errors["planned_end"] = _("The planned end must not be before the planned start.")
        if "scope_items" in attrs:
            ids = list(dict.fromkeys(attrs["scope_items"]))
            items = list(
                ScopeItem.objects.filter(pk__in=ids, estate_id=self._estate_id(attrs), is_active=True)
            )
            if len(items) != len(ids):
                errors["scope_items"] = _("Choose active scope items of this unit's estate.")
            attrs["scope_items"] = items
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class RenovationCreateSerializer(_ApplicationFields):
    unit = ScopedPrimaryKey(Unit)
    owner = ScopedPrimaryKey(Person)
    workers = WorkerInputSerializer(many=True, required=False, default=list, max_length=100)
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Instead of the Idempotency-Key header."),
    )

    def _estate_id(self, attrs) -> int | None:
        unit = attrs.get("unit")
        return unit.estate_id if unit else None


class RenovationUpdateSerializer(_ApplicationFields):
    """Every field optional (PATCH); the scope items, when sent, replace the old ones."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def _estate_id(self, attrs) -> int | None:
        return self.context["renovation"].estate_id


class RenovationNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class RenovationReasonSerializer(serializers.Serializer):
    """A reason is required; `note` is accepted as another name for it."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate(self, attrs):
        reason = (attrs.get("reason") or attrs.get("note") or "").strip()
        if not reason:
            raise serializers.ValidationError({"reason": _("Give a reason.")})
        return {"reason": reason}


class FindingsSerializer(serializers.Serializer):
    findings = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class RequiredFindingsSerializer(serializers.Serializer):
    findings = serializers.CharField(max_length=4000)


class ResubmitSerializer(RenovationUpdateSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class AgreementSerializer(serializers.Serializer):
    scanned_copy = UploadField()


class MoneyMethodSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=REFUND_METHODS)
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Instead of the Idempotency-Key header."),
    )


class DeductionCreateSerializer(serializers.Serializer):
    amount = MoneyField(allow_zero=False)
    reason = serializers.CharField(max_length=300)
    violation = IdField(required=False, allow_null=True)


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=UPLOAD_KINDS)
    file = UploadField()


class WorkerRemoveSerializer(RenovationReasonSerializer):
    pass


class LinkComplaintSerializer(serializers.Serializer):
    ticket = IdField()
    kind = serializers.ChoiceField(choices=Violation.Kind.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class PatrolRecordSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=[Patrol.Result.OK, Patrol.Result.VIOLATION])
    findings = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    violation_kind = serializers.ChoiceField(choices=Violation.Kind.choices, required=False)
    violation_description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    stop_order = serializers.BooleanField(required=False, default=False)
    rectify_by = ReasonableDateField(required=False, allow_null=True)
    proposed_deduction = MoneyField(required=False, default=0)

    def validate(self, attrs):
        if attrs["result"] == Patrol.Result.VIOLATION:
            errors = {}
            if not attrs.get("violation_kind"):
                errors["violation_kind"] = _("Say what kind of violation was found.")
            if not (attrs.get("violation_description") or attrs.get("findings") or "").strip():
                errors["violation_description"] = _("Describe the violation.")
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class ViolationCreateSerializer(serializers.Serializer):
    unit = ScopedPrimaryKey(Unit)
    renovation = ScopedPrimaryKey(Renovation, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=Violation.Kind.choices)
    source = serializers.ChoiceField(choices=Violation.Source.choices)
    description = serializers.CharField(max_length=4000)
    stop_order = serializers.BooleanField(required=False, default=False)
    rectify_by = ReasonableDateField(required=False, allow_null=True)
    proposed_deduction = MoneyField(required=False, default=0)

    def validate(self, attrs):
        renovation = attrs.get("renovation")
        if renovation is not None and renovation.unit_id != attrs["unit"].pk:
            raise serializers.ValidationError({"renovation": _("This renovation is of another unit.")})
        return attrs


class RectificationSerializer(serializers.Serializer):
    rectify_by = ReasonableDateField()
    stop_order = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class EscalateSerializer(serializers.Serializer):
    enforcement_reference = serializers.CharField(max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


# The same inputs with their files, sent as multipart (a file is never a field of a JSON body).


def _photos():
    return serializers.ListField(child=UploadField(), required=False, default=list, max_length=10)


class PatrolRecordUploadSerializer(PatrolRecordSerializer):
    photos = _photos()


class ViolationCreateUploadSerializer(ViolationCreateSerializer):
    photos = _photos()


class EscalateUploadSerializer(EscalateSerializer):
    letter = UploadField(required=False, allow_null=True)


class ViolationNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class MetricsQuerySerializer(serializers.Serializer):
    estate = IdField()
    month = MonthField()
    by = serializers.ChoiceField(
        choices=[("zone", _("Zone")), ("housekeeper", _("Housekeeper"))],
        required=False,
        help_text=_("One row per zone or housekeeper."),
    )
