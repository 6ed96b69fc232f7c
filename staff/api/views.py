"""Read-only staff API: the teams tickets are dispatched to and the housekeepers' zones."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets

from servicecenter.api import ActionPermission, ScopedQuerysetMixin
from staff.api.serializers import TeamSerializer, ZoneSerializer
from staff.models import Team, Zone

_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


class StaffReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [ActionPermission]
    residents_may_read = False


@extend_schema_view(
    list=extend_schema(summary="Teams of the user's estates"),
    retrieve=extend_schema(summary="One team", responses={200: TeamSerializer, 404: _NOT_FOUND}),
)
class TeamViewSet(StaffReadOnlyViewSet):
    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filterset_fields = ["estate", "kind"]
    ordering_fields = ["name", "kind"]


@extend_schema_view(
    list=extend_schema(summary="Housekeepers' zones (责任片区) of the user's estates"),
    retrieve=extend_schema(summary="One zone", responses={200: ZoneSerializer, 404: _NOT_FOUND}),
)
class ZoneViewSet(StaffReadOnlyViewSet):
    queryset = Zone.objects.select_related("housekeeper").prefetch_related("buildings")
    serializer_class = ZoneSerializer
    filterset_fields = ["estate", "housekeeper"]
    ordering_fields = ["name"]
