"""`GET /api/dashboard/metrics/?estate=&month=`: the dashboard's KPI board as JSON (and today's
glance when the month is the current one)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from dashboards import selectors
from dashboards.roles import VIEW
from servicecenter.api import ActionPermission, IdField, MonthField
from servicecenter.periods import month_start
from servicecenter.replica import replica_reads
from servicecenter.scoping import access_for


class DashboardQuerySerializer(serializers.Serializer):
    estate = IdField(required=False)
    month = MonthField(required=False)

    def validate_month(self, month):
        if selectors.is_future(month):
            raise serializers.ValidationError(selectors.future_month_message())
        return month


class DashboardKpiFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(help_text="rate (0–1), score (1–5) or money (yuan, a decimal string)")
    value = serializers.JSONField(allow_null=True, help_text="null when nothing was measured that month")
    target = serializers.CharField(allow_null=True)
    colour = serializers.CharField(help_text="green, amber, red, or none (no figure or no target)")
    url = serializers.CharField(allow_null=True, help_text="the list behind the figure")
    definition = serializers.CharField(help_text="the selector whose docstring defines the figure")


class DashboardTeamCountSerializer(serializers.Serializer):
    team = serializers.CharField()
    count = serializers.IntegerField()


class DashboardGlanceSerializer(serializers.Serializer):
    estate = serializers.IntegerField()
    open_by_status = serializers.DictField(child=serializers.IntegerField())
    open_by_team = DashboardTeamCountSerializer(many=True)
    overdue = serializers.IntegerField()
    complaints_near_limit = serializers.IntegerField()
    complaints_past_limit = serializers.IntegerField()
    callbacks_due_today = serializers.IntegerField()
    callbacks_overdue = serializers.IntegerField()
    patrols_missed = serializers.IntegerField()
    staff_on_duty = serializers.IntegerField()
    money_today = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    links = serializers.DictField(child=serializers.CharField())


class DashboardMetricsSerializer(serializers.Serializer):
    estate = serializers.IntegerField()
    month = serializers.CharField(help_text="YYYY-MM")
    board = DashboardKpiFigureSerializer(many=True)
    glance = DashboardGlanceSerializer(allow_null=True, help_text="only for the current month")
    computed_at = serializers.DateTimeField(
        help_text="when the board's figures were computed (the current month: a snapshot at most "
        "KPI_LIVE_MAX_AGE_SECONDS old)"
    )


class DashboardMetricsViewSet(viewsets.ViewSet):
    """The manager dashboard's figures for one estate and month."""

    permission_classes = [ActionPermission]
    # Decided in `list`: residents 404 (the dashboard does not exist for them), staff without
    # `dashboards.view_dashboard` 403.
    action_permissions = {"list": []}

    @extend_schema(
        summary="An estate's KPI board for a month (and today's glance for the current month)",
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, description="default: the user's first estate"),
            OpenApiParameter(
                "month", OpenApiTypes.STR, description="YYYY-MM, not in the future; default: this month"
            ),
        ],
        responses={
            200: DashboardMetricsSerializer,
            400: OpenApiResponse(description="Malformed or future month, malformed estate."),
            403: OpenApiResponse(description="No permission to read the dashboard."),
            404: OpenApiResponse(description="No such estate within the user's reach."),
        },
    )
    @replica_reads
    def list(self, request):
        """The KPIs of `dashboards.kpis.KPIS` in their order, each with its target, colour and the
        list behind it; `glance` (dashboards.glance.today_glance) is null unless `month` is the
        current month. `computed_at` says when the board's figures were computed: a closed month
        is stored once computed, the current month is a snapshot at most
        `KPI_LIVE_MAX_AGE_SECONDS` (5 minutes by default) old; the glance is always live."""
        if not access_for(request.user).is_staff_member:
            raise Http404(_("No such estate."))
        if not request.user.has_perm(VIEW):
            raise PermissionDenied()
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        estate = selectors.estate_in_reach(request.user, query.validated_data.get("estate"))
        month = query.validated_data.get("month") or month_start(timezone.localdate())
        result = selectors.dashboard(
            user=request.user, estate=estate, month=month, with_trend=False, with_comparison=False
        )
        payload = {
            "estate": estate.pk,
            "month": f"{result.month:%Y-%m}",
            "board": [figure.as_dict() for figure in result.board],
            "glance": result.glance.as_dict() if result.glance else None,
            "computed_at": result.computed_at,
        }
        response = Response(DashboardMetricsSerializer(payload).data)
        response["Cache-Control"] = "no-store"
        return response
