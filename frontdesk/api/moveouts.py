"""Move-out and moving requests in the API (`/api/move-outs/`): the list (filters: estate, unit,
status, kind, planned_from/until, q), one request with its timeline and available actions,
registration with an idempotency key, and one endpoint per workflow action.

A unit that owes money is refused approval with 409 and the bills owed in the body (`owed`,
`total`); a manager approves anyway with `override_reason`. A transition the workflow refuses is
a 409, bad input a 400 naming the field, a missing permission a 403, another estate's request a
404."""

from __future__ import annotations

from contextlib import contextmanager

import django_filters
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from frontdesk import services
from frontdesk.models import MoveOut, MoveOutEvent
from frontdesk.selectors import moveouts as selectors
from frontdesk.workflows import MOVEOUT
from residents.models import Estate, Person, Unit
from servicecenter.api import (
    ActionPermission,
    ActionViewMixin,
    IdField,
    ReasonableDateField,
    ScopedQuerysetMixin,
)
from servicecenter.exceptions import DomainError
from servicecenter.forms import IdFilter, ReasonableDateFilter
from servicecenter.parsers import StrictJSONParser

# --- filters ------------------------------------------------------------------------------------


def _estates(request):
    if request is None:
        return Estate.objects.none()
    return Estate.objects.visible_to(request.user).order_by("code")


class MoveOutFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=gettext_lazy("Number, unit, name or plate"))
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=gettext_lazy("Estate"))
    unit = IdFilter(field_name="unit_id", label=gettext_lazy("Unit"))
    status = django_filters.MultipleChoiceFilter(
        choices=MoveOut.Status.choices, distinct=False, label=gettext_lazy("Status")
    )
    kind = django_filters.ChoiceFilter(choices=MoveOut.Kind.choices, label=gettext_lazy("Kind"))
    planned_from = ReasonableDateFilter(
        field_name="planned_date", lookup_expr="gte", label=gettext_lazy("Planned from")
    )
    planned_until = ReasonableDateFilter(
        field_name="planned_date", lookup_expr="lte", label=gettext_lazy("Planned until")
    )

    class Meta:
        model = MoveOut
        fields = ["q", "estate", "unit", "status", "kind", "planned_from", "planned_until"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(selectors.search_q(value)) if value else queryset


# --- shapes -------------------------------------------------------------------------------------


class MoveOutSerializer(serializers.ModelSerializer):
    estate_code = serializers.CharField(source="estate.code", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    pass_number = serializers.CharField(
        source="release_pass.number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = MoveOut
        fields = [
            "id",
            "number",
            "estate",
            "estate_code",
            "unit",
            "unit_code",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "person",
            "person_name",
            "planned_date",
            "window_start",
            "window_end",
            "items",
            "vehicle_plate",
            "helpers",
            "pass_number",
            "created_at",
        ]
        read_only_fields = fields


class MoveOutEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = MoveOutEvent
        fields = ["action", "from_status", "to_status", "actor_name", "note", "created_at"]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        actor = event.actor
        return (actor.get_full_name() or actor.get_username()) if actor else ""


class MoveOutDetailSerializer(MoveOutSerializer):
    events = MoveOutEventSerializer(many=True, read_only=True)
    available_actions = serializers.SerializerMethodField()
    release_pass = serializers.IntegerField(source="release_pass_id", read_only=True, allow_null=True)

    class Meta(MoveOutSerializer.Meta):
        fields = [
            *MoveOutSerializer.Meta.fields,
            "notes",
            "release_pass",
            "approved_at",
            "arrears_override_reason",
            "arrears_owed_at_override",
            "arrears_override_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
            "events",
            "available_actions",
        ]
        read_only_fields = fields

    def get_available_actions(self, moveout) -> list[str]:
        return [a.name for a in self.context.get("available_actions", [])]


@extend_schema_field(OpenApiTypes.INT)
class _Scoped(serializers.PrimaryKeyRelatedField):
    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.visible_to(request.user) if request else self.model.objects.none()


class MoveOutCreateSerializer(serializers.Serializer):
    unit = _Scoped(Unit)
    person = _Scoped(Person, help_text=gettext_lazy("A current occupant of the unit."))
    kind = serializers.ChoiceField(choices=MoveOut.Kind.choices)
    planned_date = ReasonableDateField()
    window_start = serializers.TimeField()
    window_end = serializers.TimeField()
    items = serializers.CharField(max_length=2000)
    vehicle_plate = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    helpers = IdField(required=False, default=0, min_value=0, max_value=50)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Instead of the Idempotency-Key header."),
    )


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("A manager's reason for releasing a unit that owes money."),
    )


class MoveOutNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MoveOutReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class OwedBillSerializer(serializers.Serializer):
    bill = serializers.IntegerField()
    item = serializers.CharField()
    period = serializers.CharField()
    due_date = serializers.DateField()
    outstanding = serializers.DecimalField(max_digits=12, decimal_places=2)
    is_overdue = serializers.BooleanField()


class ArrearsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    owed = OwedBillSerializer(many=True)


# --- the viewset --------------------------------------------------------------------------------

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(description="The workflow does not allow this action now; `detail` says why.")
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such request within the user's reach.")
_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Or the `idempotency_key` field of the body: a retry with the same key returns the first result.",
)
_ACTION_RESPONSES = {
    200: MoveOutDetailSerializer,
    400: _ERROR,
    403: _FORBIDDEN,
    404: _NOT_FOUND,
    409: _CONFLICT,
}

