"""Hotspot API: the heat table and the root causes of complaints (`GET /api/hotspots/heat/`,
`GET /api/hotspots/root-causes/`), and the repeat repairs with their workflow actions
(`/api/repeat-repairs/`). Registered in `servicecenter/api_router.py` (the top layer).

Every repeat comes through `visible_to`, so one outside the user's reach is a 404; an estate
outside it is a 404 too. A transition the workflow refuses is a 409 (TransitionError) or a 400
(a rule) with a translated `detail`; a missing permission a 403.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dashboards import hotspots, services_repeats
from dashboards.models import RepeatRepair
from dashboards.views_hotspots import READ_HOTSPOTS, chosen_estate
from dashboards.workflows import REPEAT_REPAIR, WORK
from servicecenter.api import ActionPermission, ActionViewMixin, IdField, ScopedQuerysetMixin
from tickets.models import RootCause

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(description="The workflow does not allow this action now; `detail` says why.")
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such object or estate within the user's reach.")


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# --- the heat table and the root causes -----------------------------------------------------------


class HotspotQuerySerializer(serializers.Serializer):
    estate = IdField(required=False)
    kind = serializers.ChoiceField(choices=[k for k, _l in hotspots.KIND_CHOICES], default=hotspots.BOTH)
    dimension = serializers.ChoiceField(
        choices=[d for d, _l in hotspots.DIMENSION_CHOICES], default=hotspots.BY_BUILDING
    )
    grain = serializers.ChoiceField(choices=[g for g, _l in hotspots.GRAIN_CHOICES], default=hotspots.MONTH)
    count = serializers.ChoiceField(choices=[6, 12], default=6)


class HeatPeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="The period's last day.")


class HeatRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text="Building, public location or category id.")
    label = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()
    urls = serializers.ListField(child=serializers.CharField(), help_text="The ticket list behind each cell.")


class HeatTableSerializer(serializers.Serializer):
    estate = serializers.IntegerField()
    kind = serializers.CharField()
    dimension = serializers.CharField()
    periods = HeatPeriodSerializer(many=True)
    rows = HeatRowSerializer(many=True)
    column_totals = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class RootCauseShareSerializer(serializers.Serializer):
    root_cause = serializers.IntegerField(allow_null=True, help_text="Null: not analysed yet.")
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    previous_count = serializers.IntegerField()
    previous_share = serializers.FloatField(allow_null=True)
    change = serializers.IntegerField()


class RootCauseBreakdownSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    previous_start = serializers.DateField()
    total = serializers.IntegerField()
    previous_total = serializers.IntegerField()
    rows = RootCauseShareSerializer(many=True)


_HOTSPOT_PARAMETERS = [
    OpenApiParameter("estate", OpenApiTypes.INT, description="Default: the user's first estate."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=[k for k, _l in hotspots.KIND_CHOICES]),
    OpenApiParameter("dimension", OpenApiTypes.STR, enum=[d for d, _l in hotspots.DIMENSION_CHOICES]),
    OpenApiParameter("grain", OpenApiTypes.STR, enum=[g for g, _l in hotspots.GRAIN_CHOICES]),
    OpenApiParameter("count", OpenApiTypes.INT, enum=[6, 12]),
]


class HotspotViewSet(viewsets.ViewSet):
    """Where complaints and repairs gather, and why complaints happen (`dashboards.hotspots`)."""

    permission_classes = [ActionPermission]
    action_permissions = {"heat": [READ_HOTSPOTS], "root_causes": [READ_HOTSPOTS]}

    def _query(self, request):
        query = HotspotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = dict(query.validated_data)
        return chosen_estate(request.user, values.get("estate")), values

    @extend_schema(
        summary="Complaints and repairs per building, public location or category and period",
        parameters=_HOTSPOT_PARAMETERS,
        responses={200: HeatTableSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=False, methods=["get"])
    def heat(self, request):
        estate, values = self._query(request)
        table = hotspots.heat_table(
            estate=estate,
            kind=values["kind"],
            dimension=values["dimension"],
            grain=values["grain"],
            count=int(values["count"]),
        )
        return Response(HeatTableSerializer(table.as_dict()).data)

    @extend_schema(
        summary="Complaints by root cause for the period, against the period before",
        parameters=[p for p in _HOTSPOT_PARAMETERS if p.name in ("estate", "grain", "count")],
        responses={200: RootCauseBreakdownSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=False, methods=["get"], url_path="root-causes")
    def root_causes(self, request):
        estate, values = self._query(request)
        breakdown = hotspots.root_cause_breakdown(
            estate=estate, grain=values["grain"], count=int(values["count"])
        )
        return Response(RootCauseBreakdownSerializer(breakdown.as_dict()).data)


# --- repeat repairs ---------------------------------------------------------------------------------


class RepeatRepairEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_actor(self, event) -> str:
        return _display_name(event.actor)


class RepeatRepairSerializer(serializers.ModelSerializer):
    # Plain strings: the stored values (open, acknowledged, action_assigned, closed, dismissed).
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    previous_number = serializers.CharField(source="previous.number", read_only=True)
    gap_hours = serializers.SerializerMethodField()
    action_owner_name = serializers.SerializerMethodField()

    class Meta:
        model = RepeatRepair
        fields = [
            "id",
            "estate",
            "ticket",
            "ticket_number",
            "previous",
            "previous_number",
            "category",
            "unit",
            "public_location",
            "gap_hours",
            "detected_at",
            "status",
            "status_label",
            "root_cause",
            "action_description",
            "action_owner",
            "action_owner_name",
            "action_due_date",
            "outcome",
            "closed_at",
        ]
        read_only_fields = fields

    def get_gap_hours(self, obj) -> float:
        return round(obj.gap.total_seconds() / 3600, 2)

    def get_action_owner_name(self, obj) -> str:
        return _display_name(obj.action_owner)


class RepeatRepairDetailSerializer(RepeatRepairSerializer):
    events = RepeatRepairEventSerializer(many=True)

    class Meta(RepeatRepairSerializer.Meta):
        fields = [*RepeatRepairSerializer.Meta.fields, "events"]
        read_only_fields = fields


class RepeatQuerySerializer(serializers.Serializer):
    estate = IdField(required=False)
    status = serializers.ChoiceField(choices=["", "open", *RepeatRepair.Status.values], required=False)
    category = IdField(required=False)


class AcknowledgeInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=services_repeats.MAX_TEXT, required=False, allow_blank=True)


class AssignActionInputSerializer(serializers.Serializer):
    root_cause = IdField()
    action_description = serializers.CharField(max_length=services_repeats.MAX_TEXT)
    owner = IdField(help_text="A staff member of the estate.")
    due_date = serializers.DateField()


class CloseInputSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=services_repeats.MAX_TEXT)


class DismissInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services_repeats.MAX_TEXT)


class DetectInputSerializer(serializers.Serializer):
    estate = IdField(required=False, help_text="Default: the user's first estate.")


class DetectResultSerializer(serializers.Serializer):
    estate = serializers.IntegerField()
    found = serializers.IntegerField(
        help_text="Repeat repairs recorded now (pairs already recorded are not)."
    )


_REPEAT_RESPONSES = {
    200: RepeatRepairDetailSerializer,
    400: _ERROR,
    403: _FORBIDDEN,
    404: _NOT_FOUND,
    409: _CONFLICT,
}


@extend_schema_view(
    list=extend_schema(
        summary="Repeat repairs, newest first (filters: estate, status=open|<status>, category)",
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR, enum=["open", *RepeatRepair.Status.values]),
            OpenApiParameter("category", OpenApiTypes.INT),
        ],
    ),
    retrieve=extend_schema(summary="One repeat repair with its timeline"),
)
class RepeatRepairViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = RepeatRepair.objects.select_related("ticket", "previous", "action_owner")
    serializer_class = RepeatRepairSerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "acknowledge": [WORK],
        "assign_action": [WORK],
        "close": [WORK],
        "dismiss": [WORK],
        "detect": [WORK],
    }
    filterset_class = None

    def get_queryset(self):
        if self.action == "list":
            query = RepeatQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            values = query.validated_data
            return hotspots.repeat_repairs_for_list(
                user=self.request.user,
                estate_id=values.get("estate"),
                status=values.get("status", ""),
                category_id=values.get("category"),
            )
        return super().get_queryset().prefetch_related("events__actor")

    def get_serializer_class(self):
        return RepeatRepairSerializer if self.action == "list" else RepeatRepairDetailSerializer

    def _do(self, name: str, **values):
        obj = self.get_object()
        REPEAT_REPAIR.action(name).performer()(repeat=obj, actor=self.request.user, **values)
        return self.respond(self.get_queryset().get(pk=obj.pk))

    @extend_schema(summary="Acknowledge", request=AcknowledgeInputSerializer, responses=_REPEAT_RESPONSES)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._do("acknowledge", **self.parse(AcknowledgeInputSerializer))

    @extend_schema(
        summary="Assign a root-cause action: the cause, what is to be done, who and by when",
        request=AssignActionInputSerializer,
        responses=_REPEAT_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="assign-action")
    def assign_action(self, request, pk=None):
        obj = self.get_object()
        values = self.parse(AssignActionInputSerializer)
        cause = RootCause.objects.filter(pk=values["root_cause"]).first()
        if cause is None:
            raise ValidationError({"root_cause": [_("No such root cause.")]})
        owner = services_repeats.action_owners(estate_id=obj.estate_id).filter(pk=values["owner"]).first()
        if owner is None:
            raise ValidationError({"owner": [_("The owner must be a staff member of this estate.")]})
        services_repeats.assign_repeat_repair_action(
            repeat=obj,
            actor=request.user,
            root_cause=cause,
            action_description=values["action_description"],
            owner=owner,
            due_date=values["due_date"],
        )
        return self.respond(self.get_queryset().get(pk=obj.pk))

    @extend_schema(
        summary="Close with the outcome", request=CloseInputSerializer, responses=_REPEAT_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._do("close", **self.parse(CloseInputSerializer))

    @extend_schema(
        summary="Dismiss: not the same fault (with the reason)",
        request=DismissInputSerializer,
        responses=_REPEAT_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._do("dismiss", **self.parse(DismissInputSerializer))

    @extend_schema(
        summary="Detect repeat repairs now, for one estate (idempotent)",
        request=DetectInputSerializer,
        responses={200: DetectResultSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=False, methods=["post"])
    def detect(self, request):
        values = self.parse(DetectInputSerializer)
        estate = chosen_estate(request.user, values.get("estate"))
        found = services_repeats.detect_repeat_repairs(estate_id=estate.pk)
        return Response(
            DetectResultSerializer({"estate": estate.pk, "found": found}).data, status=status.HTTP_200_OK
        )
