"""Renovation API: applications and one endpoint per workflow action, workers, documents,
deductions, the deposit and the refund; patrols, violations, and the monthly figures.

Every queryset goes through `visible_to`, so a renovation outside the user's reach is a 404 (a
resident reaches only the renovations of their own units, and may only read them and their
workers). What each action needs is read from the workflow declaration (`renovations.workflows`);
a transition the workflow refuses is a 409 with a translated `detail`, bad input a 400 naming the
field, a missing permission a 403.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from renovations import selectors, services
from renovations.api import serializers as s
from renovations.api.filters import PatrolFilter, RenovationFilter, ViolationFilter
from renovations.models import (
    Deduction,
    Inspection,
    Patrol,
    Renovation,
    RenovationCharge,
    RenovationDocument,
    RenovationEvent,
    RenovationWorker,
    Violation,
)
from renovations.services.completion import DEDUCTION_PERMISSIONS
from renovations.workflows import RENOVATION, VIOLATION
from residents.models import Estate
from servicecenter.api import ActionPermission, ActionViewMixin, ScopedQuerysetMixin
from servicecenter.exceptions import DomainError
from servicecenter.parsers import StrictJSONParser
from servicecenter.scoping import access_for
from servicecenter.uploads import serve_private_file
from tickets.models import Ticket

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(description="The workflow does not allow this action now; `detail` says why.")
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")
_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Or the `idempotency_key` field of the body: a retry with the same key returns the first result.",
)
_ACTION_RESPONSES = {
    200: s.RenovationDetailSerializer,
    400: _ERROR,
    403: _FORBIDDEN,
    404: _NOT_FOUND,
    409: _CONFLICT,
}

P = "renovations."


def _perm(workflow, name: str) -> list[str]:
    return [workflow.action(name).permission]


# A service's refusal that is about one input field: shown under that field, like the
# serializer's own errors (the message is the service's, already translated).
FIELD_OF_CODE = {
    "period_required": "planned_start",
    "invalid_period": "planned_end",
    "period_too_long": "planned_end",
    "scope_required": "scope_items",
    "scope_item_wrong_estate": "scope_items",
    "scope_item_inactive": "scope_items",
    "not_owner": "owner",
    "contractor_phone_invalid": "contractor_phone",
    "contractor_company_required": "contractor_company",
    "contractor_licence_required": "contractor_licence",
    "contractor_contact_required": "contractor_contact",
    "worker_name_required": "workers",
    "worker_mobile_invalid": "workers",
    "worker_id_invalid": "workers",
    "duplicate_worker": "workers",
    "reason_required": "reason",
}


# A service's refusal because of the application's state (not a workflow transition): a 409 too.
STATE_CODES = {"not_editable", "workers_closed", "deposit_not_due", "deposit_taken", "deduction_not_allowed"}


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


@contextmanager
def _fields_named(**more: str):
    """Turn a service's DomainError about an input field into a 400 naming it (`more`: codes
    that name a field of this endpoint only)."""
    try:
        yield
    except DomainError as error:
        if error.code in STATE_CODES:
            raise Conflict(error.message, code=error.code) from None
        field = {**FIELD_OF_CODE, **more}.get(error.code)
        if field is None or error.status_code != 400:
            raise
        raise ValidationError({field: [error.message]}, code=error.code) from None


def _idempotency_key(request, values: dict) -> str:
    key = (request.headers.get("Idempotency-Key") or values.pop("idempotency_key", "") or "").strip()
    values.pop("idempotency_key", None)
    if len(key) > 64:
        raise ValidationError({"Idempotency-Key": [_("An idempotency key has at most 64 characters.")]})
    return key


def _require_key(request, values: dict) -> str:
    key = _idempotency_key(request, values)
    if not key:
        # Without a key a retried request could register twice or move the money twice.
        raise ValidationError(
            {
                "Idempotency-Key": [
                    _("Send an Idempotency-Key header (or idempotency_key) with this request.")
                ]
            },
            code="idempotency_key_required",
        )
    return key


# --- renovations --------------------------------------------------------------------------------


def _detail_queryset():
    return Renovation.objects.select_related("unit", "owner", "estate").prefetch_related(
        "scope_items",
        Prefetch("workers", queryset=RenovationWorker.objects.select_related("current_pass")),
        Prefetch("charges", queryset=RenovationCharge.objects.select_related("bill")),
        Prefetch("events", queryset=RenovationEvent.objects.select_related("actor")),
        Prefetch("inspections", queryset=Inspection.objects.select_related("inspector")),
        "deductions",
    )


def _owed_kinds(renovation: Renovation) -> set[str]:
    return {owed.kind for owed in selectors.charges_outstanding(renovation)}


@extend_schema_view(
    list=extend_schema(
        summary="Renovations (filters: estate, status, unit, regular, planned_from/until, q)",
        responses={200: s.RenovationSerializer(many=True), 400: _ERROR},
    ),
    retrieve=extend_schema(
        summary="One renovation with its scope, workers (masked), charges, timeline and available actions",
        responses={200: s.RenovationDetailSerializer, 404: _NOT_FOUND},
    ),
)
class RenovationViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Renovation.objects.select_related("unit", "owner").order_by("-created_at", "-pk")
    serializer_class = s.RenovationSerializer
    permission_classes = [ActionPermission]
    # Residents read their own units' renovations (list, retrieve, workers); everything else is
    # the staff's, with the permission the workflow declares for each action.
    residents_may_read = True
    action_permissions = {
        "create": [f"{P}register_renovation"],
        "partial_update": [f"{P}register_renovation"],
        "send_for_review": _perm(RENOVATION, "send_to_engineering"),
        **{
            name: _perm(RENOVATION, name)
            for name in (
                "engineering_approve",
                "engineering_request_changes",
                "engineering_reject",
                "approve",
                "request_changes",
                "reject",
                "resubmit",
                "withdraw",
                "record_agreement",
                "waive_charges",
                "issue_permit",
                "start_works",
                "request_completion",
                "accept",
                "fail_acceptance",
                "pass_second_inspection",
                "fail_second_inspection",
                "approve_refund",
                "close",
            )
        },
        "take_deposit": ["billing.manage_deposits"],
        "add_worker": [f"{P}register_renovation"],
        "remove_worker": [f"{P}register_renovation"],
        "deductions": [f"{P}view_deduction"],
        # Any one of the deduction permissions (an inspector, who follows up violations, or who
        # approves the refund): checked on the renovation by `may_act_on`.
        "add_deduction": [],
        "withdraw_deduction": [],
        "documents": [f"{P}view_renovationdocument"],
        "upload_document": [f"{P}register_renovation"],
        "document_file": [f"{P}view_renovationdocument"],
        "link_complaint": [f"{P}manage_renovation_violation"],
        "metrics": [f"{P}view_violation", f"{P}view_patrol"],
    }
    filterset_class = RenovationFilter
    ordering_fields = ["created_at", "planned_start", "planned_end", "number", "status"]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_object(self):
        queryset = (
            _detail_queryset()
            if self.action == "retrieve"
            else Renovation.objects.select_related("unit", "estate")
        )
        try:
            renovation = queryset.visible_to(self.request.user).get(pk=int(self.kwargs["pk"]))
        except (Renovation.DoesNotExist, ValueError):
            raise Http404(_("No such renovation.")) from None
        self.check_object_permissions(self.request, renovation)
        return renovation

    def may_act_on(self, user, action: str, renovation: Renovation) -> bool:
        if action == "workers":
            # Residents see their own units' workers (masked); staff need the worker permission.
            return access_for(user).is_resident or user.has_perm(f"{P}view_renovationworker")
        if action in ("add_deduction", "withdraw_deduction"):
            return any(user.has_perm(f"{P}{name}") for name in DEDUCTION_PERMISSIONS)
        return True

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, renovation: Renovation, *, status_code: int = status.HTTP_200_OK) -> Response:
        if not hasattr(renovation, "_prefetched_objects_cache"):
            renovation = _detail_queryset().get(pk=renovation.pk)
        context = {
            **self.get_serializer_context(),
            "available_actions": RENOVATION.available(renovation, self.request.user),
            "owed_kinds": _owed_kinds(renovation),
            "deposit_held": selectors.deposit_held(renovation),
            "documents": RenovationDocument.objects.visible_to(self.request.user).filter(
                renovation=renovation
            ),
        }
        return Response(s.RenovationDetailSerializer(renovation, context=context).data, status=status_code)

    def _act(self, service, input_serializer=None, **fixed) -> Response:
        renovation = self.get_object()
        values = self.parse(input_serializer) if input_serializer is not None else {}
        with _fields_named():
            service(renovation=renovation, actor=self.request.user, **values, **fixed)
        return self._detail(renovation)

    # --- registration and editing --------------------------------------------------------------

    @extend_schema(
        summary="Register an application (status submitted)",
        description=(
            "Send an `Idempotency-Key` header (or the `idempotency_key` field): a retry with the same "
            "key returns the application the first request registered, with status 200 and the header "
            "`Idempotent-Replayed: true`; the first request gets 201."
        ),
        parameters=[_KEY],
        request=s.RenovationCreateSerializer,
        responses={
            201: s.RenovationDetailSerializer,
            200: s.RenovationDetailSerializer,
            400: _ERROR,
            403: _FORBIDDEN,
        },
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(s.RenovationCreateSerializer)
        key = _require_key(request, values)
        existing = (
            Renovation.objects.filter(estate_id=values["unit"].estate_id, idempotency_key=key).first()
            if key
            else None
        )
        with _fields_named():
            renovation = services.register_renovation(actor=request.user, idempotency_key=key, **values)
        replayed = existing is not None and existing.pk == renovation.pk
        response = self._detail(
            renovation, status_code=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
        )
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        summary="Edit an application while it is submitted or changes were requested",
        request=s.RenovationUpdateSerializer,
        responses=_ACTION_RESPONSES,
    )
    def partial_update(self, request, *args, **kwargs):
        renovation = self.get_object()
        serializer = s.RenovationUpdateSerializer(
            data=request.data, context={**self.get_serializer_context(), "renovation": renovation}
        )
        serializer.is_valid(raise_exception=True)
        with _fields_named():
            services.update_application(
                renovation=renovation, actor=request.user, **serializer.validated_data
            )
        return self._detail(renovation)

    # --- review --------------------------------------------------------------------------------

    @extend_schema(
        summary="Send for review: to engineering (non-regular) or straight to the manager (regular)",
        request=s.RenovationNoteSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def send_for_review(self, request, pk=None):
        return self._act(services.send_for_review, s.RenovationNoteSerializer)

    @extend_schema(
        summary="Pass the engineering review", request=s.RenovationNoteSerializer, responses=_ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def engineering_approve(self, request, pk=None):
        return self._act(services.engineering_approve, s.RenovationNoteSerializer)

    @extend_schema(
        summary="Engineering asks for changes; `reason` required",
        request=s.RenovationReasonSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def engineering_request_changes(self, request, pk=None):
        return self._act(services.engineering_request_changes, s.RenovationReasonSerializer)

    @extend_schema(
        summary="Engineering rejects; `reason` required",
        request=s.RenovationReasonSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def engineering_reject(self, request, pk=None):
        return self._act(services.engineering_reject, s.RenovationReasonSerializer)

    @extend_schema(
        summary="The manager approves (the deposit and fees are charged)",
        request=s.RenovationNoteSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(services.approve_renovation, s.RenovationNoteSerializer)

    @extend_schema(
        summary="The manager asks for changes; `reason` required",
        request=s.RenovationReasonSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def request_changes(self, request, pk=None):
        return self._act(services.request_renovation_changes, s.RenovationReasonSerializer)

    @extend_schema(
        summary="The manager rejects; `reason` required",
        request=s.RenovationReasonSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(services.reject_renovation, s.RenovationReasonSerializer)

    @extend_schema(
        summary="Resubmit after changes were requested (optionally with the changes)",
        request=s.ResubmitSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        renovation = self.get_object()
        serializer = s.ResubmitSerializer(
            data=request.data, context={**self.get_serializer_context(), "renovation": renovation}
        )
        serializer.is_valid(raise_exception=True)
        with _fields_named():
            services.resubmit_renovation(
                renovation=renovation, actor=request.user, **serializer.validated_data
            )
        return self._detail(renovation)

    @extend_schema(
        summary="Withdraw the application (refused once money was taken); `reason` required",
        request=s.RenovationReasonSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(services.withdraw_renovation, s.RenovationReasonSerializer)

    # --- agreement, money, permit ----------------------------------------------------------------

    @extend_schema(
        summary="Record the signed renovation agreement with its scanned copy (multipart)",
        request={"multipart/form-data": s.AgreementSerializer},
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def record_agreement(self, request, pk=None):
        return self._act(services.record_agreement, s.AgreementSerializer)

    @extend_schema(
        summary="Waive the deposit and fees (manager); `reason` required",
        request=s.RenovationReasonSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def waive_charges(self, request, pk=None):
        return self._act(services.waive_renovation_charges, s.RenovationReasonSerializer)

    @extend_schema(
        summary="Take the renovation deposit (deposit ledger)",
        description="An idempotency key is required (header or field): a retry takes nothing twice.",
        parameters=[_KEY],
        request=s.MoneyMethodSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def take_deposit(self, request, pk=None):
        return self._money(services.take_renovation_deposit)

    def _money(self, service) -> Response:
        renovation = self.get_object()
        values = self.parse(s.MoneyMethodSerializer)
        key = _idempotency_key(request=self.request, values=values)
        if not key:
            # Checked before anything else: without a key a retried request could move the money twice.
            raise ValidationError(
                {
                    "Idempotency-Key": [
                        _("Send an Idempotency-Key header (or idempotency_key) with this request.")
                    ]
                },
                code="idempotency_key_required",
            )
        with _fields_named():
            service(renovation=renovation, actor=self.request.user, idempotency_key=key, **values)
        return self._detail(renovation)

    @extend_schema(
        summary="Issue the permit (agreement signed, charges paid or waived)",
        request=None,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def issue_permit(self, request, pk=None):
        return self._act(services.issue_permit)

    @extend_schema(summary="Works started", request=None, responses=_ACTION_RESPONSES)
    @action(detail=True, methods=["post"])
    def start_works(self, request, pk=None):
        return self._act(services.start_works)

    # --- completion ------------------------------------------------------------------------------

    @extend_schema(
        summary="Request the acceptance inspection",
        request=s.RenovationNoteSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def request_completion(self, request, pk=None):
        return self._act(services.request_completion, s.RenovationNoteSerializer)

    @extend_schema(
        summary="Pass the acceptance inspection", request=s.FindingsSerializer, responses=_ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(services.pass_acceptance, s.FindingsSerializer)

    @extend_schema(
        summary="Defects to fix at the acceptance inspection; `findings` required",
        request=s.RequiredFindingsSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def fail_acceptance(self, request, pk=None):
        return self._act(services.fail_acceptance, s.RequiredFindingsSerializer)

    @extend_schema(
        summary="Pass the second inspection", request=s.FindingsSerializer, responses=_ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def pass_second_inspection(self, request, pk=None):
        return self._act(services.pass_second_inspection, s.FindingsSerializer)

    @extend_schema(
        summary="Record defects at the second inspection; `findings` required",
        request=s.RequiredFindingsSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def fail_second_inspection(self, request, pk=None):
        return self._act(services.fail_second_inspection, s.RequiredFindingsSerializer)

    @extend_schema(
        summary="Approve and post the deposit refund (deposit − deductions)",
        description="An idempotency key is required (header or field); a second refund is refused.",
        parameters=[_KEY],
        request=s.MoneyMethodSerializer,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def approve_refund(self, request, pk=None):
        return self._money(services.approve_refund)

    @extend_schema(
        summary="Close the renovation", request=s.RenovationNoteSerializer, responses=_ACTION_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(services.close_renovation, s.RenovationNoteSerializer)

    # --- workers -------------------------------------------------------------------------------

    @extend_schema(
        summary="The renovation's workers (mobile and ID number masked)",
        responses={200: s.RenovationWorkerSerializer(many=True), 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None, ordering_fields=[])
    def workers(self, request, pk=None):
        renovation = self.get_object()
        workers = RenovationWorker.objects.filter(renovation=renovation).select_related("current_pass")
        return Response(s.RenovationWorkerSerializer(workers, many=True).data)

    @extend_schema(
        summary="Add a worker (a pass is issued at once while the permit runs)",
        request=s.WorkerInputSerializer,
        responses={
            201: s.RenovationWorkerSerializer,
            400: _ERROR,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
        },
    )
    @workers.mapping.post
    def add_worker(self, request, pk=None):
        renovation = self.get_object()
        values = self.parse(s.WorkerInputSerializer)
        with _fields_named(
            worker_name_required="name",
            worker_mobile_invalid="mobile",
            worker_id_invalid="id_number",
            duplicate_worker="id_number",
        ):
            worker = services.add_worker(renovation=renovation, actor=request.user, **values)
        worker = RenovationWorker.objects.select_related("current_pass").get(pk=worker.pk)
        return self.respond(
            worker, status_code=status.HTTP_201_CREATED, serializer_class=s.RenovationWorkerSerializer
        )

    @extend_schema(
        summary="Remove a worker (the pass is revoked); `reason` required",
        request=s.WorkerRemoveSerializer,
        responses={
            200: s.RenovationWorkerSerializer,
            400: _ERROR,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"workers/(?P<worker_pk>[0-9]+)/remove",
        url_name="worker-remove",
    )
    def remove_worker(self, request, pk=None, worker_pk=None):
        renovation = self.get_object()
        worker = RenovationWorker.objects.filter(renovation=renovation, pk=worker_pk).first()
        if worker is None:
            raise Http404(_("No such worker."))
        values = self.parse(s.WorkerRemoveSerializer)
        services.remove_worker(worker=worker, actor=request.user, **values)
        worker = RenovationWorker.objects.select_related("current_pass").get(pk=worker.pk)
        return self.respond(worker, serializer_class=s.RenovationWorkerSerializer)

    # --- deductions ------------------------------------------------------------------------------

    @extend_schema(
        summary="The deductions proposed from the deposit",
        responses={200: s.DeductionSerializer(many=True), 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None, ordering_fields=[])
    def deductions(self, request, pk=None):
        renovation = self.get_object()
        return Response(
            s.DeductionSerializer(Deduction.objects.filter(renovation=renovation), many=True).data
        )

    @extend_schema(
        summary="Propose a deduction (with its reason and, usually, its violation)",
        request=s.DeductionCreateSerializer,
        responses={201: s.DeductionSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @deductions.mapping.post
    def add_deduction(self, request, pk=None):
        renovation = self.get_object()
        values = self.parse(s.DeductionCreateSerializer)
        violation_id = values.pop("violation", None)
        violation = None
        if violation_id is not None:
            violation = Violation.objects.filter(renovation=renovation, pk=violation_id).first()
            if violation is None:
                raise ValidationError({"violation": [_("No such violation of this renovation.")]})
        with _fields_named(deductions_exceed_deposit="amount"):
            deduction = services.propose_deduction(
                renovation=renovation, actor=request.user, violation=violation, **values
            )
        return self.respond(
            deduction, status_code=status.HTTP_201_CREATED, serializer_class=s.DeductionSerializer
        )

    @extend_schema(
        summary="Withdraw a proposed deduction (not once the refund is posted)",
        request=None,
        responses={200: s.DeductionSerializer(many=True), 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deductions/(?P<deduction_pk>[0-9]+)/withdraw",
        url_name="deduction-withdraw",
    )
    def withdraw_deduction(self, request, pk=None, deduction_pk=None):
        renovation = self.get_object()
        deduction = Deduction.objects.filter(renovation=renovation, pk=deduction_pk).first()
        if deduction is None:
            raise Http404(_("No such deduction."))
        services.withdraw_deduction(deduction=deduction, actor=request.user)
        return Response(
            s.DeductionSerializer(Deduction.objects.filter(renovation=renovation), many=True).data
        )

    # --- documents -------------------------------------------------------------------------------

    @extend_schema(
        summary="The renovation's plans, photos, agreement and records",
        responses={200: s.RenovationDocumentSerializer(many=True), 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None, ordering_fields=[])
    def documents(self, request, pk=None):
        renovation = self.get_object()
        documents = RenovationDocument.objects.visible_to(request.user).filter(renovation=renovation)
        return Response(s.RenovationDocumentSerializer(documents, many=True).data)

    @extend_schema(
        summary="Upload a plan or photo (multipart; checked and re-encoded)",
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.RenovationDocumentSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @documents.mapping.post
    def upload_document(self, request, pk=None):
        renovation = self.get_object()
        values = self.parse(s.DocumentUploadSerializer)
        document = services.add_document(renovation=renovation, actor=request.user, **values)
        return self.respond(
            document, status_code=status.HTTP_201_CREATED, serializer_class=s.RenovationDocumentSerializer
        )

    @extend_schema(summary="Download one document", responses={200: OpenApiTypes.BINARY, 404: _NOT_FOUND})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<document_pk>[0-9]+)",
        url_name="document-file",
    )
    def document_file(self, request, pk=None, document_pk=None):
        renovation = self.get_object()
        document = (
            RenovationDocument.objects.visible_to(request.user)
            .filter(renovation=renovation, pk=document_pk)
            .first()
        )
        if document is None:
            raise Http404(_("No such file."))
        return serve_private_file(
            document.file, content_type=document.content_type, download_name=document.original_name
        )

    # --- complaints and figures --------------------------------------------------------------------

    @extend_schema(
        summary="Link a noise or renovation complaint ticket: opens a violation check",
        request=s.LinkComplaintSerializer,
        responses={201: s.ViolationSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def link_complaint(self, request, pk=None):
        renovation = self.get_object()
        values = self.parse(s.LinkComplaintSerializer)
        ticket = (
            Ticket.objects.visible_to(request.user)
            .filter(pk=values["ticket"], estate_id=renovation.estate_id)
            .first()
        )
        if ticket is None:
            raise ValidationError({"ticket": [_("No such ticket in this renovation's estate.")]})
        violation = services.link_complaint(
            renovation=renovation,
            ticket=ticket,
            actor=request.user,
            **{k: v for k, v in values.items() if k != "ticket"},
        )
        violation = Violation.objects.select_related("unit", "renovation").get(pk=violation.pk)
        return self.respond(
            violation, status_code=status.HTTP_201_CREATED, serializer_class=s.ViolationSerializer
        )

    @extend_schema(
        summary="Monthly renovation figures of one estate",
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, required=True),
            OpenApiParameter("month", OpenApiTypes.STR, required=True, description="YYYY-MM"),
            OpenApiParameter(
                "by",
                OpenApiTypes.STR,
                enum=["zone", "housekeeper"],
                description="One row per zone or housekeeper, as `{by, results: [...]}`.",
            ),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: _ERROR,
            403: _FORBIDDEN,
            404: OpenApiResponse(description="No such estate."),
        },
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def metrics(self, request):
        """Rates are numbers from 0 to 1, or null when nothing is in the denominator; each is
        defined in the docstring of `renovations.metrics`: violation discovery rate, timely
        handling rate, success rate and patrol completion."""
        from renovations.metrics import violation_metrics

        query = s.MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        estate = Estate.objects.visible_to(request.user).filter(pk=query.validated_data["estate"]).first()
        if estate is None:
            raise Http404(_("No such estate."))
        by = query.validated_data.get("by")
        result = violation_metrics(estate_ids=[estate.pk], month=query.validated_data["month"], by=by)
        if by:
            return Response({"by": by, "results": [_as_dict(row) for row in result]})
        return Response(_as_dict(result))


def _as_dict(row) -> dict:
    data = row.as_dict() if hasattr(row, "as_dict") else dict(row)
    return {key: _plain(value) for key, value in data.items()}


def _plain(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    return value


def _with_files(request, plain, with_files):
    """The input serializer for the request's body: files come only in a multipart body."""
    return with_files if request.content_type.startswith("multipart/") else plain


