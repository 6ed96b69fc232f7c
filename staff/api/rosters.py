"""The rosters' API: shift types, roster entries, shift swaps and who is on duty now. Writes go
through `staff.services_rosters`; a refusal is a DomainError (400, 409 for a wrong state)."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from residents.models import Estate
from servicecenter.api import ActionPermission, ActionViewMixin, ScopedQuerysetMixin
from servicecenter.forms import IdFilter, ReasonableDateFilter
from staff import services_rosters as rosters
from staff.models import RosterEntry, ShiftType, SwapRequest, Team
from staff.selectors_rosters import on_duty_board
from staff.workflows import SWAP

_ERROR = OpenApiResponse(description="Refused: `detail` says why, `code` names the rule.")
_FORBIDDEN = OpenApiResponse(description="Not allowed for this user.")
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


def _estates(request):
    if request is None:
        return Estate.objects.none()
    return Estate.objects.visible_to(request.user).order_by("code")


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


# --- shift types ----------------------------------------------------------------------------------


class ShiftTypeSerializer(serializers.ModelSerializer):
    crosses_midnight = serializers.BooleanField(read_only=True)

    class Meta:
        model = ShiftType
        fields = [
            "id",
            "estate",
            "code",
            "name",
            "start",
            "end",
            "second_start",
            "second_end",
            "is_on_call",
            "crosses_midnight",
            "sort_order",
            "is_active",
        ]
        read_only_fields = ["id", "crosses_midnight"]


class ShiftTypeInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShiftType
        fields = [
            "code",
            "name",
            "start",
            "end",
            "second_start",
            "second_end",
            "is_on_call",
            "sort_order",
            "is_active",
        ]
        # The service checks the code is unique in the estate (a 400 with its own message).
        validators = []


class ShiftTypeCreateSerializer(ShiftTypeInputSerializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all())

    class Meta(ShiftTypeInputSerializer.Meta):
        fields = ["estate", *ShiftTypeInputSerializer.Meta.fields]


@extend_schema_view(
    list=extend_schema(summary="Shift types of the user's estates"),
    retrieve=extend_schema(summary="One shift type", responses={200: ShiftTypeSerializer, 404: _NOT_FOUND}),
    create=extend_schema(
        summary="Add a shift type",
        request=ShiftTypeCreateSerializer,
        responses={201: ShiftTypeSerializer, 400: _ERROR, 403: _FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change a shift type (rostered entries keep their times)",
        request=ShiftTypeInputSerializer,
        responses={200: ShiftTypeSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
)
class ShiftTypeViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ShiftType.objects.select_related("estate").order_by("estate_id", "sort_order", "pk")
    serializer_class = ShiftTypeSerializer
    permission_classes = [ActionPermission]
    filterset_fields = ["estate", "is_active", "is_on_call"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        values = self.parse(ShiftTypeCreateSerializer)
        estate = values.pop("estate")
        if not Estate.objects.visible_to(request.user).filter(pk=estate.pk).exists():
            raise ValidationError({"estate": [_("You do not work in this estate.")]})
        shift_type = rosters.save_shift_type(actor=request.user, estate=estate, **values)
        return self.respond(shift_type, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        shift_type = self.get_object()
        values = self.parse(ShiftTypeInputSerializer, partial=True)
        shift_type = rosters.save_shift_type(
            actor=request.user, estate=shift_type.estate, shift_type=shift_type, **values
        )
        return self.respond(shift_type)


# --- roster entries -----------------------------------------------------------------------------


class RosterEntrySerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()
    shift_type_name = serializers.CharField(source="shift_type.name", read_only=True, default="")

    class Meta:
        model = RosterEntry
        fields = [
            "id",
            "estate",
            "team",
            "user",
            "user_name",
            "day",
            "shift_type",
            "shift_type_name",
            "is_day_off",
            "starts_at",
            "ends_at",
            "is_on_call",
            "conflict_acknowledged",
            "conflict_note",
            "created_at",
        ]
        read_only_fields = fields

    def get_user_name(self, entry) -> str:
        return _name(entry.user)


class RosterEntryInputSerializer(serializers.Serializer):
    shift_type = serializers.PrimaryKeyRelatedField(
        queryset=ShiftType.objects.all(),
        allow_null=True,
        required=False,
        help_text="Empty or null: a day off.",
    )
    acknowledge_conflict = serializers.BooleanField(required=False, default=False)
    conflict_note = serializers.CharField(required=False, allow_blank=True, default="")


class RosterEntryCreateSerializer(RosterEntryInputSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    user = serializers.PrimaryKeyRelatedField(
        queryset=RosterEntry._meta.get_field("user").related_model.objects.all()
    )
    day = serializers.DateField()


class RosterEntryFilter(django_filters.FilterSet):
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=gettext_lazy("Estate"))
    team = IdFilter(field_name="team_id", label=gettext_lazy("Team"))
    user = IdFilter(field_name="user_id", label=gettext_lazy("Staff member"))
    week = ReasonableDateFilter(method="filter_week", label=gettext_lazy("Week of"))
    day = ReasonableDateFilter(label=gettext_lazy("Day"))

    class Meta:
        model = RosterEntry
        fields = ["estate", "team", "user", "week", "day"]

    def filter_week(self, queryset, name, value):
        start = rosters.week_start_of(value)
        return queryset.filter(day__gte=start, day__lt=start + timedelta(days=7))


@extend_schema_view(
    list=extend_schema(summary="Roster entries (filter by estate, team, week: any day of it)"),
    retrieve=extend_schema(
        summary="One roster entry", responses={200: RosterEntrySerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Roster someone on a day (a shift type, or none for a day off)",
        description="Overlapping another of the person's shifts is refused (400, code `double_booking`) "
        "unless `acknowledge_conflict` is true and `conflict_note` says why.",
        request=RosterEntryCreateSerializer,
        responses={201: RosterEntrySerializer, 400: _ERROR, 403: _FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change the shift of a roster entry",
        request=RosterEntryInputSerializer,
        responses={200: RosterEntrySerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
)
class RosterEntryViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = RosterEntry.objects.select_related("user", "shift_type").order_by(
        "day", "team_id", "user_id", "pk"
    )
    serializer_class = RosterEntrySerializer
    permission_classes = [ActionPermission]
    filterset_class = RosterEntryFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        values = self.parse(RosterEntryCreateSerializer)
        team = values.pop("team")
        if not Team.objects.visible_to(request.user).filter(pk=team.pk).exists():
            raise ValidationError({"team": [_("No such team.")]})
        entry = rosters.set_roster_entry(actor=request.user, team=team, **values)
        return self.respond(entry, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        values = self.parse(RosterEntryInputSerializer, partial=True)
        entry = rosters.set_roster_entry(
            actor=request.user,
            team=entry.team,
            user=entry.user,
            day=entry.day,
            shift_type=values.get("shift_type", entry.shift_type),
            acknowledge_conflict=values.get("acknowledge_conflict", False),
            conflict_note=values.get("conflict_note", ""),
        )
        return self.respond(entry)


# --- swaps --------------------------------------------------------------------------------------


class SwapSerializer(serializers.ModelSerializer):
    requested_by_name = serializers.SerializerMethodField()
    counterpart_name = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = SwapRequest
        fields = [
            "id",
            "estate",
            "requested_by",
            "requested_by_name",
            "entry",
            "counterpart",
            "counterpart_name",
            "counterpart_entry",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "created_at",
            "available_actions",
        ]
        read_only_fields = fields

    def get_requested_by_name(self, swap) -> str:
        return _name(swap.requested_by)

    def get_counterpart_name(self, swap) -> str:
        return _name(swap.counterpart)

    def get_available_actions(self, swap) -> list[str]:
        request = self.context.get("request")
        return [a.name for a in SWAP.available(swap, request.user)] if request else []


class SwapCreateSerializer(serializers.Serializer):
    entry = serializers.PrimaryKeyRelatedField(queryset=RosterEntry.objects.all())
    counterpart = serializers.PrimaryKeyRelatedField(
        queryset=RosterEntry._meta.get_field("user").related_model.objects.all()
    )
    counterpart_entry = serializers.PrimaryKeyRelatedField(
        queryset=RosterEntry.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


_SWAP_ACTION = extend_schema(
    request=NoteSerializer,
    responses={200: SwapSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _ERROR},
)


@extend_schema_view(
    list=extend_schema(summary="Shift swaps of the user's estates"),
    retrieve=extend_schema(summary="One shift swap", responses={200: SwapSerializer, 404: _NOT_FOUND}),
    create=extend_schema(
        summary="Ask to swap one's shift with a colleague",
        request=SwapCreateSerializer,
        responses={201: SwapSerializer, 400: _ERROR, 403: _FORBIDDEN},
    ),
)
class SwapViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = SwapRequest.objects.select_related("requested_by", "counterpart").order_by(
        "-created_at", "-pk"
    )
    serializer_class = SwapSerializer
    permission_classes = [ActionPermission]
    filterset_fields = ["estate", "status"]
    action_permissions = {name: [SWAP.action(name).permission] for name in ("approve", "reject", "cancel")}
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        values = self.parse(SwapCreateSerializer)
        entry = values["entry"]
        if not RosterEntry.objects.visible_to(request.user).filter(pk=entry.pk).exists():
            raise ValidationError({"entry": [_("No such roster entry.")]})
        swap = rosters.request_swap(actor=request.user, **values)
        return self.respond(swap, status_code=status.HTTP_201_CREATED)

    def _act(self, service):
        swap = self.get_object()
        values = self.parse(NoteSerializer)
        swap = service(swap=swap, actor=self.request.user, **values)
        return self.respond(swap)

    @_SWAP_ACTION
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(rosters.approve_swap)

    @_SWAP_ACTION
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(rosters.reject_swap)

    @_SWAP_ACTION
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(rosters.cancel_swap)


# --- on duty ------------------------------------------------------------------------------------


class OnDutyEntrySerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    user_name = serializers.SerializerMethodField()
    shift_type = serializers.CharField(source="shift_type.name")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()

    def get_user_name(self, entry) -> str:
        return _name(entry.user)


class OnDutyTeamSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    team_name = serializers.CharField()
    on_duty = OnDutyEntrySerializer(many=True)
    on_call = OnDutyEntrySerializer(many=True)


class OnDutySerializer(serializers.Serializer):
    estate = serializers.IntegerField()
    at = serializers.DateTimeField()
    teams = OnDutyTeamSerializer(many=True)


class OnDutyViewSet(viewsets.GenericViewSet):
    """`GET /api/staff/on-duty/?estate=<id>`: per team, who is at work now and who is on call."""

    permission_classes = [ActionPermission]
    action_permissions = {"list": ["staff.view_rosterentry"]}
    serializer_class = OnDutySerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return RosterEntry.objects.none()

    @extend_schema(
        summary="Who is on duty now, per team of an estate",
        parameters=[
            OpenApiParameter("estate", int, required=True, description="The estate."),
            OpenApiParameter("at", str, required=False, description="An ISO date-time; default: now."),
        ],
        responses={200: OnDutySerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    def list(self, request, *args, **kwargs):
        raw = request.query_params.get("estate", "")
        if not raw.isdigit():
            raise ValidationError({"estate": [_("Choose an estate.")]})
        estate = get_object_or_404(Estate.objects.visible_to(request.user), pk=int(raw))
        at = timezone.now()
        if request.query_params.get("at"):
            try:
                at = serializers.DateTimeField().to_internal_value(request.query_params["at"])
            except serializers.ValidationError as error:
                raise ValidationError({"at": error.detail}) from None
        board = on_duty_board(estate=estate, at=at)
        data = {
            "estate": estate.pk,
            "at": at,
            "teams": [
                {"team": team.pk, "team_name": team.name, "on_duty": working, "on_call": calls}
                for team, working, calls in board
            ],
        }
        return Response(OnDutySerializer(data).data)