# A service's refusal that is about one input field (a 400 naming it).
FIELD_OF_CODE = {
    "not_occupant": "person",
    "window_required": "planned_date",
    "invalid_window": "window_end",
    "date_passed": "planned_date",
    "items_required": "items",
    "helpers_out_of_range": "helpers",
    "plate_too_long": "vehicle_plate",
    "invalid_kind": "kind",
    "reason_required": "reason",
}
STATE_CODES = {"moveout_open", "window_over"}


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


@contextmanager
def _refusals():
    try:
        yield
    except services.ArrearsOwed:
        raise
    except DomainError as error:
        if error.code in STATE_CODES:
            raise Conflict(error.message, code=error.code) from None
        field = FIELD_OF_CODE.get(error.code)
        if field is None or error.status_code != 400:
            raise
        raise ValidationError({field: [error.message]}, code=error.code) from None


def _perm(name: str) -> list[str]:
    return [MOVEOUT.action(name).permission]


def _detail_queryset():
    return MoveOut.objects.select_related("estate", "unit", "person", "release_pass").prefetch_related(
        Prefetch("events", queryset=MoveOutEvent.objects.select_related("actor"))
    )


@extend_schema_view(
    list=extend_schema(
        summary="Move-out and moving requests (filters: estate, unit, status, kind, planned_from/until, q)",
        responses={200: MoveOutSerializer(many=True), 400: _ERROR},
    ),
    retrieve=extend_schema(
        summary="One request with its timeline and the actions available to the user",
        responses={200: MoveOutDetailSerializer, 404: _NOT_FOUND},
    ),
)
class MoveOutViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = MoveOut.objects.select_related("estate", "unit", "person", "release_pass").order_by(
        "-created_at", "-pk"
    )
    serializer_class = MoveOutSerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "list": ["frontdesk.view_moveout"],
        "retrieve": ["frontdesk.view_moveout"],
        "create": ["frontdesk.register_moveout"],
        "approve": _perm("approve"),
        "complete": _perm("complete"),
        "cancel": _perm("cancel"),
    }
    filterset_class = MoveOutFilter
    ordering_fields = ["created_at", "planned_date", "number", "status"]
    parser_classes = [StrictJSONParser]
    http_method_names = ["get", "post", "head", "options"]

    def get_object(self):
        queryset = _detail_queryset() if self.action == "retrieve" else MoveOut.objects.all()
        try:
            moveout = queryset.visible_to(self.request.user).get(pk=int(self.kwargs["pk"]))
        except (MoveOut.DoesNotExist, ValueError):
            raise Http404(_("No such move-out or moving request.")) from None
        self.check_object_permissions(self.request, moveout)
        return moveout

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, moveout: MoveOut, *, status_code: int = status.HTTP_200_OK) -> Response:
        moveout = _detail_queryset().get(pk=moveout.pk)
        context = {
            **self.get_serializer_context(),
            "available_actions": MOVEOUT.available(moveout, self.request.user),
        }
        return Response(MoveOutDetailSerializer(moveout, context=context).data, status=status_code)

    @extend_schema(
        summary="Register a request (status requested)",
        description=(
            "Send an `Idempotency-Key` header (or the `idempotency_key` field): a retry with the same key "
            "returns the request the first one registered, with status 200 and the header "
            "`Idempotent-Replayed: true`; the first request gets 201."
        ),
        parameters=[_KEY],
        request=MoveOutCreateSerializer,
        responses={201: MoveOutDetailSerializer, 200: MoveOutDetailSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(MoveOutCreateSerializer)
        key = (request.headers.get("Idempotency-Key") or values.pop("idempotency_key", "") or "").strip()
        values.pop("idempotency_key", None)
        if not key:
            # Without a key a retried request could register twice.
            raise ValidationError(
                {
                    "Idempotency-Key": [
                        _("Send an Idempotency-Key header (or idempotency_key) with this request.")
                    ]
                },
                code="idempotency_key_required",
            )
        if len(key) > 64:
            raise ValidationError({"Idempotency-Key": [_("An idempotency key has at most 64 characters.")]})
        existing = MoveOut.objects.filter(estate_id=values["unit"].estate_id, idempotency_key=key).first()
        with _refusals():
            moveout = services.register_moveout(actor=request.user, idempotency_key=key, **values)
        replayed = existing is not None and existing.pk == moveout.pk
        response = self._detail(
            moveout, status_code=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
        )
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _act(self, service, input_serializer) -> Response:
        moveout = self.get_object()
        values = self.parse(input_serializer)
        with _refusals():
            service(moveout=moveout, actor=self.request.user, **values)
        return self._detail(moveout)

    @extend_schema(
        summary="Approve and issue the release pass for the planned window",
        description=(
            "Refused with 409 when the unit owes money: the body lists the bills (`owed`) and the "
            "`total`. A manager approves anyway with `override_reason` (kept on the request and in "
            "its timeline); anyone else sending it gets 403."
        ),
        request=ApproveSerializer,
        responses={
            **_ACTION_RESPONSES,
            409: OpenApiResponse(ArrearsSerializer, description="Owed, or not allowed now."),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        try:
            return self._act(services.approve_moveout, ApproveSerializer)
        except services.ArrearsOwed as owed:
            body = {"detail": owed.message, "code": owed.code, "total": owed.total, "owed": owed.rows}
            return Response(ArrearsSerializer(body).data, status=status.HTTP_409_CONFLICT)

    @extend_schema(
        summary="The move is done (a move-out ends the leaver's occupancy); the pass is revoked",
        request=MoveOutNoteSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._act(services.complete_moveout, MoveOutNoteSerializer)

    @extend_schema(
        summary="Cancel the request (its release pass is revoked); `reason` required",
        request=MoveOutReasonSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(services.cancel_moveout, MoveOutReasonSerializer)
