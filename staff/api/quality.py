"""API of quality supervision (checklists, inspections with their findings, rectification orders
and their workflow actions) and of incidents (with timeline entries) and drills."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from residents.models import Estate
from servicecenter.api import ActionPermission, ActionViewMixin, ReasonableDateField, ScopedQuerysetMixin
from servicecenter.uploads import UploadField
from staff import selectors_quality as selectors
from staff import services_incidents, services_quality
from staff.models import (
    CorrectiveAction,
    Drill,
    Finding,
    Incident,
    IncidentKind,
    IncidentTimelineEntry,
    InspectionChecklist,
    InspectionChecklistItem,
    QualityInspection,
    RectificationOrder,
    Team,
)
from staff.workflows import RECTIFICATION

User = get_user_model()
_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(description="The workflow does not allow this action now; `detail` says why.")
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


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


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


# --- serializers -----------------------------------------------------------------------------


class QualityChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionChecklistItem
        fields = ["id", "text", "sort_order"]


class ChecklistSerializer(serializers.ModelSerializer):
    items = QualityChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = InspectionChecklist
        fields = ["id", "estate", "team_kind", "name", "is_active", "items"]


class FindingSerializer(serializers.ModelSerializer):
    item_text = serializers.CharField(source="item.text", read_only=True)
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "item", "item_text", "passed", "note", "has_photo"]

    def get_has_photo(self, finding) -> bool:
        return bool(finding.photo)


class QualityInspectionSerializer(serializers.ModelSerializer):
    findings = FindingSerializer(many=True, read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    inspected_by_name = serializers.SerializerMethodField()

    class Meta:
        model = QualityInspection
        fields = [
            "id", "estate", "checklist", "team", "team_name", "inspected_by_name", "inspected_at", "note",
            "findings",
        ]  # fmt: skip

    def get_inspected_by_name(self, inspection) -> str:
        return _name(inspection.inspected_by)


class ResultInputSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class InspectionCreateSerializer(serializers.Serializer):
    checklist = ScopedPrimaryKey(InspectionChecklist)
    team = ScopedPrimaryKey(Team)
    results = ResultInputSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class FindingPhotoInputSerializer(serializers.Serializer):
    photo = UploadField()


class OrderSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = RectificationOrder
        fields = [
            "id", "estate", "inspection", "finding", "team", "team_name", "description", "deadline", "status",
            "issued_at", "rectified_at", "verified_at", "escalated_at", "actions",
        ]  # fmt: skip

    def get_actions(self, order) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [a.name for a in RECTIFICATION.available(order, request.user)]


class OrderCreateSerializer(serializers.Serializer):
    inspection = ScopedPrimaryKey(QualityInspection)
    finding = serializers.IntegerField(required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=4000)
    deadline = serializers.DateTimeField()


class QualityNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class TimelineEntrySerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentTimelineEntry
        fields = ["id", "at", "author_name", "text"]

    def get_author_name(self, entry) -> str:
        return _name(entry.author)


class IncidentSerializer(serializers.ModelSerializer):
    timeline = TimelineEntrySerializer(many=True, read_only=True)
    notified_user_names = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id", "estate", "kind", "title", "location", "description", "occurred_at", "closed_at",
            "notified_users", "notified_user_names", "notified_others", "timeline",
        ]  # fmt: skip

    def get_notified_user_names(self, incident) -> list[str]:
        return [_name(user) for user in incident.notified_users.all()]


class LinkedTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    category = serializers.CharField()


class IncidentDetailSerializer(IncidentSerializer):
    """One incident with the tickets linked to it (those the user may see)."""

    tickets = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "tickets"]

    @extend_schema_field(LinkedTicketSerializer(many=True))
    def get_tickets(self, incident) -> list[dict]:
        request = self.context.get("request")
        if request is None:
            return []
        return selectors.tickets_of_incident(incident=incident, user=request.user)


class IncidentCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class LinkTicketInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)


class CorrectiveActionSerializer(serializers.ModelSerializer):
    item_text = serializers.CharField(source="item.text", read_only=True)
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = CorrectiveAction
        fields = [
            "id", "estate", "item", "item_text", "cause", "corrective_action", "preventive_action",
            "recorded_by_name", "recorded_at",
        ]  # fmt: skip

    def get_recorded_by_name(self, capa) -> str:
        return _name(capa.recorded_by)


@extend_schema_field(OpenApiTypes.INT)
class ScopedChecklistItem(serializers.PrimaryKeyRelatedField):
    """A checklist item of a checklist the requesting user may see."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return InspectionChecklistItem.objects.none()
        return InspectionChecklistItem.objects.filter(
            checklist__in=InspectionChecklist.objects.visible_to(request.user)
        ).select_related("checklist__estate")


