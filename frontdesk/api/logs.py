"""The API of the desk logs: /api/visitors/, /api/lost-items/ (claim, dispose) and /api/parcels/
(pick-up, return). Every queryset goes through `visible_to`: staff reach their estates' rows, a
resident only their own units' parcels (anything else is a 404). What each action needs is read
from the workflow declaration (`frontdesk.workflows`); a transition the workflow refuses is a 409
with a translated `detail` (claiming an item twice), bad input a 400, a missing permission a 403.
Phones are shown masked; an ID number is write-only and never returned."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from frontdesk import services
from frontdesk.log_filters import LostItemFilter, ParcelFilter, VisitorFilter
from frontdesk.models import LostItem, Parcel, Visitor
from frontdesk.workflows import LOST_ITEM, PARCEL, VISITOR
from residents.models import Estate, Person, Unit
from servicecenter.api import ActionPermission, ActionViewMixin, ScopedQuerysetMixin
from servicecenter.parsers import StrictJSONParser
from servicecenter.uploads import UploadField

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(description="The workflow does not allow this action now; `detail` says why.")
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


def _perm(workflow, name: str) -> list[str]:
    return [workflow.action(name).permission]


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKey(serializers.PrimaryKeyRelatedField):
    """A primary key looked up only among the objects the requesting user may see."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.model.objects.none()
        return self.model.objects.visible_to(request.user)


def _user_name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


# --- visitors -----------------------------------------------------------------------------------


class VisitorSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    let_in_by = serializers.SerializerMethodField()

    class Meta:
        model = Visitor
        fields = [
            "id",
            "estate",
            "unit",
            "unit_code",
            "name",
            "phone",
            "purpose",
            "status",
            "arrived_at",
            "left_at",
            "let_in_by",
            "occupant_notified_at",
        ]
        read_only_fields = fields

    def get_let_in_by(self, visitor) -> str:
        return _user_name(visitor.let_in_by)


class VisitorCreateSerializer(serializers.Serializer):
    unit = ScopedPrimaryKey(Unit)
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    arrived_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    notify_occupant = serializers.BooleanField(required=False, default=False)


