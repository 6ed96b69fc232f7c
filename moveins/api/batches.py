"""API of bulk move-ins: batches (list, read, create), their slots with the seats booked and free
(book a move-in into a slot, cancel its booking) and the warranty defect report.

Every queryset goes through `visible_to`, so a batch or slot of another estate is a 404; a full
slot is a 409 (`slot_full`), other refusals a 400 with a translated `detail`.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from moveins import reports, services
from moveins.batch_forms import MAX_REPORT_DAYS
from moveins.models import MoveIn, MoveInBatch, MoveInSlot
from residents.models import Building, Estate
from servicecenter.api import (
    ActionPermission,
    ActionViewMixin,
    IdField,
    ReasonableDateField,
    ScopedQuerysetMixin,
)
from servicecenter.forms import IdFilter

P = "moveins."
_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(description="The slot is full (`code` slot_full); `detail` says which.")
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


def _estates(request):
    if request is None:
        return Estate.objects.none()
    return Estate.objects.visible_to(request.user).order_by("code")


# --- serializers --------------------------------------------------------------------------------


class MoveInBatchSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    buildings = serializers.SerializerMethodField()
    move_in_count = serializers.IntegerField(read_only=True)
    completed_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = MoveInBatch
        fields = [
            "id",
            "estate",
            "estate_name",
            "name",
            "starts_on",
            "ends_on",
            "buildings",
            "notes",
            "move_in_count",
            "completed_count",
            "created_at",
        ]
        read_only_fields = fields

    def get_buildings(self, batch: MoveInBatch) -> list[int]:
        return [building.pk for building in batch.buildings.all()]


class MoveInBatchCreateSerializer(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.none())
    name = serializers.CharField(max_length=100)
    starts_on = ReasonableDateField()
    ends_on = ReasonableDateField()
    buildings = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.none(), many=True, required=False
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        estates = _estates(request)
        self.fields["estate"].queryset = estates
        self.fields["buildings"].child_relation.queryset = Building.objects.filter(estate__in=estates)


class MoveInSlotSerializer(serializers.ModelSerializer):
    booked = serializers.IntegerField(read_only=True)
    free = serializers.IntegerField(read_only=True)

    class Meta:
        model = MoveInSlot
        fields = ["id", "batch", "starts_at", "ends_at", "capacity", "booked", "free"]
        read_only_fields = fields


class SlotBookingSerializer(serializers.Serializer):
    move_in = serializers.PrimaryKeyRelatedField(queryset=MoveIn.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["move_in"].queryset = (
            MoveIn.objects.visible_to(request.user) if request else MoveIn.objects.none()
        )


class BookingSerializer(serializers.ModelSerializer):
    """The move-in's appointment after booking or cancelling."""

    class Meta:
        model = MoveIn
        fields = ["id", "number", "status", "batch", "slot", "scheduled_for"]
        read_only_fields = fields


class WarrantyReportQuerySerializer(serializers.Serializer):
    estate = IdField()

    def get_fields(self):
        # `from` and `to` are the query's names (Python keywords, so not class attributes).
        fields = super().get_fields()
        fields["from"] = ReasonableDateField(help_text=gettext_lazy("First day, YYYY-MM-DD (included)."))
        fields["to"] = ReasonableDateField(help_text=gettext_lazy("Last day, YYYY-MM-DD (included)."))
        return fields

    def validate(self, data):
        if data["to"] < data["from"]:
            raise serializers.ValidationError({"to": _("The end date cannot be before the start date.")})
        if (data["to"] - data["from"]).days > MAX_REPORT_DAYS:
            raise serializers.ValidationError({"to": _("Choose a period of at most two years.")})
        return data


# --- filters ------------------------------------------------------------------------------------


class MoveInBatchFilter(django_filters.FilterSet):
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=gettext_lazy("Estate"))
    running = django_filters.BooleanFilter(method="filter_running", label=gettext_lazy("Running today"))

    class Meta:
        model = MoveInBatch
        fields = ["estate", "running"]

    def filter_running(self, queryset, name, value):
        today = timezone.localdate()
        if value:
            return queryset.running_on(today)
        return queryset.exclude(starts_on__lte=today, ends_on__gte=today)


class MoveInSlotFilter(django_filters.FilterSet):
    batch = IdFilter(field_name="batch_id", label=gettext_lazy("Batch"))
    available = django_filters.BooleanFilter(method="filter_available", label=gettext_lazy("With free seats"))

    class Meta:
        model = MoveInSlot
        fields = ["batch", "available"]

    def filter_available(self, queryset, name, value):
        return queryset.filter(free__gt=0) if value else queryset.filter(free__lte=0)


