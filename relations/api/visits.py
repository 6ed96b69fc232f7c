"""Household visits API: visits (list, read, log, correct), a visit's follow-up as a ticket,
important-household flags (list, flag, clear) and the zone's households due a visit.

Every queryset goes through `visible_to`, so an object outside the user's estates is a 404.
Residents have no access. A follow-up becomes one ticket: a retry answers 200 with the same
ticket and `Idempotent-Replayed: true`."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from relations.models import ImportantHousehold, Visit
from relations.selectors import visits as selectors
from relations.services import visits as services
from residents.models import Unit
from servicecenter.api import ActionPermission, ActionViewMixin, ScopedQuerysetMixin
from servicecenter.validators import validate_reasonable_date
from tickets.models import TicketCategory

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
FOLLOW_UP_KIND_CHOICES = [(k.value, k.label) for k in services.FOLLOW_UP_KINDS]
DUE_SORT_CHOICES = [(key, key) for key in selectors.SORTS]


def _visible_unit(user, pk) -> Unit:
    unit = Unit.objects.visible_to(user).filter(pk=pk).first()
    if unit is None:
        raise ValidationError({"unit": [_("No such record within your reach.")]})
    return unit


class VisitSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    follow_up_ticket_number = serializers.CharField(
        source="follow_up_ticket.number", read_only=True, default=None
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "unit",
            "unit_code",
            "visited_on",
            "channel",
            "met",
            "topics",
            "notes",
            "follow_up",
            "follow_up_ticket",
            "follow_up_ticket_number",
            "visited_by",
            "created_at",
        ]
        read_only_fields = fields


class VisitInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1)
    visited_on = serializers.DateField(validators=[validate_reasonable_date])
    channel = serializers.ChoiceField(choices=Visit.Channel.choices)
    met = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    topics = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    follow_up = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class FollowUpTicketInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FOLLOW_UP_KIND_CHOICES)
    category = serializers.PrimaryKeyRelatedField(queryset=TicketCategory.objects.filter(is_active=True))


class FollowUpTicketSerializer(serializers.Serializer):
    visit = serializers.IntegerField()
    ticket = serializers.IntegerField()
    ticket_number = serializers.CharField()


class ImportantHouseholdSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = ImportantHousehold
        fields = ["id", "unit", "unit_code", "reason", "flagged_by", "flagged_at", "cleared_by", "cleared_at"]
        read_only_fields = fields


class ImportantHouseholdInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=300)


class DueHouseholdSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_code = serializers.CharField(source="unit.code")
    last_visit_on = serializers.DateField(allow_null=True)
    days_since_visit = serializers.IntegerField(allow_null=True)
    is_important = serializers.BooleanField()
    is_quiet = serializers.BooleanField()
    never_visited = serializers.BooleanField()


class DueQuerySerializer(serializers.Serializer):
    zone = serializers.IntegerField(min_value=1)
    sort = serializers.ChoiceField(choices=DUE_SORT_CHOICES, required=False, default="last_visit")


@extend_schema_view(
    list=extend_schema(summary="Visits to households (filters: unit)"),
    retrieve=extend_schema(summary="One visit"),
)
class VisitViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Visit.objects.select_related("unit", "follow_up_ticket").order_by("-visited_on", "-pk")
    serializer_class = VisitSerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": [services.LOG_PERM],
        "ticket": [services.LOG_PERM, "tickets.add_ticket"],
        "due": ["relations.view_visit"],
    }
    filterset_class = None

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and self.request.query_params.get("unit"):
            unit = self.request.query_params["unit"]
            if not (unit.isascii() and unit.isdigit()) or len(unit) > 18:
                raise ValidationError({"unit": [_("Enter a whole number.")]})
            queryset = queryset.filter(unit_id=int(unit))
        return queryset

    @extend_schema(
        summary="Log a visit", request=VisitInputSerializer, responses={201: VisitSerializer, 400: _ERROR}
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(VisitInputSerializer)
        unit = _visible_unit(request.user, values.pop("unit"))
        visit = services.log_visit(actor=request.user, unit=unit, **values)
        return self.respond(visit, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Register the visit's follow-up as a ticket (once; a retry returns the same ticket)",
        request=FollowUpTicketInputSerializer,
        responses={201: FollowUpTicketSerializer, 200: FollowUpTicketSerializer, 400: _ERROR},
    )
    @action(detail=True, methods=["post"])
    def ticket(self, request, pk=None):
        visit = self.get_object()
        values = self.parse(FollowUpTicketInputSerializer)
        ticket = services.raise_follow_up_ticket(actor=request.user, visit=visit, **values)
        replay = getattr(ticket, "is_replay", False)
        response = Response(
            {"visit": visit.pk, "ticket": ticket.pk, "ticket_number": ticket.number},
            status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED,
        )
        if replay:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        summary="The zone's households due a visit: important ones not visited lately, quiet ones, never visited",
        parameters=[DueQuerySerializer],
        responses={200: DueHouseholdSerializer(many=True), 400: _ERROR},
    )
    @action(detail=False, methods=["get"])
    def due(self, request):
        query = DueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        zone = selectors.zones_for(request.user).filter(pk=query.validated_data["zone"]).first()
        if zone is None:
            raise NotFound(_("No such zone."))
        today = timezone.localdate()
        rows = selectors.households_due(
            user=request.user, zone=zone, today=today, sort=query.validated_data["sort"]
        )
        page = self.paginate_queryset(rows)
        data = DueHouseholdSerializer([selectors.due_row(unit, today) for unit in page], many=True).data
        return self.get_paginated_response(data)


@extend_schema_view(
    list=extend_schema(summary="Households flagged important (重要业户), current flags only"),
    retrieve=extend_schema(summary="One important-household flag"),
)
class ImportantHouseholdViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ImportantHousehold.objects.select_related("unit").order_by("-flagged_at", "-pk")
    serializer_class = ImportantHouseholdSerializer
    permission_classes = [ActionPermission]
    action_permissions = {"create": [services.FLAG_PERM], "clear": [services.FLAG_PERM]}
    filterset_class = None

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.active() if self.action == "list" else queryset

    @extend_schema(
        summary="Flag a household important with a reason (again: the current flag)",
        request=ImportantHouseholdInputSerializer,
        responses={201: ImportantHouseholdSerializer, 400: _ERROR},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(ImportantHouseholdInputSerializer)
        unit = _visible_unit(request.user, values["unit"])
        flag = services.flag_important(actor=request.user, unit=unit, reason=values["reason"])
        return self.respond(flag, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Clear the flag", request=None, responses={200: ImportantHouseholdSerializer, 400: _ERROR}
    )
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        flag = self.get_object()
        if flag.cleared_at is not None:
            raise ValidationError({"detail": [_("This flag has already been cleared.")]})
        return self.respond(services.clear_important(actor=request.user, unit=flag.unit))