class VisitorLeaveSerializer(serializers.Serializer):
    left_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(summary="The visitor log (filters: q, status, estate, unit, date_from, date_until)"),
    retrieve=extend_schema(summary="One visitor", responses={200: VisitorSerializer, 404: _NOT_FOUND}),
)
class VisitorViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Visitor.objects.select_related("unit", "let_in_by").order_by("-arrived_at", "-pk")
    serializer_class = VisitorSerializer
    permission_classes = [ActionPermission]
    action_permissions = {"create": ["frontdesk.log_visitor"], "leave": _perm(VISITOR, "leave")}
    other_actions_need = ["frontdesk.view_visitor"]
    filterset_class = VisitorFilter
    ordering_fields = ["arrived_at", "left_at", "name"]
    parser_classes = [StrictJSONParser]

    @extend_schema(
        summary="Register a visitor (optionally notifying the unit's occupants)",
        request=VisitorCreateSerializer,
        responses={201: VisitorSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(VisitorCreateSerializer)
        visitor = services.register_visitor(actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=visitor.pk), status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The visitor left (now, or at `left_at`; never before the time in)",
        request=VisitorLeaveSerializer,
        responses={200: VisitorSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        visitor = self.get_object()
        values = self.parse(VisitorLeaveSerializer)
        services.record_visitor_departure(visitor=visitor, actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=visitor.pk))


# --- lost and found -----------------------------------------------------------------------------


class LostItemSerializer(serializers.ModelSerializer):
    has_photo = serializers.SerializerMethodField()
    claimant_phone = serializers.CharField(source="claimant_phone_masked", read_only=True)
    logged_by = serializers.SerializerMethodField()
    handed_out_by = serializers.SerializerMethodField()

    class Meta:
        model = LostItem
        fields = [
            "id",
            "estate",
            "description",
            "has_photo",
            "found_place",
            "found_at",
            "handed_in_by",
            "storage_place",
            "status",
            "keep_until",
            "logged_by",
            "claimant_name",
            "claimant_phone",
            "claimant_id_masked",
            "claimed_at",
            "handed_out_by",
            "disposed_at",
            "disposal_note",
        ]
        read_only_fields = fields

    def get_has_photo(self, item) -> bool:
        return bool(item.photo)

    def get_logged_by(self, item) -> str:
        return _user_name(item.logged_by)

    def get_handed_out_by(self, item) -> str:
        return _user_name(item.handed_out_by)


class LostItemCreateSerializer(serializers.Serializer):
    estate = ScopedPrimaryKey(Estate)
    description = serializers.CharField(max_length=200)
    found_place = serializers.CharField(max_length=200)
    found_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    handed_in_by = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    storage_place = serializers.CharField(max_length=100)


class LostItemCreateUploadSerializer(LostItemCreateSerializer):
    photo = UploadField(required=False, allow_null=True, default=None)


class LostItemClaimSerializer(serializers.Serializer):
    claimant_name = serializers.CharField(max_length=100)
    claimant_phone = serializers.CharField(max_length=30)
    id_number = serializers.CharField(max_length=30, write_only=True)
    person = ScopedPrimaryKey(Person, required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class LostItemDisposeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)


@extend_schema_view(
    list=extend_schema(summary="Lost and found (filters: q, status, estate, due, date_from, date_until)"),
    retrieve=extend_schema(summary="One lost item", responses={200: LostItemSerializer, 404: _NOT_FOUND}),
)
class LostItemViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = LostItem.objects.select_related("logged_by", "handed_out_by").order_by("-found_at", "-pk")
    serializer_class = LostItemSerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": ["frontdesk.handle_lost_item"],
        "claim": _perm(LOST_ITEM, "claim"),
        "dispose": _perm(LOST_ITEM, "dispose"),
    }
    other_actions_need = ["frontdesk.view_lostitem"]
    filterset_class = LostItemFilter
    ordering_fields = ["found_at", "keep_until", "status"]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Log an item handed in at the desk; a photo as multipart",
        request={
            "application/json": LostItemCreateSerializer,
            "multipart/form-data": LostItemCreateUploadSerializer,
        },
        responses={201: LostItemSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        multipart = request.content_type.startswith("multipart/")
        values = self.parse(LostItemCreateUploadSerializer if multipart else LostItemCreateSerializer)
        item = services.log_lost_item(actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=item.pk), status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Hand the item to its owner after an ID check (a second claim is a 409)",
        request=LostItemClaimSerializer,
        responses={200: LostItemSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        item = self.get_object()
        values = self.parse(LostItemClaimSerializer)
        services.claim_lost_item(
            item=item, actor=request.user, ip_address=request.META.get("REMOTE_ADDR"), **values
        )
        return self.respond(self.get_queryset().get(pk=item.pk))

    @extend_schema(
        summary="Dispose of an unclaimed item after its keep period (earlier: a manager); `note` says how",
        request=LostItemDisposeSerializer,
        responses={200: LostItemSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def dispose(self, request, pk=None):
        item = self.get_object()
        values = self.parse(LostItemDisposeSerializer)
        services.dispose_lost_item(item=item, actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=item.pk))


# --- parcels ------------------------------------------------------------------------------------


class ParcelSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    handed_over_by = serializers.SerializerMethodField()

    class Meta:
        model = Parcel
        fields = [
            "id",
            "estate",
            "unit",
            "unit_code",
            "recipient",
            "recipient_name",
            "carrier",
            "tracking_number",
            "status",
            "received_at",
            "notified_at",
            "collected_by",
            "handed_over_by",
            "picked_up_at",
            "returned_at",
        ]
        read_only_fields = fields

    def get_handed_over_by(self, parcel) -> str:
        return _user_name(parcel.handed_over_by)


class ParcelCreateSerializer(serializers.Serializer):
    unit = ScopedPrimaryKey(Unit)
    carrier = serializers.CharField(max_length=50)
    tracking_number = serializers.CharField(max_length=50)
    recipient = ScopedPrimaryKey(Person, required=False, allow_null=True, default=None)
    recipient_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    notify_resident = serializers.BooleanField(required=False, default=True)


class ParcelPickUpSerializer(serializers.Serializer):
    collected_by = serializers.CharField(max_length=100)


class ParcelReturnSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


@extend_schema_view(
    list=extend_schema(summary="Parcels at the desk (filters: q, status, estate, unit, carrier, dates)"),
    retrieve=extend_schema(summary="One parcel", responses={200: ParcelSerializer, 404: _NOT_FOUND}),
)
class ParcelViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Parcel.objects.select_related("unit", "handed_over_by").order_by("-received_at", "-pk")
    serializer_class = ParcelSerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": ["frontdesk.handle_parcel"],
        "pick_up": _perm(PARCEL, "pick_up"),
        "return_to_carrier": _perm(PARCEL, "return"),
    }
    # Reads: `view_parcel` for staff; a resident reads their own units' parcels (`visible_to`).
    residents_may_read = True
    filterset_class = ParcelFilter
    ordering_fields = ["received_at", "status"]
    parser_classes = [StrictJSONParser]

    @extend_schema(
        summary="Log a parcel left at the desk (the recipient or the unit's occupants notified)",
        request=ParcelCreateSerializer,
        responses={201: ParcelSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(ParcelCreateSerializer)
        parcel = services.log_parcel(actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=parcel.pk), status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Signed for: who collected it (the requesting user handed it over)",
        request=ParcelPickUpSerializer,
        responses={200: ParcelSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="pick-up", url_name="pick-up")
    def pick_up(self, request, pk=None):
        parcel = self.get_object()
        values = self.parse(ParcelPickUpSerializer)
        services.pick_up_parcel(parcel=parcel, actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=parcel.pk))

    @extend_schema(
        summary="Returned to the carrier",
        request=ParcelReturnSerializer,
        responses={200: ParcelSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_to_carrier(self, request, pk=None):
        parcel = self.get_object()
        values = self.parse(ParcelReturnSerializer)
        services.return_parcel(parcel=parcel, actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=parcel.pk))
