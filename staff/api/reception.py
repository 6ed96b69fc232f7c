"""Reception hours (接待时间) per estate: read by whoever runs or reads the rosters, set by the
duty supervisor and the manager of the estate. Keyed by the estate: `/api/staff/reception-hours/<estate id>/`."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from residents.models import Estate
from servicecenter.api import ActionPermission, ActionViewMixin
from servicecenter.parsers import StrictJSONParser
from staff import services_rosters as rosters
from staff.models import ReceptionHours
from staff.selectors_rosters import reception_hours_of

_ERROR = OpenApiResponse(description="Refused: `detail` says why, `code` names the rule.")
_FORBIDDEN = OpenApiResponse(description="Not allowed for this user.")
_NOT_FOUND = OpenApiResponse(description="No such estate within the user's reach.")


class ReceptionHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReceptionHours
        fields = ["estate", "weekday_opens", "weekday_closes", "weekend_opens", "weekend_closes"]
        read_only_fields = fields


class ReceptionHoursInputSerializer(serializers.Serializer):
    weekday_opens = serializers.TimeField(help_text="Monday to Friday, HH:MM")
    weekday_closes = serializers.TimeField()
    weekend_opens = serializers.TimeField(help_text="Saturday and Sunday, HH:MM")
    weekend_closes = serializers.TimeField()


@extend_schema_view(
    retrieve=extend_schema(
        summary="An estate's reception hours (the defaults until set)",
        responses={200: ReceptionHoursSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
    update=extend_schema(
        summary="Set an estate's reception hours (each day closes after it opens)",
        request=ReceptionHoursInputSerializer,
        responses={200: ReceptionHoursSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
)
class ReceptionHoursViewSet(ActionViewMixin, viewsets.GenericViewSet):
    queryset = Estate.objects.all()
    serializer_class = ReceptionHoursSerializer
    permission_classes = [ActionPermission]
    parser_classes = [StrictJSONParser]
    action_permissions = {
        "retrieve": ["staff.view_receptionhours"],
        "update": ["staff.change_receptionhours"],
    }
    http_method_names = ["get", "put", "head", "options"]
    filter_backends = []
    pagination_class = None

    def get_object(self) -> Estate:
        # Another estate does not exist for this user.
        return get_object_or_404(Estate.objects.visible_to(self.request.user), pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return self.respond(reception_hours_of(self.get_object()))

    def update(self, request, *args, **kwargs):
        estate = self.get_object()
        values = self.parse(ReceptionHoursInputSerializer)
        return self.respond(rosters.set_reception_hours(actor=request.user, estate=estate, **values))