# --- patrols ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Renovation patrols (filters: date, result, assignee=me, missed, renovation)"),
    retrieve=extend_schema(summary="One patrol", responses={200: s.PatrolSerializer, 404: _NOT_FOUND}),
)
class PatrolViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Patrol.objects.select_related("renovation__unit", "assignee").order_by(
        "-date", "renovation_id", "pk"
    )
    serializer_class = s.PatrolSerializer
    permission_classes = [ActionPermission]
    action_permissions = {"record": [f"{P}record_renovation_patrol"]}
    other_actions_need = [f"{P}view_patrol"]
    filterset_class = PatrolFilter
    ordering_fields = ["date", "result", "patrolled_at"]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Record the patrol: OK, or a violation found (with its details); photos as multipart",
        request={
            "application/json": s.PatrolRecordSerializer,
            "multipart/form-data": s.PatrolRecordSerializer,
        },
        responses={200: s.PatrolSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        patrol = self.get_object()
        values = self.parse(
            _with_files(self.request, s.PatrolRecordSerializer, s.PatrolRecordUploadSerializer)
        )
        violation = None
        if values["result"] == Patrol.Result.VIOLATION:
            violation = {
                "kind": values["violation_kind"],
                "description": (values.get("violation_description") or values["findings"]).strip(),
                "stop_order": values["stop_order"],
                "rectify_by": values.get("rectify_by"),
                "proposed_deduction": values["proposed_deduction"],
            }
        services.record_patrol(
            patrol=patrol,
            actor=request.user,
            result=values["result"],
            findings=values["findings"],
            photos=values.get("photos", ()),
            violation=violation,
        )
        return self.respond(self.get_queryset().get(pk=patrol.pk))


# --- violations ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Renovation violations (filters: status, kind, renovation, unit, overdue)"),
    retrieve=extend_schema(summary="One violation", responses={200: s.ViolationSerializer, 404: _NOT_FOUND}),
)
class ViolationViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Violation.objects.select_related("unit", "renovation").order_by("-found_at", "-pk")
    serializer_class = s.ViolationSerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": [f"{P}manage_renovation_violation"],
        **{
            name: _perm(VIOLATION, name)
            for name in ("order_rectification", "confirm_rectified", "escalate", "dismiss")
        },
    }
    other_actions_need = [f"{P}view_violation"]
    filterset_class = ViolationFilter
    ordering_fields = ["found_at", "rectify_by", "status"]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    def _act(self, service, input_serializer) -> Response:
        violation = self.get_object()
        values = self.parse(input_serializer)
        service(violation=violation, actor=self.request.user, **values)
        return self.respond(self.get_queryset().get(pk=violation.pk))

    @extend_schema(
        summary="Record a violation found by a patrol, a resident or other staff; photos as multipart",
        request={
            "application/json": s.ViolationCreateSerializer,
            "multipart/form-data": s.ViolationCreateSerializer,
        },
        responses={201: s.ViolationSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(
            _with_files(self.request, s.ViolationCreateSerializer, s.ViolationCreateUploadSerializer)
        )
        violation = services.record_violation(actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=violation.pk), status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Order rectification by a date (optionally stopping the works)",
        request=s.RectificationSerializer,
        responses={200: s.ViolationSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def order_rectification(self, request, pk=None):
        return self._act(services.order_rectification, s.RectificationSerializer)

    @extend_schema(
        summary="Confirm the violation rectified (stopped works resume)",
        request=s.RenovationNoteSerializer,
        responses={200: s.ViolationSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def confirm_rectified(self, request, pk=None):
        return self._act(services.confirm_rectified, s.RenovationNoteSerializer)

    @extend_schema(
        summary="Escalate to the enforcement office (reference; the letter optional, multipart)",
        request={"application/json": s.EscalateSerializer, "multipart/form-data": s.EscalateUploadSerializer},
        responses={200: s.ViolationSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act(
            services.escalate_violation,
            _with_files(request, s.EscalateSerializer, s.EscalateUploadSerializer),
        )

    @extend_schema(
        summary="No violation found; `note` required",
        request=s.ViolationNoteSerializer,
        responses={200: s.ViolationSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._act(services.dismiss_violation, s.ViolationNoteSerializer)


__all__ = ["PatrolViewSet", "RenovationViewSet", "ViolationViewSet", "serializers"]
