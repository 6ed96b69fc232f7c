"""Front-desk API: key custody (with hand-out, return and return-to-owner), invoice requests (with
issue and reject) and the desk knowledge base.

Every queryset goes through `visible_to`, so an object outside the user's reach is a 404 (a
resident reaches only their own units' invoice requests). A transition the workflow refuses, or
keys handed to someone the owner did not name, is a 409 with a translated `detail`; bad input a
400 naming the field; a missing permission a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from frontdesk import selectors
from frontdesk.api import serializers as s
from frontdesk.models import InvoiceRequest, KeyCustody, KnowledgeEntry
from frontdesk.services import invoices, keys, knowledge
from frontdesk.workflows import INVOICE_REQUEST, KEY_CUSTODY, MANAGE_KEYS
from residents.models import Estate, Person, Unit
from servicecenter.api import ActionPermission, ActionViewMixin, ScopedQuerysetMixin
from servicecenter.scoping import access_for

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(description="The workflow does not allow this action now; `detail` says why.")
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


def _perm(workflow, name: str) -> list[str]:
    return [workflow.action(name).permission]


def _query(request, serializer_class) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _visible(model, user, pk, field: str):
    obj = model.objects.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: [_("No such record within your reach.")]})
    return obj


# --- key custody -------------------------------------------------------------------------------

_KEY_RESPONSES = {
    200: s.KeyCustodyDetailSerializer,
    400: _ERROR,
    403: _FORBIDDEN,
    404: _NOT_FOUND,
    409: _CONFLICT,
}


@extend_schema_view(
    list=extend_schema(
        summary="Keys left with the desk (filters: status=open|held|…, estate, q: unit, tag, owner)"
    ),
    retrieve=extend_schema(summary="One key custody with its named collectors, movements and timeline"),
)
class KeyCustodyViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = KeyCustody.objects.select_related("unit", "owner")
    serializer_class = s.KeyCustodySerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": [MANAGE_KEYS],
        "hand_out": _perm(KEY_CUSTODY, "hand_out"),
        "take_back": _perm(KEY_CUSTODY, "take_back"),
        "return_to_owner": _perm(KEY_CUSTODY, "return_to_owner"),
    }
    other_actions_need = ["frontdesk.view_keycustody"]
    filterset_class = None

    def get_queryset(self):
        if self.action == "list":
            values = _query(self.request, s.KeyCustodyQuerySerializer)
            return selectors.key_custodies_for_list(
                user=self.request.user,
                status=values.get("status", ""),
                estate_id=values.get("estate"),
                q=values["q"],
            )
        return super().get_queryset().prefetch_related("collectors", "movements__staff", "events__actor")

    def get_serializer_class(self):
        return s.KeyCustodySerializer if self.action == "list" else s.KeyCustodyDetailSerializer

    def _fresh(self, pk) -> KeyCustody:
        return self.get_queryset().get(pk=pk)

    @extend_schema(
        summary="Take keys into custody, naming who may collect them",
        request=s.KeyCustodyCreateSerializer,
        responses={201: s.KeyCustodyDetailSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(s.KeyCustodyCreateSerializer)
        unit = _visible(Unit, request.user, values["unit"], "unit")
        owner = _visible(Person, request.user, values["owner"], "owner")
        collectors = [
            keys.CollectorInput(
                name=c["name"],
                phone=c["phone"],
                id_number=c["id_number"],
                person=_visible(Person, request.user, c["person"], "collectors") if c["person"] else None,
            )
            for c in values["collectors"]
        ]
        custody = keys.register_key_custody(
            actor=request.user,
            unit=unit,
            owner=owner,
            description=values["description"],
            quantity=values["quantity"],
            storage_tag=values["storage_tag"],
            collectors=collectors,
            note=values["note"],
        )
        return self.respond(self._fresh(custody.pk), status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Hand the keys to a named collector after checking their ID (409 if not named or no match)",
        request=s.HandOutSerializer,
        responses=_KEY_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="hand-out")
    def hand_out(self, request, pk=None):
        custody = self.get_object()
        values = self.parse(s.HandOutSerializer)
        keys.hand_out_keys(custody=custody, actor=request.user, **values)
        return self.respond(self._fresh(custody.pk))

    @extend_schema(
        summary="The keys are brought back to the desk",
        request=s.TakeBackSerializer,
        responses=_KEY_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def take_back(self, request, pk=None):
        custody = self.get_object()
        keys.take_back_keys(custody=custody, actor=request.user, **self.parse(s.TakeBackSerializer))
        return self.respond(self._fresh(custody.pk))

    @extend_schema(
        summary="Return the keys to the owner (their ID checked when the archive holds it); closes the custody",
        request=s.ReturnToOwnerSerializer,
        responses=_KEY_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="return-to-owner")
    def return_to_owner(self, request, pk=None):
        custody = self.get_object()
        keys.return_keys_to_owner(
            custody=custody, actor=request.user, **self.parse(s.ReturnToOwnerSerializer)
        )
        return self.respond(self._fresh(custody.pk))


# --- invoice requests --------------------------------------------------------------------------

_INVOICE_RESPONSES = {
    200: s.InvoiceRequestDetailSerializer,
    400: _ERROR,
    403: _FORBIDDEN,
    404: _NOT_FOUND,
    409: _CONFLICT,
}


@extend_schema_view(
    list=extend_schema(
        summary="Invoice requests, oldest first (filters: status, estate, unit); residents: their own units'"
    ),
    retrieve=extend_schema(summary="One invoice request with its bills and timeline"),
)
class InvoiceRequestViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = InvoiceRequest.objects.select_related("unit")
    serializer_class = s.InvoiceRequestSerializer
    permission_classes = [ActionPermission]
    residents_may_read = True
    action_permissions = {
        # Residents ask for their own units (the service checks the unit); staff need the permission.
        "create": [],
        "issue": _perm(INVOICE_REQUEST, "issue"),
        "reject": _perm(INVOICE_REQUEST, "reject"),
    }
    filterset_class = None

    def get_queryset(self):
        if self.action == "list":
            values = _query(self.request, s.InvoiceQuerySerializer)
            return selectors.invoice_requests_for_list(
                user=self.request.user,
                status=values.get("status", ""),
                estate_id=values.get("estate"),
                unit_id=values.get("unit"),
            )
        return super().get_queryset().prefetch_related("lines__bill__charge_item", "events__actor")

    def get_serializer_class(self):
        return s.InvoiceRequestSerializer if self.action == "list" else s.InvoiceRequestDetailSerializer

    def _fresh(self, pk) -> InvoiceRequest:
        return self.get_queryset().get(pk=pk)

    @extend_schema(
        summary="Ask for an invoice for paid bills of a unit (409 if a bill is already on a request)",
        request=s.InvoiceRequestCreateSerializer,
        responses={201: s.InvoiceRequestDetailSerializer, 400: _ERROR, 403: _FORBIDDEN, 409: _CONFLICT},
    )
    def create(self, request, *args, **kwargs):
        access = access_for(request.user)
        if not access.is_resident and not request.user.has_perm(invoices.REQUEST_PERM):
            raise PermissionDenied(_("You are not allowed to register invoice requests."))
        values = self.parse(s.InvoiceRequestCreateSerializer)
        unit = _visible(Unit, request.user, values["unit"], "unit")
        key = values["idempotency_key"] or request.headers.get("Idempotency-Key", "")
        created = invoices.request_invoice(
            actor=request.user,
            unit=unit,
            bill_ids=values["bills"],
            title=values["title"],
            tax_number=values["tax_number"],
            email=values["email"],
            idempotency_key=key,
        )
        return self.respond(self._fresh(created.pk), status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark issued with the invoice number", request=s.IssueSerializer, responses=_INVOICE_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        obj = self.get_object()
        invoices.issue_invoice(request=obj, actor=request.user, **self.parse(s.IssueSerializer))
        return self.respond(self._fresh(obj.pk))

    @extend_schema(
        summary="Reject with a reason (the bills may be asked for again)",
        request=s.RejectSerializer,
        responses=_INVOICE_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        obj = self.get_object()
        invoices.reject_invoice_request(request=obj, actor=request.user, **self.parse(s.RejectSerializer))
        return self.respond(self._fresh(obj.pk))


# --- knowledge ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Search the desk knowledge base (q, language, topic, kind, estate)"),
    retrieve=extend_schema(summary="One knowledge entry"),
)
class KnowledgeEntryViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = KnowledgeEntry.objects.all()
    serializer_class = s.KnowledgeEntrySerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": ["frontdesk.add_knowledgeentry"],
        "partial_update": ["frontdesk.change_knowledgeentry"],
    }
    other_actions_need = ["frontdesk.view_knowledgeentry"]
    filterset_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            values = _query(self.request, s.KnowledgeQuerySerializer)
            return selectors.search_knowledge(
                user=self.request.user,
                q=values["q"],
                language=values.get("language", ""),
                topic=values.get("topic", ""),
                kind=values.get("kind", ""),
                estate_id=values.get("estate"),
            )
        return super().get_queryset().order_by("pk")

    def _values(self, *, partial: bool) -> dict:
        values = self.parse(s.KnowledgeEntryWriteSerializer, partial=partial)
        estate = values.get("estate")
        if (
            estate is not None
            and not Estate.objects.visible_to(self.request.user).filter(pk=estate.pk).exists()
        ):
            raise ValidationError({"estate": [_("No such record within your reach.")]})
        return values

    @extend_schema(
        summary="Add an entry (manager)",
        request=s.KnowledgeEntryWriteSerializer,
        responses={201: s.KnowledgeEntrySerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        entry = knowledge.create_knowledge_entry(actor=request.user, **self._values(partial=False))
        return self.respond(entry, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an entry (manager)",
        request=s.KnowledgeEntryWriteSerializer,
        responses={200: s.KnowledgeEntrySerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        entry = knowledge.update_knowledge_entry(
            actor=request.user, entry=entry, **self._values(partial=True)
        )
        return self.respond(entry)
