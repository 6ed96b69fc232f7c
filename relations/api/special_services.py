"""Special services in the API: the catalogue (`/api/special-services/`: staff of the estate and
residents of it read it) and the bookings (`/api/special-service-bookings/`: a resident lists and
books for their own units, the desk for the units of its estates). A booking is a paid-service
ticket at the catalogue's price; its idempotency key makes a resent request book once."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError

from relations.models import SpecialService, SpecialServiceBooking
from relations.selectors.special_services import bookings_for, catalogue_for
from relations.services.special_services import book_special_service
from residents.models import Unit
from servicecenter.api import ActionPermission, ActionViewMixin, ScopedQuerysetMixin
from servicecenter.parsers import StrictJSONParser

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


class SpecialServiceSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    price_unit = serializers.SerializerMethodField()

    class Meta:
        model = SpecialService
        fields = ["id", "estate", "name", "description", "price", "price_unit", "category", "is_active"]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        return _(obj.name)

    def get_price_unit(self, obj) -> str:
        return _(obj.price_unit) if obj.price_unit else ""


class SpecialServiceBookingSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    ticket_status = serializers.CharField(source="ticket.status", read_only=True)

    class Meta:
        model = SpecialServiceBooking
        fields = [
            "id",
            "service",
            "unit",
            "ticket",
            "ticket_number",
            "ticket_status",
            "preferred_at",
            "notes",
            "price",
            "created_at",
        ]
        read_only_fields = fields


class SpecialServiceBookingCreateSerializer(serializers.Serializer):
    service = serializers.IntegerField()
    unit = serializers.IntegerField()
    preferred_at = serializers.DateTimeField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    idempotency_key = serializers.CharField(max_length=64)

    def validate(self, data):
        user = self.context["request"].user
        service = catalogue_for(user=user).filter(pk=data["service"]).first()
        if service is None:
            raise ValidationError({"service": _("No such service in your estates.")})
        unit = Unit.objects.visible_to(user).filter(pk=data["unit"]).first()
        if unit is None:
            raise ValidationError({"unit": _("Choose one of your own units.")})
        return {**data, "service": service, "unit": unit}


@extend_schema_view(
    list=extend_schema(summary="The special services of the user's estates (residents: active ones)"),
    retrieve=extend_schema(
        summary="One special service", responses={200: SpecialServiceSerializer, 404: _NOT_FOUND}
    ),
)
class SpecialServiceViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = SpecialServiceSerializer
    permission_classes = [ActionPermission]
    residents_may_read = True
    queryset = SpecialService.objects.select_related("estate").order_by("estate_id", "sort_order", "name")


@extend_schema_view(
    list=extend_schema(summary="Special-service bookings (residents: their own units')"),
    retrieve=extend_schema(
        summary="One booking", responses={200: SpecialServiceBookingSerializer, 404: _NOT_FOUND}
    ),
)
class SpecialServiceBookingViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SpecialServiceBookingSerializer
    permission_classes = [ActionPermission]
    parser_classes = [StrictJSONParser]
    residents_may_read = True
    # A booking is a ticket: whoever registers tickets books (a resident for their own units,
    # the desk for its estates').
    action_permissions = {"create": ["tickets.add_ticket"]}

    def get_queryset(self):
        return bookings_for(user=self.request.user)

    @extend_schema(
        summary="Book a special service (a paid-service ticket; the same idempotency key books once)",
        request=SpecialServiceBookingCreateSerializer,
        responses={201: SpecialServiceBookingSerializer, 400: _ERROR},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(SpecialServiceBookingCreateSerializer)
        booking = book_special_service(actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=booking.pk), status_code=status.HTTP_201_CREATED)
