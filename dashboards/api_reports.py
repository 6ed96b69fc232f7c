"""The monthly reports over the API: the list of current versions, one version with its stored
figures, and the manager's rebuild with a reason. Registered in servicecenter/api_router.py."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action

from dashboards import services_reports
from dashboards.models import MonthlyReport
from servicecenter.api import ActionPermission, ActionViewMixin, MonthField, ScopedQuerysetMixin
from servicecenter.forms import MonthFormField

_REFUSED = OpenApiResponse(description="Refused: the reason is missing or too long.")
_NOT_FOUND = OpenApiResponse(description="No such report within the user's reach.")


class MonthlyReportSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)
    built_by = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = ["id", "estate", "month", "version", "is_current", "built_at", "built_by", "reason"]
        read_only_fields = fields

    def get_built_by(self, report: MonthlyReport) -> str | None:
        if report.built_by is None:
            return None
        return report.built_by.get_full_name() or report.built_by.get_username()


class MonthlyReportDetailSerializer(MonthlyReportSerializer):
    figures = serializers.JSONField(read_only=True, help_text="The snapshot as built: money as strings.")

    class Meta(MonthlyReportSerializer.Meta):
        fields = [*MonthlyReportSerializer.Meta.fields, "figures"]
        read_only_fields = fields


class MonthlyReportRebuildSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services_reports.REASON_MAX_LENGTH, allow_blank=True)


class MonthFilter(django_filters.Filter):
    field_class = MonthFormField


class MonthlyReportFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="month", help_text="YYYY-MM")
    all_versions = django_filters.BooleanFilter(
        method="filter_all_versions", help_text="true: every version, not only the current ones."
    )

    class Meta:
        model = MonthlyReport
        fields = ["estate", "month"]

    def filter_all_versions(self, queryset, name, value):
        return queryset if value else queryset.filter(is_current=True)

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("all_versions"):
            queryset = queryset.filter(is_current=True)
        return super().filter_queryset(queryset)


@extend_schema_view(
    list=extend_schema(summary="Monthly reports of the user's estates (current versions by default)"),
    retrieve=extend_schema(
        summary="One version of a monthly report with its figures",
        responses={200: MonthlyReportDetailSerializer, 404: _NOT_FOUND},
    ),
)
class MonthlyReportViewSet(ScopedQuerysetMixin, ActionViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = MonthlyReport.objects.select_related("built_by")
    serializer_class = MonthlyReportSerializer
    permission_classes = [ActionPermission]
    filterset_class = MonthlyReportFilter
    ordering_fields = ["month", "built_at"]
    ordering = ["-month", "estate_id", "-version"]
    action_permissions = {"rebuild": ["dashboards.rebuild_monthlyreport"]}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            queryset = queryset.defer("figures")
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return MonthlyReportDetailSerializer
        return MonthlyReportSerializer

    @extend_schema(
        summary="Rebuild the report with today's figures (a new current version; the old kept)",
        request=MonthlyReportRebuildSerializer,
        responses={201: MonthlyReportSerializer, 400: _REFUSED, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def rebuild(self, request, pk=None):
        report = self.get_object()
        values = self.parse(MonthlyReportRebuildSerializer)
        new = services_reports.rebuild_monthly_report(
            report=report, actor=request.user, reason=values["reason"]
        )
        return self.respond(
            new, status_code=status.HTTP_201_CREATED, serializer_class=MonthlyReportSerializer
        )