class CorrectiveActionCreateSerializer(serializers.Serializer):
    item = ScopedChecklistItem()
    cause = serializers.CharField(max_length=4000)
    corrective_action = serializers.CharField(max_length=4000)
    preventive_action = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class IncidentCreateSerializer(serializers.Serializer):
    estate = ScopedPrimaryKey(Estate)
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    title = serializers.CharField(max_length=200)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    occurred_at = serializers.DateTimeField()
    notified_users = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False, default=list
    )
    notified_others = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TimelineInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class DrillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Drill
        fields = ["id", "estate", "kind", "planned_for", "held_on", "participants", "notes"]


class DrillCreateSerializer(serializers.Serializer):
    estate = ScopedPrimaryKey(Estate)
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    planned_for = ReasonableDateField()
    participants = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class DrillHeldSerializer(serializers.Serializer):
    held_on = ReasonableDateField()
    participants = serializers.CharField(max_length=4000)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


# --- viewsets --------------------------------------------------------------------------------


class _Base(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ActionPermission]
    residents_may_read = False


@extend_schema_view(
    list=extend_schema(summary="Quality inspection checklists of the user's estates"),
    retrieve=extend_schema(
        summary="One checklist with its items", responses={200: ChecklistSerializer, 404: _NOT_FOUND}
    ),
)
class ChecklistViewSet(_Base):
    queryset = InspectionChecklist.objects.all()
    serializer_class = ChecklistSerializer
    filterset_fields = ["estate", "team_kind", "is_active"]

    def get_queryset(self):
        return selectors.checklists_for(self.request.user).order_by("pk")


