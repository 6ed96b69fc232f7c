"""API for shift handovers (交接班) and attendance (考勤): lists with filters, writing and
acknowledging a handover, clocking in and out, the supervisor's flags and absences."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action

from residents.models import Estate
from servicecenter.api import ActionPermission, ActionViewMixin, IdField, ScopedQuerysetMixin
from staff import selectors_attendance, services_attendance
from staff.models import AttendanceRecord, RosterEntry, ShiftHandover, Team
from staff.workflows import ATTENDANCE, HANDOVER

_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")
_REFUSED = OpenApiResponse(description="Refused by a business rule; `detail` says why.")
ABSENCE_DAYS = 31


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


class HandoverTicketSerializer(serializers.Serializer):
    ticket_id = serializers.IntegerField()
    ticket_number = serializers.CharField()
    summary = serializers.CharField()


class HandoverSerializer(serializers.ModelSerializer):
    tickets = HandoverTicketSerializer(many=True, read_only=True)
    written_by_name = serializers.SerializerMethodField()
    acknowledged_by_name = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = ShiftHandover
        fields = [
            "id",
            "estate",
            "team",
            "written_by",
            "written_by_name",
            "written_at",
            "tickets",
            "keys",
            "incidents",
            "notes",
            "status",
            "acknowledged_by",
            "acknowledged_by_name",
            "acknowledged_at",
            "available_actions",
        ]
        read_only_fields = fields

    def get_written_by_name(self, handover) -> str:
        return _name(handover.written_by)

    def get_acknowledged_by_name(self, handover) -> str:
        return _name(handover.acknowledged_by)

    def get_available_actions(self, handover) -> list[str]:
        request = self.context.get("request")
        return [a.name for a in HANDOVER.available(handover, request.user)] if request else []


class HandoverInputSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    tickets = serializers.ListField(child=IdField(), required=False, default=list, max_length=200)
    keys = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    incidents = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)

    def validate_team(self, team):
        if not Team.objects.visible_to(self.context["request"].user).filter(pk=team.pk).exists():
            raise serializers.ValidationError("Invalid pk - object does not exist.")
        return team


class HandoverFilter(django_filters.FilterSet):
    acknowledged = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = ShiftHandover
        fields = ["estate", "team", "status", "acknowledged"]


@extend_schema_view(
    list=extend_schema(summary="Shift handovers (交接班) of the user's estates, newest first"),
    retrieve=extend_schema(summary="One handover", responses={200: HandoverSerializer, 404: _NOT_FOUND}),
)
class HandoverViewSet(
    ScopedQuerysetMixin, ActionViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = ShiftHandover.objects.select_related("written_by", "acknowledged_by").prefetch_related(
        "tickets"
    )
    serializer_class = HandoverSerializer
    permission_classes = [ActionPermission]
    filterset_class = HandoverFilter
    ordering_fields = ["written_at"]
    action_permissions = {a.name: [a.permission] for a in HANDOVER.user_actions()}

    @extend_schema(
        summary="The outgoing shift hands over open tickets (of the team), keys, incidents, notes",
        request=HandoverInputSerializer,
        responses={201: HandoverSerializer, 400: _REFUSED},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(HandoverInputSerializer)
        handover = services_attendance.write_handover(
            team=values["team"],
            actor=request.user,
            ticket_ids=values["tickets"],
            keys=values["keys"],
            incidents=values["incidents"],
            notes=values["notes"],
        )
        return self.respond(handover, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The incoming shift acknowledges (once; never the writer)",
        request=None,
        responses={200: HandoverSerializer, 400: _REFUSED, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        handover = services_attendance.acknowledge_handover(handover=self.get_object(), actor=request.user)
        return self.respond(handover)


class AttendanceSerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()
    is_flagged = serializers.BooleanField(read_only=True)

    class Meta:
        model = AttendanceRecord
        fields = [
            "id",
            "estate",
            "user",
            "user_name",
            "roster_entry",
            "shift_starts_at",
            "shift_ends_at",
            "clock_in_at",
            "clock_out_at",
            "is_late",
            "minutes_late",
            "left_early",
            "minutes_early",
            "is_unrostered",
            "is_flagged",
            "status",
        ]
        read_only_fields = fields

    def get_user_name(self, record) -> str:
        return _name(record.user)


class AbsenceSerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()

    class Meta:
        model = RosterEntry
        fields = ["id", "estate", "team", "user", "user_name", "day", "starts_at", "ends_at"]
        read_only_fields = fields

    def get_user_name(self, entry) -> str:
        return _name(entry.user)


class ClockInSerializer(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(
        queryset=Estate.objects.all(), required=False, help_text="Only for a clock-in with no rostered shift."
    )


class AttendanceFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="clock_in_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="clock_in_at", lookup_expr="date__lte")
    flagged = django_filters.BooleanFilter(method="filter_flagged")

    class Meta:
        model = AttendanceRecord
        fields = ["estate", "user", "status", "is_late", "left_early", "is_unrostered"]

    def filter_flagged(self, queryset, name, value):
        flagged = Q(is_late=True) | Q(left_early=True) | Q(is_unrostered=True)
        return queryset.filter(flagged) if value else queryset.exclude(flagged)


@extend_schema_view(
    list=extend_schema(summary="Attendance records (考勤) of the user's estates (supervisor, manager)"),
    retrieve=extend_schema(
        summary="One attendance record", responses={200: AttendanceSerializer, 404: _NOT_FOUND}
    ),
)
class AttendanceViewSet(ScopedQuerysetMixin, ActionViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = AttendanceRecord.objects.select_related("user")
    serializer_class = AttendanceSerializer
    permission_classes = [ActionPermission]
    filterset_class = AttendanceFilter
    ordering_fields = ["clock_in_at"]
    action_permissions = {
        "clock_in": ["staff.add_attendancerecord"],
        "clock_out": [ATTENDANCE.action("clock_out").permission],
        "mine": ["staff.add_attendancerecord"],
        "absences": ["staff.view_attendancerecord"],
    }

    @extend_schema(
        summary="Clock in against the shift of the moment (no shift: recorded and flagged)",
        request=ClockInSerializer,
        responses={201: AttendanceSerializer, 400: _REFUSED},
    )
    @action(detail=False, methods=["post"])
    def clock_in(self, request):
        values = self.parse(ClockInSerializer)
        record = services_attendance.clock_in(user=request.user, estate=values.get("estate"))
        return self.respond(record, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Clock out of the open record",
        request=None,
        responses={200: AttendanceSerializer, 400: _REFUSED},
    )
    @action(detail=False, methods=["post"])
    def clock_out(self, request):
        return self.respond(services_attendance.clock_out(user=request.user))

    @extend_schema(
        summary="The user's own attendance records", responses={200: AttendanceSerializer(many=True)}
    )
    @action(detail=False, methods=["get"])
    def mine(self, request):
        records = self.filter_queryset(
            AttendanceRecord.objects.filter(user=request.user).select_related("user")
        )
        page = self.paginate_queryset(records)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Rostered shifts of the last month that ended with no clock-in",
        responses={200: AbsenceSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def absences(self, request):
        now = timezone.now()
        rows = selectors_attendance.absences(
            viewer=request.user, now=now, since=now - timedelta(days=ABSENCE_DAYS)
        )
        estate = request.query_params.get("estate")
        if estate and estate.isdigit():
            rows = rows.filter(estate_id=int(estate))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(AbsenceSerializer(page, many=True).data)
