"""API shapes of key custody, invoice requests and the knowledge base. Collectors' phones and ID
numbers are only ever sent masked; input serializers check the request's shape and the view hands
the values to one service, which holds the business rules."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from frontdesk.models import (
    InvoiceRequest,
    InvoiceRequestBill,
    KeyCollector,
    KeyCustody,
    KeyMovement,
    KnowledgeEntry,
)
from servicecenter.api import IdField, MoneyField


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


class _EventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_actor(self, event) -> str:
        return _display_name(event.actor)


# --- key custody -------------------------------------------------------------------------------


class KeyCollectorSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="phone_masked")
    id_number = serializers.CharField(source="id_number_masked")
    in_archive = serializers.SerializerMethodField()

    class Meta:
        model = KeyCollector
        fields = ["id", "name", "phone", "id_number", "in_archive", "is_active"]

    def get_in_archive(self, collector) -> bool:
        return collector.person_id is not None


class KeyMovementSerializer(serializers.ModelSerializer):
    staff = serializers.SerializerMethodField()

    class Meta:
        model = KeyMovement
        fields = ["id", "direction", "collector", "person_name", "id_checked", "staff", "moved_at", "note"]

    def get_staff(self, movement) -> str:
        return _display_name(movement.staff)


class KeyCustodySerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code")
    owner_name = serializers.CharField(source="owner.name")

    class Meta:
        model = KeyCustody
        fields = [
            "id",
            "estate",
            "unit",
            "unit_code",
            "owner",
            "owner_name",
            "description",
            "quantity",
            "storage_tag",
            "status",
            "note",
            "received_at",
            "closed_at",
        ]


class KeyCustodyDetailSerializer(KeyCustodySerializer):
    collectors = KeyCollectorSerializer(many=True)
    movements = KeyMovementSerializer(many=True)
    events = _EventSerializer(many=True)

    class Meta(KeyCustodySerializer.Meta):
        fields = [*KeyCustodySerializer.Meta.fields, "collectors", "movements", "events"]


class CollectorInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    person = IdField(required=False, allow_null=True, default=None)


class KeyCustodyCreateSerializer(serializers.Serializer):
    unit = IdField()
    owner = IdField()
    description = serializers.CharField(max_length=200)
    quantity = serializers.IntegerField(min_value=1, max_value=99)
    storage_tag = serializers.CharField(max_length=30)
    collectors = CollectorInputSerializer(many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class HandOutSerializer(serializers.Serializer):
    collector = IdField(help_text=_("One of the custody's named collectors."))
    id_number = serializers.CharField(max_length=30, help_text=_("The ID number presented at the desk."))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TakeBackSerializer(serializers.Serializer):
    person_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ReturnToOwnerSerializer(serializers.Serializer):
    id_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


# --- invoice requests --------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    period = serializers.DateField(source="bill.period", format="%Y-%m")
    charge_item = serializers.CharField(source="bill.charge_item.name")
    amount = MoneyField(read_only=True)

    class Meta:
        model = InvoiceRequestBill
        fields = ["bill", "period", "charge_item", "amount"]


class InvoiceRequestSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code")
    amount = MoneyField(read_only=True)

    class Meta:
        model = InvoiceRequest
        fields = [
            "id",
            "estate",
            "unit",
            "unit_code",
            "amount",
            "title",
            "tax_number",
            "email",
            "channel",
            "status",
            "invoice_number",
            "reject_reason",
            "requested_at",
            "decided_at",
        ]


class InvoiceRequestDetailSerializer(InvoiceRequestSerializer):
    lines = InvoiceLineSerializer(many=True)
    events = _EventSerializer(many=True)

    class Meta(InvoiceRequestSerializer.Meta):
        fields = [*InvoiceRequestSerializer.Meta.fields, "lines", "events"]


class InvoiceRequestCreateSerializer(serializers.Serializer):
    unit = IdField()
    bills = serializers.ListField(child=IdField(), allow_empty=False, max_length=60)
    title = serializers.CharField(max_length=150)
    tax_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    idempotency_key = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class IssueSerializer(serializers.Serializer):
    invoice_number = serializers.CharField(max_length=40)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


# --- knowledge ---------------------------------------------------------------------------------


class KnowledgeEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = KnowledgeEntry
        fields = [
            "id",
            "estate",
            "topic",
            "kind",
            "language",
            "title",
            "body",
            "keywords",
            "is_active",
            "sort_order",
        ]


class KnowledgeEntryWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = KnowledgeEntry
        fields = [
            "estate",
            "topic",
            "kind",
            "language",
            "title",
            "body",
            "keywords",
            "is_active",
            "sort_order",
        ]
        # Uniqueness is the service's to report (a translated 400 naming the title).
        validators = []


class KnowledgeQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    language = serializers.ChoiceField(choices=KnowledgeEntry.Language.choices, required=False)
    topic = serializers.ChoiceField(choices=KnowledgeEntry.Topic.choices, required=False)
    kind = serializers.ChoiceField(choices=KnowledgeEntry.Kind.choices, required=False)
    estate = IdField(required=False)


class KeyCustodyQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[("open", "open"), *KeyCustody.Status.choices], required=False)
    estate = IdField(required=False)
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)


class InvoiceQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InvoiceRequest.Status.choices, required=False)
    estate = IdField(required=False)
    unit = IdField(required=False)