# --- views --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Move-in batches of the user's estates (filters: estate, running)"),
    retrieve=extend_schema(summary="One batch", responses={200: MoveInBatchSerializer, 404: _NOT_FOUND}),
)
class MoveInBatchViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MoveInBatchSerializer
    permission_classes = [ActionPermission]
    action_permissions = {"create": [f"{P}manage_movein_batches"]}
    other_actions_need = [f"{P}view_moveinbatch"]
    filterset_class = MoveInBatchFilter
    ordering_fields = ["starts_on", "ends_on", "name"]

    def get_queryset(self):
        return reports.batches_for_list(user=self.request.user).prefetch_related(
            Prefetch("buildings", queryset=Building.objects.only("pk"))
        )

    @extend_schema(
        summary="Create a batch (a manager of its estate)",
        request=MoveInBatchCreateSerializer,
        responses={201: MoveInBatchSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(MoveInBatchCreateSerializer)
        batch = services.create_batch(actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=batch.pk), status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Appointment slots with seats booked and free (filters: batch, available)"),
    retrieve=extend_schema(summary="One slot", responses={200: MoveInSlotSerializer, 404: _NOT_FOUND}),
)
class MoveInSlotViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MoveInSlotSerializer
    permission_classes = [ActionPermission]
    action_permissions = {"book": [f"{P}handle_movein"], "cancel": [f"{P}handle_movein"]}
    other_actions_need = [f"{P}view_moveinslot"]
    filterset_class = MoveInSlotFilter
    ordering_fields = ["starts_at"]

    def get_queryset(self):
        return reports.with_bookings(MoveInSlot.objects.visible_to(self.request.user)).order_by(
            "starts_at", "pk"
        )

    @extend_schema(
        summary="Book a scheduled move-in into this slot",
        request=SlotBookingSerializer,
        responses={200: BookingSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def book(self, request, pk=None):
        slot = self.get_object()
        values = self.parse(SlotBookingSerializer)
        move_in = services.book_slot(actor=request.user, move_in=values["move_in"], slot=slot)
        return self.respond(move_in, serializer_class=BookingSerializer)

    @extend_schema(
        summary="Cancel a move-in's booking of this slot",
        request=SlotBookingSerializer,
        responses={200: BookingSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        slot = self.get_object()
        values = self.parse(SlotBookingSerializer)
        if values["move_in"].slot_id != slot.pk:
            raise serializers.ValidationError({"move_in": [_("This move-in is not booked into this slot.")]})
        move_in = services.cancel_booking(actor=request.user, move_in=values["move_in"])
        return self.respond(move_in, serializer_class=BookingSerializer)


def _group(group: reports.WarrantyGroup) -> dict:
    return {
        "label": group.label,
        "count": group.count,
        "open": group.open,
        "closed": group.closed,
        "from_handover": group.from_handover,
        "from_warranty_tickets": group.from_tickets,
        "average_days_open": str(group.average_days_open) if group.average_days_open is not None else None,
        "max_days_open": str(group.max_days_open) if group.max_days_open is not None else None,
    }


class WarrantyReportViewSet(viewsets.ViewSet):
    """The product defects of one estate for the developer (房产售后): see
    `moveins.reports.warranty_report`."""

    permission_classes = [ActionPermission]
    other_actions_need = [f"{P}view_warranty_report"]

    @extend_schema(
        summary="Warranty defect report of one estate over a period",
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, required=True),
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: _ERROR,
            403: _FORBIDDEN,
            404: OpenApiResponse(description="No such estate."),
        },
    )
    def list(self, request):
        """Counts, open and closed, average and maximum days open (strings, one decimal), by
        building, category, location in the unit and the three together; `total` for all."""
        query = WarrantyReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        estate = Estate.objects.visible_to(request.user).filter(pk=data["estate"]).first()
        if estate is None:
            raise Http404(_("No such estate."))
        report = reports.warranty_report(estate=estate, date_from=data["from"], date_to=data["to"])
        return Response(
            {
                "estate": estate.pk,
                "from": report.date_from.isoformat(),
                "to": report.date_to.isoformat(),
                "total": _group(report.total),
                "by_building": [_group(g) for g in report.by_building],
                "by_category": [_group(g) for g in report.by_category],
                "by_location": [_group(g) for g in report.by_location],
                "detailed": [
                    {"building": b, "category": c, "location": loc, **_group(g)}
                    for b, c, loc, g in report.detailed
                ],
            }
        )
