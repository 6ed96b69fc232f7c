"""Move-in API: list, read, schedule (with an idempotency key), one endpoint per workflow action,
the checklist lines, the deposit, the opening readings and the owner's rating.

Every queryset goes through `visible_to`, so a move-in outside the user's reach is a 404 (a
resident reaches only the move-ins of their own units, reads them and rates their own handover).
What each action needs is read from the workflow declaration (`moveins.workflows`); a refused
transition is a 409 with a translated `detail` (keys or the inspection while charges are owed: the
body lists what is owed under `owed`), bad input a 400 naming the field, a missing permission a 403.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from moveins import selectors, services
from moveins.api import serializers as s
from moveins.api.filters import MoveInFilter
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
from moveins.workflows import MOVE_IN
from servicecenter.api import ActionPermission, ActionViewMixin, ScopedQuerysetMixin
from servicecenter.exceptions import DomainError
from servicecenter.parsers import StrictJSONParser
from servicecenter.scoping import access_for

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(
    description="The workflow does not allow this action now; `detail` says why (`owed`: what is still owed)."
)
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such move-in within the user's reach.")
_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Or the `idempotency_key` field of the body: a retry with the same key returns the first result.",
)
_ACTION_RESPONSES = {
    200: s.MoveInDetailSerializer,
    400: _ERROR,
    403: _FORBIDDEN,
    404: _NOT_FOUND,
    409: _CONFLICT,
}

P = "moveins."
# Refusals about the move-in's state rather than the input: a 409 like a refused transition.
STATE_CODES = {
    "open_move_in_exists",
    "unit_handed_over",
    "checklist_incomplete",
    "checklist_closed",
    "charges_unpaid",
    "defects_open",
    "slot_full",
    "deposit_not_due",
    "deposit_taken",
    "already_waived",
    "readings_not_due",
    "reading_recorded",
    "not_completed",
}
# A service's refusal about one input field: shown under that field.
FIELD_OF_CODE = {
    "reason_required": "reason",
    "owner_estate": "owner",
    "batch_estate": "batch",
    "id_number_required": "id_number",
    "id_number_mismatch": "id_number",
    "owner_id_missing": "id_number",
    "signed_copy_required": "signed_copy",
    "invalid_upload": "signed_copy",
    "defect_incomplete": "defects",
    "deadline_required": "defects",
    "deadline_past": "defects",
    "invalid_responsible": "defects",
    "inactive_category": "defects",
    "defects_required": "defects",
    "too_many_defects": "defects",
    "readings_required": "readings",
    "unknown_meter": "readings",
    "reading_lower_than_previous": "readings",
    "invalid_keys": "keys",
    "keys_required": "keys",
    "signed_by_required": "signed_by",
    "invalid_score": "score",
}


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


@contextmanager
def _service_errors():
    """A service's DomainError: a state refusal is a 409 (with the error's details, e.g. `owed`);
    one about an input field is a 400 naming it; a PermissionDenied is a 403."""
    try:
        yield
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error) or None) from None
    except DomainError as error:
        if error.code in STATE_CODES or error.status_code == 409:
            raise Conflict409(error) from None
        field = FIELD_OF_CODE.get(error.code)
        if field is None:
            raise
        raise ValidationError({field: [error.message]}, code=error.code) from None


class Conflict409(DomainError):
    """Re-raised as a 409 (the kernel's handler adds the details next to `detail`)."""

    status_code = 409

    def __init__(self, error: DomainError):
        super().__init__(error.message, code=error.code, details=getattr(error, "details", None))


def _idempotency_key(request, values: dict) -> str:
    key = (request.headers.get("Idempotency-Key") or values.pop("idempotency_key", "") or "").strip()
    values.pop("idempotency_key", None)
    if len(key) > 64:
        raise ValidationError({"Idempotency-Key": [_("An idempotency key has at most 64 characters.")]})
    if not key:
        # Without a key a retried request could schedule twice or take the money twice.
        raise ValidationError(
            {
                "Idempotency-Key": [
                    _("Send an Idempotency-Key header (or idempotency_key) with this request.")
                ]
            },
            code="idempotency_key_required",
        )
    return key


def _detail_queryset():
    return MoveIn.objects.select_related("unit", "owner", "estate").prefetch_related(
        Prefetch(
            "checklist", queryset=ChecklistItem.objects.select_related("done_by").order_by("sort_order", "pk")
        ),
        Prefetch("charges", queryset=MoveInCharge.objects.order_by("pk")),
        Prefetch("inspections", queryset=Inspection.objects.select_related("inspected_by")),
        Prefetch("defects", queryset=Defect.objects.select_related("ticket")),
        Prefetch("opening_readings", queryset=OpeningReading.objects.select_related("meter", "reading")),
        Prefetch("keys", queryset=HandedKey.objects.order_by("pk")),
        Prefetch("events", queryset=MoveInEvent.objects.select_related("actor").order_by("created_at", "pk")),
    )


def _perm(name: str) -> list[str]:
    return [MOVE_IN.action(name).permission]


@extend_schema_view(
    list=extend_schema(
        summary="Move-ins (filters: estate, status, batch, unit, building, open, q)",
        responses={200: s.MoveInSerializer(many=True), 400: _ERROR},
    ),
    retrieve=extend_schema(
        summary="One move-in with its checklist, charges and what is owed, inspections, defects, "
        "readings, keys, timeline and the actions available",
        responses={200: s.MoveInDetailSerializer, 404: _NOT_FOUND},
    ),
)
class MoveInViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = MoveIn.objects.select_related("unit", "owner").order_by("-created_at", "-pk")
    serializer_class = s.MoveInSerializer
    permission_classes = [ActionPermission]
    residents_may_read = True
    action_permissions = {
        "create": [f"{P}handle_movein"],
        "start": _perm("start"),
        "finish_documents": _perm("finish_documents"),
        "waive_fees": _perm("waive_fees"),
        "confirm_fees": _perm("confirm_fees"),
        "pass_inspection": _perm("pass_inspection"),
        "record_defects": _perm("record_defects"),
        "reinspect": _perm("reinspect"),
        "hand_over_keys": _perm("hand_over_keys"),
        "cancel": _perm("cancel"),
        "complete_checklist_item": [f"{P}handle_movein"],
        "take_deposit": ["billing.manage_deposits"],
        "opening_readings": [f"{P}inspect_movein"],
        # The owner from the portal, or the desk: checked on the move-in by `may_act_on`.
        "rate": [],
    }
    filterset_class = MoveInFilter
    ordering_fields = ["created_at", "scheduled_for", "number", "status"]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "head", "options"]

    def get_object(self):
        queryset = (
            _detail_queryset()
            if self.action == "retrieve"
            else MoveIn.objects.select_related("unit", "estate", "owner")
        )
        try:
            move_in = queryset.visible_to(self.request.user).get(pk=int(self.kwargs["pk"]))
        except (MoveIn.DoesNotExist, ValueError):
            raise Http404(_("No such move-in.")) from None
        self.check_object_permissions(self.request, move_in)
        return move_in

    def may_act_on(self, user, action: str, move_in: MoveIn) -> bool:
        if action == "rate":
            if access_for(user).is_resident:
                return move_in.owner.user_id == user.pk
            return user.has_perm(f"{P}handle_movein")
        return True

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, move_in: MoveIn, *, status_code: int = status.HTTP_200_OK) -> Response:
        move_in = _detail_queryset().get(pk=move_in.pk)
        context = {
            **self.get_serializer_context(),
            "available_actions": MOVE_IN.available(move_in, self.request.user),
            "owed": selectors.charges_outstanding(move_in),
        }
        return Response(s.MoveInDetailSerializer(move_in, context=context).data, status=status_code)

    def _act(self, service, input_serializer=None, **fixed) -> Response:
        move_in = self.get_object()
        values = self.parse(input_serializer) if input_serializer is not None else {}
        with _service_errors():
            service(move_in=move_in, actor=self.request.user, **values, **fixed)
        return self._detail(move_in)

    # --- scheduling ------------------------------------------------------------------------------

    @extend_schema(
        summary="Schedule a move-in (status scheduled)",
        description=(
            "An `Idempotency-Key` header (or the `idempotency_key` field) is required: a retry with the "
            "same key returns the move-in the first request scheduled, with status 200 and the header "
            "`Idempotent-Replayed: true`; the first request gets 201. A second open move-in of the unit "
            "is a 409."
        ),
        parameters=[_KEY],
        request=s.MoveInCreateSerializer,
        responses={
            201: s.MoveInDetailSerializer,
            200: s.MoveInDetailSerializer,
            400: _ERROR,
            403: _FORBIDDEN,
            409: _CONFLICT,
        },
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(s.MoveInCreateSerializer)
        key = _idempotency_key(request, values)
        existing = MoveIn.objects.filter(estate_id=values["unit"].estate_id, idempotency_key=key).first()
        with _service_errors():
            move_in = services.schedule_move_in(actor=request.user, idempotency_key=key, **values)
        replayed = existing is not None and existing.pk == move_in.pk
        response = self._detail(
            move_in, status_code=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
        )
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    # --- the workflow ----------------------------------------------------------------------------

    @extend_schema(
        summary="The owner arrived: start the checklist",
        request=s.MoveInNoteSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._act(services.start_move_in, s.MoveInNoteSerializer)

    @extend_schema(
        summary="Documents done: the charges are billed (the required checklist lines first)",
        request=s.MoveInNoteSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="finish-documents")
    def finish_documents(self, request, pk=None):
        return self._act(services.finish_documents, s.MoveInNoteSerializer)

    @extend_schema(
        summary="Waive the charges (manager); `reason` required",
        request=s.MoveInReasonSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="waive-fees")
    def waive_fees(self, request, pk=None):
        return self._act(services.waive_move_in_fees, s.MoveInReasonSerializer)

    @extend_schema(
        summary="Charges settled: on to the inspection (409 listing `owed` otherwise)",
        request=s.MoveInNoteSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="confirm-fees")
    def confirm_fees(self, request, pk=None):
        return self._act(services.confirm_fees, s.MoveInNoteSerializer)

    @extend_schema(
        summary="The inspection passed", request=s.MoveInNoteSerializer, responses=_ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"], url_path="pass-inspection")
    def pass_inspection(self, request, pk=None):
        return self._act(services.pass_inspection, s.MoveInNoteSerializer)

    @extend_schema(
        summary="Defects found: each becomes a repair ticket due on its deadline (JSON, no photos)",
        request=s.DefectsSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="record-defects")
    def record_defects(self, request, pk=None):
        from tickets.models import TicketCategory

        move_in = self.get_object()
        values = self.parse(s.DefectsSerializer)
        defects = []
        for row in values["defects"]:
            category = None
            if row.get("category") is not None:
                category = TicketCategory.objects.filter(pk=row["category"], is_active=True).first()
                if category is None:
                    raise ValidationError({"defects": [_("No such ticket category.")]})
            defects.append(
                services.DefectInput(
                    location=row["location"],
                    description=row["description"],
                    deadline=row["deadline"],
                    responsible=row["responsible"],
                    category=category,
                    photos=[],
                )
            )
        with _service_errors():
            services.record_defects(move_in=move_in, actor=request.user, defects=defects, note=values["note"])
        return self._detail(move_in)

    @extend_schema(
        summary="Re-inspect (every defect's repair ticket resolved)",
        request=s.MoveInNoteSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def reinspect(self, request, pk=None):
        return self._act(services.request_reinspection, s.MoveInNoteSerializer)

    @extend_schema(
        summary="Hand over the keys (409 listing `owed` while a charge is unpaid and not waived)",
        request=s.KeysSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="hand-over-keys")
    def hand_over_keys(self, request, pk=None):
        move_in = self.get_object()
        values = self.parse(s.KeysSerializer)
        keys = [(row["kind"], row["count"]) for row in values["keys"]]
        with _service_errors():
            services.hand_over_keys(
                move_in=move_in,
                actor=request.user,
                keys=keys,
                signed_by=values["signed_by"],
                note=values["note"],
            )
        return self._detail(move_in)

    @extend_schema(
        summary="Cancel the move-in; `reason` required",
        request=s.MoveInReasonSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(services.cancel_move_in, s.MoveInReasonSerializer)

    # --- the steps' records ----------------------------------------------------------------------

    @extend_schema(
        summary="Tick a checklist line (`id_number` for the ID check; `signed_copy` as multipart)",
        request={
            "application/json": s.ChecklistTickSerializer,
            "multipart/form-data": s.ChecklistCompleteSerializer,
        },
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="checklist")
    def complete_checklist_item(self, request, pk=None):
        move_in = self.get_object()
        values = self.parse(s.ChecklistCompleteSerializer)
        item = ChecklistItem.objects.filter(pk=values.pop("item"), move_in=move_in).first()
        if item is None:
            raise ValidationError({"item": [_("No such checklist line of this move-in.")]})
        with _service_errors():
            services.complete_checklist_item(item=item, actor=request.user, **values)
        return self._detail(move_in)

    @extend_schema(
        summary="Take a move-in deposit into the deposit ledger",
        description="An idempotency key is required (header or field): a retry takes nothing twice.",
        parameters=[_KEY],
        request=s.DepositSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="take-deposit")
    def take_deposit(self, request, pk=None):
        move_in = self.get_object()
        values = self.parse(s.DepositSerializer)
        key = _idempotency_key(request, values)
        charge = MoveInCharge.objects.filter(pk=values["charge"], move_in=move_in).first()
        if charge is None:
            raise ValidationError({"charge": [_("No such charge of this move-in.")]})
        with _service_errors():
            services.take_move_in_deposit(
                charge=charge, method=values["method"], actor=request.user, idempotency_key=key
            )
        return self._detail(move_in)

    @extend_schema(
        summary="Record the opening meter readings (below a meter's last reading: 400)",
        request=s.ReadingsSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="opening-readings")
    def opening_readings(self, request, pk=None):
        move_in = self.get_object()
        values = self.parse(s.ReadingsSerializer)
        readings = {row["meter"]: row["value"] for row in values["readings"]}
        with _service_errors():
            services.record_opening_readings(move_in=move_in, actor=request.user, readings=readings)
        return self._detail(move_in)

    @extend_schema(
        summary="Rate the handover 1–5 (the owner, or the desk; completed move-ins; a new rating replaces)",
        request=s.RatingSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        return self._act(services.rate_handover, s.RatingSerializer)