@extend_schema_view(
    list=extend_schema(summary="Quality inspection rounds (品质巡检) with their findings"),
    retrieve=extend_schema(
        summary="One inspection round", responses={200: QualityInspectionSerializer, 404: _NOT_FOUND}
    ),
)
class InspectionViewSet(_Base):
    queryset = QualityInspection.objects.all()
    serializer_class = QualityInspectionSerializer
    filterset_fields = ["estate", "team", "checklist"]
    ordering_fields = ["inspected_at"]
    action_permissions = {
        "create": [services_quality.INSPECT],
        "finding_photo": [services_quality.INSPECT],
    }

    def get_queryset(self):
        return selectors.inspections_for(self.request.user)

    @extend_schema(
        summary="Add or replace the photo of a failed item (multipart)",
        request={"multipart/form-data": FindingPhotoInputSerializer},
        responses={200: QualityInspectionSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"findings/(?P<finding_pk>\d+)/photo",
        parser_classes=[MultiPartParser, FormParser],
    )
    def finding_photo(self, request, pk=None, finding_pk=None):
        inspection = self.get_object()
        finding = inspection.findings.filter(pk=finding_pk).select_related("inspection__estate").first()
        if finding is None:
            raise Http404
        values = self.parse(FindingPhotoInputSerializer)
        services_quality.attach_finding_photo(actor=request.user, finding=finding, photo=values["photo"])
        return self.respond(self.get_queryset().get(pk=inspection.pk))

    @extend_schema(
        summary="Record an inspection round: every item of the checklist passed or failed",
        request=InspectionCreateSerializer,
        responses={201: QualityInspectionSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(InspectionCreateSerializer)
        inspection = services_quality.record_inspection(
            actor=request.user,
            checklist=values["checklist"],
            team=values["team"],
            results=[dict(r) for r in values["results"]],
            note=values["note"],
        )
        return self.respond(self.get_queryset().get(pk=inspection.pk), status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Rectification orders (整改单) issued to teams"),
    retrieve=extend_schema(
        summary="One rectification order", responses={200: OrderSerializer, 404: _NOT_FOUND}
    ),
)
class RectificationOrderViewSet(_Base):
    queryset = RectificationOrder.objects.all()
    serializer_class = OrderSerializer
    filterset_fields = ["estate", "team", "status"]
    ordering_fields = ["deadline", "issued_at"]
    action_permissions = {
        "create": [services_quality.INSPECT],
        **{name: [RECTIFICATION.action(name).permission] for name in ("rectify", "verify", "send_back")},
    }

    def get_queryset(self):
        return selectors.orders_for(self.request.user)

    @extend_schema(
        summary="Issue a rectification order to the inspected team, with a deadline in the future",
        request=OrderCreateSerializer,
        responses={201: OrderSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(OrderCreateSerializer)
        inspection = values["inspection"]
        finding = None
        if values["finding"] is not None:
            finding = inspection.findings.filter(pk=values["finding"]).first()
            if finding is None:
                raise serializers.ValidationError({"finding": ["The finding is not of this inspection."]})
        order = services_quality.issue_rectification_order(
            actor=request.user,
            inspection=inspection,
            finding=finding,
            description=values["description"],
            deadline=values["deadline"],
        )
        return self.respond(self.get_queryset().get(pk=order.pk), status_code=status.HTTP_201_CREATED)

    def _act(self, service):
        order = self.get_object()
        values = self.parse(QualityNoteSerializer)
        service(order=order, actor=self.request.user, note=values["note"])
        return self.respond(self.get_queryset().get(pk=order.pk))

    @extend_schema(
        summary="Report the order rectified",
        request=QualityNoteSerializer,
        responses={200: OrderSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def rectify(self, request, pk=None):
        return self._act(services_quality.report_rectified)

    @extend_schema(
        summary="Verify the rectification",
        request=QualityNoteSerializer,
        responses={200: OrderSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._act(services_quality.verify_rectification)

    @extend_schema(
        summary="Send the rectification back (a note says why)",
        request=QualityNoteSerializer,
        responses={200: OrderSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def send_back(self, request, pk=None):
        return self._act(services_quality.send_back_rectification)


@extend_schema_view(
    list=extend_schema(summary="Incidents (突发事件) with their timelines"),
    retrieve=extend_schema(
        summary="One incident with its linked tickets",
        responses={200: IncidentDetailSerializer, 404: _NOT_FOUND},
    ),
)
class IncidentViewSet(_Base):
    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    filterset_fields = ["estate", "kind"]
    ordering_fields = ["occurred_at"]
    action_permissions = {
        "create": [services_incidents.RECORD_INCIDENT],
        "timeline": [services_incidents.FOLLOW_INCIDENT],
        "close": [services_incidents.FOLLOW_INCIDENT],
        "link_ticket": [services_incidents.FOLLOW_INCIDENT],
    }

    def get_queryset(self):
        return selectors.incidents_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return IncidentSerializer
        return IncidentDetailSerializer

    @extend_schema(
        summary="Close the incident (the note says how it was resolved)",
        request=IncidentCloseSerializer,
        responses={200: IncidentDetailSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        incident = self.get_object()
        values = self.parse(IncidentCloseSerializer)
        services_incidents.close_incident(actor=request.user, incident=incident, note=values["note"])
        return self.respond(self.get_queryset().get(pk=incident.pk))

    @extend_schema(
        summary="Link a ticket (by its number) to the incident",
        request=LinkTicketInputSerializer,
        responses={200: IncidentDetailSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def link_ticket(self, request, pk=None):
        incident = self.get_object()
        values = self.parse(LinkTicketInputSerializer)
        services_incidents.link_ticket(actor=request.user, incident=incident, number=values["number"])
        return self.respond(self.get_queryset().get(pk=incident.pk))

    @extend_schema(
        summary="Record an incident and who was told",
        request=IncidentCreateSerializer,
        responses={201: IncidentDetailSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(IncidentCreateSerializer)
        incident = services_incidents.record_incident(actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=incident.pk), status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add an entry to the incident's timeline (time, who, what)",
        request=TimelineInputSerializer,
        responses={201: IncidentDetailSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def timeline(self, request, pk=None):
        incident = self.get_object()
        values = self.parse(TimelineInputSerializer)
        services_incidents.add_timeline_entry(actor=request.user, incident=incident, **values)
        return self.respond(self.get_queryset().get(pk=incident.pk), status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Emergency drills (演习), planned and held"),
    retrieve=extend_schema(summary="One drill", responses={200: DrillSerializer, 404: _NOT_FOUND}),
)
class DrillViewSet(_Base):
    queryset = Drill.objects.all()
    serializer_class = DrillSerializer
    filterset_fields = ["estate", "kind"]
    ordering_fields = ["planned_for"]
    action_permissions = {
        "create": [services_incidents.PLAN_DRILL],
        "held": [services_incidents.RECORD_DRILL],
    }

    def get_queryset(self):
        return selectors.drills_for(self.request.user)

    @extend_schema(
        summary="Plan a drill",
        request=DrillCreateSerializer,
        responses={201: DrillSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(DrillCreateSerializer)
        drill = services_incidents.plan_drill(actor=request.user, **values)
        return self.respond(drill, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the drill held (date, participants, notes)",
        request=DrillHeldSerializer,
        responses={200: DrillSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def held(self, request, pk=None):
        drill = self.get_object()
        values = self.parse(DrillHeldSerializer)
        services_incidents.record_drill_held(actor=request.user, drill=drill, **values)
        return self.respond(self.get_queryset().get(pk=drill.pk))


@extend_schema_view(
    list=extend_schema(summary="Corrective and preventive actions (CAPA) against repeated findings"),
    retrieve=extend_schema(
        summary="One corrective action", responses={200: CorrectiveActionSerializer, 404: _NOT_FOUND}
    ),
)
class CorrectiveActionViewSet(_Base):
    queryset = CorrectiveAction.objects.all()
    serializer_class = CorrectiveActionSerializer
    filterset_fields = ["estate", "item"]
    ordering_fields = ["recorded_at"]
    action_permissions = {"create": [services_quality.INSPECT]}

    def get_queryset(self):
        return selectors.corrective_actions_for(self.request.user)

    @extend_schema(
        summary="Record the cause and the corrective and preventive actions for a checklist item",
        request=CorrectiveActionCreateSerializer,
        responses={201: CorrectiveActionSerializer, 400: _ERROR, 403: _FORBIDDEN},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(CorrectiveActionCreateSerializer)
        capa = services_quality.record_corrective_action(actor=request.user, **values)
        return self.respond(self.get_queryset().get(pk=capa.pk), status_code=status.HTTP_201_CREATED)
