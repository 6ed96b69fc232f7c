"""Archive API: estates, buildings, units, persons, occupancies and the sensitive-access log.

Every queryset goes through `visible_to` (ScopedQuerysetMixin), so another estate's object is a 404
and a resident reaches only what belongs to the units they occupy. Writes parse input with the
serializers and call one service each; reads return masked numbers only.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from residents import selectors, services, services_access, services_household
from residents.api import serializers as s
from residents.filters import (
    AccessLogFilter,
    BuildingFilter,
    HouseholdRequestFilter,
    OccupancyFilter,
    PassFilter,
    PersonFilter,
    UnitFilter,
)
from residents.models import (
    Building,
    Estate,
    HouseholdRequest,
    Occupancy,
    Pass,
    Person,
    SensitiveAccessLog,
    Unit,
)
from residents.workflows import HOUSEHOLD_REQUEST
from servicecenter.api import ActionPermission, ActionViewMixin, ScopedQuerysetMixin
from servicecenter.net import client_ip
from servicecenter.workflow import api_permissions

_ERROR = OpenApiResponse(description="Validation error; field errors in the request's language.")
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


class ArchiveViewSet(ActionViewMixin, ScopedQuerysetMixin, viewsets.GenericViewSet):
    permission_classes = [ActionPermission]
    residents_may_read = True
    action_permissions: dict[str, list[str]] = {}
    # Writes are `create` and `partial_update` defined per viewset (no PUT: a partial update says
    # exactly what changes) and there is no destroy: the router only routes what exists.


@extend_schema_view(
    list=extend_schema(summary="Estates the user can see"),
    retrieve=extend_schema(summary="One estate", responses={200: s.EstateSerializer, 404: _NOT_FOUND}),
)
class EstateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveViewSet):
    queryset = Estate.objects.all()
    serializer_class = s.EstateSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["code", "name"]


@extend_schema_view(
    list=extend_schema(summary="Buildings"),
    retrieve=extend_schema(summary="One building", responses={200: s.BuildingSerializer, 404: _NOT_FOUND}),
    create=extend_schema(
        summary="Add a building",
        request=s.BuildingCreateSerializer,
        responses={201: s.BuildingSerializer, 400: _ERROR, 403: _FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change a building",
        request=s.BuildingUpdateSerializer,
        responses={200: s.BuildingSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
)
class BuildingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveViewSet):
    queryset = Building.objects.all()
    serializer_class = s.BuildingSerializer
    filterset_class = BuildingFilter
    ordering_fields = ["code", "name"]

    def create(self, request, *args, **kwargs):
        building = services.create_building(actor=request.user, **self.parse(s.BuildingCreateSerializer))
        return self.respond(building, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        building = self.get_object()
        values = self.parse(s.BuildingUpdateSerializer, partial=True)
        return self.respond(services.update_building(actor=request.user, building=building, **values))


@extend_schema_view(
    list=extend_schema(summary="Units (a resident sees only the units they occupy)"),
    retrieve=extend_schema(summary="One unit", responses={200: s.UnitSerializer, 404: _NOT_FOUND}),
    create=extend_schema(
        summary="Add a unit",
        request=s.UnitCreateSerializer,
        responses={201: s.UnitSerializer, 400: _ERROR, 403: _FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change a unit",
        request=s.UnitUpdateSerializer,
        responses={200: s.UnitSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
)
class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveViewSet):
    queryset = Unit.objects.select_related("building")
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["code", "floor", "area"]

    def create(self, request, *args, **kwargs):
        values = self.parse(s.UnitCreateSerializer)
        unit = services.create_unit(actor=request.user, **values)
        return self.respond(unit, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        unit = self.get_object()
        values = self.parse(s.UnitUpdateSerializer, partial=True)
        return self.respond(services.update_unit(actor=request.user, unit=unit, **values))


@extend_schema_view(
    list=extend_schema(summary="People in the archive (numbers masked)"),
    retrieve=extend_schema(
        summary="One person (numbers masked)", responses={200: s.PersonSerializer, 404: _NOT_FOUND}
    ),
    create=extend_schema(
        summary="Add a person",
        description="Full mobile and ID numbers are accepted here; the response shows them masked.",
        request=s.PersonCreateSerializer,
        responses={201: s.PersonSerializer, 400: _ERROR, 403: _FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change a person",
        request=s.PersonUpdateSerializer,
        responses={200: s.PersonSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    ),
)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveViewSet):
    queryset = Person.objects.all()
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["name", "created_at"]
    action_permissions = {
        "reveal": ["residents.view_sensitive"],
        "verify_id": ["residents.verify_id_number"],
        "portal_code": ["residents.issue_portal_code"],
    }

    def create(self, request, *args, **kwargs):
        person = services.create_person(actor=request.user, **self.parse(s.PersonCreateSerializer))
        return self.respond(person, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        values = self.parse(s.PersonUpdateSerializer, partial=True)
        person = services.update_person(
            actor=request.user, person=person, id_number=values.pop("id_number", None), **values
        )
        return self.respond(person)

    @extend_schema(
        summary="Reveal a person's full numbers (logged)",
        request=s.RevealRequestSerializer,
        responses={200: s.RevealedNumbersSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        person = self.get_object()
        reason = self.parse(s.RevealRequestSerializer)["reason"]
        numbers = services.reveal_person(
            actor=request.user, person=person, reason=reason, ip_address=client_ip(request)
        )
        response = Response(s.RevealedNumbersSerializer(numbers).data)
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        summary="Check an ID number presented at the desk (yes/no, logged, rate-limited)",
        request=s.VerifyIdRequestSerializer,
        responses={
            200: s.VerifyIdResultSerializer,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            429: OpenApiResponse(description="Too many checks; try again in a few minutes."),
            503: OpenApiResponse(description="The check is refused while its rate limit cannot be counted."),
        },
    )
    @action(detail=True, methods=["post"], url_path="verify-id")
    def verify_id(self, request, pk=None):
        person = self.get_object()
        presented = self.parse(s.VerifyIdRequestSerializer)["id_number"]
        matched = services.verify_person_id_number(
            actor=request.user, person=person, presented=presented, ip_address=client_ip(request)
        )
        return Response(s.VerifyIdResultSerializer({"matched": matched}).data)

    @extend_schema(
        summary="Issue a portal activation code (shown once; voids the previous one)",
        request=s.PortalCodeRequestSerializer,
        responses={201: s.IssuedPortalCodeSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="portal-code")
    def portal_code(self, request, pk=None):
        person = self.get_object()
        by_sms = self.parse(s.PortalCodeRequestSerializer)["by_sms"]
        issued = services_access.issue_activation_code(actor=request.user, person=person, by_sms=by_sms)
        payload = {
            "code": issued.display,
            "expires_at": issued.portal_code.expires_at,
            "delivery": issued.portal_code.delivery,
        }
        response = Response(s.IssuedPortalCodeSerializer(payload).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "private, no-store"
        return response


@extend_schema_view(
    list=extend_schema(summary="Who lives where"),
    retrieve=extend_schema(summary="One occupancy", responses={200: s.OccupancySerializer, 404: _NOT_FOUND}),
    create=extend_schema(
        summary="Link a person to a unit",
        request=s.OccupancyCreateSerializer,
        responses={201: s.OccupancySerializer, 400: _ERROR, 403: _FORBIDDEN},
    ),
)
class OccupancyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveViewSet):
    queryset = Occupancy.objects.select_related("unit", "person")
    serializer_class = s.OccupancySerializer
    filterset_class = OccupancyFilter
    ordering_fields = ["start_date", "end_date", "role"]
    action_permissions = {
        "end": ["residents.change_occupancy"],
        "payer": ["residents.change_occupancy"],
        "bill_visibility": ["residents.change_occupancy"],
    }

    def create(self, request, *args, **kwargs):
        occupancy = services.add_occupancy(actor=request.user, **self.parse(s.OccupancyCreateSerializer))
        return self.respond(occupancy, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End an occupancy (moved out, sold, lease over)",
        request=s.OccupancyEndSerializer,
        responses={200: s.OccupancySerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        occupancy = self.get_object()
        end_date = self.parse(s.OccupancyEndSerializer).get("end_date")
        occupancy = services.end_occupancy(actor=request.user, occupancy=occupancy, end_date=end_date)
        return self.respond(self.get_queryset().get(pk=occupancy.pk))

    @extend_schema(
        summary="Name this occupant the unit's payer (pays the bills, gets the reminders)",
        request=None,
        responses={200: s.OccupancySerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def payer(self, request, pk=None):
        occupancy = self.get_object()
        services.set_payer(actor=request.user, unit=occupancy.unit, occupancy=occupancy)
        return self.respond(self.get_queryset().get(pk=occupancy.pk))

    @extend_schema(
        summary="Grant or withdraw this occupant's view of the unit's bills",
        request=s.OccupancyBillVisibilitySerializer,
        responses={200: s.OccupancySerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="bill-visibility")
    def bill_visibility(self, request, pk=None):
        occupancy = self.get_object()
        visible = self.parse(s.OccupancyBillVisibilitySerializer)["visible"]
        services.set_bill_visibility(actor=request.user, occupancy=occupancy, visible=visible)
        return self.respond(self.get_queryset().get(pk=occupancy.pk))


@extend_schema_view(
    list=extend_schema(summary="Who looked at or checked full numbers"),
    retrieve=extend_schema(
        summary="One access-log entry", responses={200: s.AccessLogSerializer, 404: _NOT_FOUND}
    ),
)
class AccessLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveViewSet):
    queryset = SensitiveAccessLog.objects.select_related("actor", "person")
    serializer_class = s.AccessLogSerializer
    filterset_class = AccessLogFilter
    ordering_fields = ["created_at"]
    residents_may_read = False


@extend_schema_view(
    list=extend_schema(summary="Passes (a resident sees only their own units' passes; numbers masked)"),
    retrieve=extend_schema(summary="One pass", responses={200: s.PassSerializer, 404: _NOT_FOUND}),
    create=extend_schema(
        summary="Issue a pass by hand (shop staff, resident card)",
        description="Full mobile and ID numbers are accepted here; the response shows them masked.",
        request=s.PassCreateSerializer,
        responses={201: s.PassSerializer, 400: _ERROR, 403: _FORBIDDEN},
    ),
)
class PassViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveViewSet):
    """Numbered passes for the gate. Worker and moving passes are issued by their renovation or
    move; only shop staff passes and resident cards are issued here."""

    queryset = Pass.objects.select_related("estate", "unit")
    serializer_class = s.PassSerializer
    filterset_class = PassFilter
    ordering_fields = ["issued_at", "valid_until", "number"]
    action_permissions = {
        "create": ["residents.issue_pass"],
        "revoke": ["residents.issue_pass"],
        "verify": ["residents.verify_pass"],
    }

    def get_queryset(self):
        return super().get_queryset().order_by("-issued_at", "-pk")

    def create(self, request, *args, **kwargs):
        pass_ = services.issue_pass(actor=request.user, **self.parse(s.PassCreateSerializer))
        return self.respond(pass_, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a pass (it no longer opens the gate)",
        request=s.PassRevokeSerializer,
        responses={200: s.PassSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        pass_ = self.get_object()
        reason = self.parse(s.PassRevokeSerializer)["reason"]
        services.revoke_pass(pass_=pass_, actor=request.user, reason=reason)
        return self.respond(self.get_queryset().get(pk=pass_.pk))

    @extend_schema(
        summary="Check a pass at the gate: valid now?",
        description=(
            "By its printed number (case and spaces do not matter). A revoked, expired or not yet "
            "valid pass answers 200 with `valid: false` and the reason; an unknown number, or one "
            "of an estate the staff member does not work in, is a 404."
        ),
        request=None,
        responses={200: s.PassCheckSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=False, methods=["get"], url_path=r"(?P<number>[^/.]+)/verify")
    def verify(self, request, number=None):
        check = selectors.verify_pass(number=number, user=request.user)
        response = Response(s.PassCheckSerializer(check).data)
        response["Cache-Control"] = "private, no-store"
        return response


_CONFLICT = OpenApiResponse(description="Already decided, or refused by the archive (e.g. a duplicate).")


@extend_schema_view(
    list=extend_schema(summary="Household requests of the user's estates (filters: status, estate, unit)"),
    retrieve=extend_schema(
        summary="One household request", responses={200: s.HouseholdRequestSerializer, 404: _NOT_FOUND}
    ),
)
class HouseholdRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ArchiveViewSet):
    """The owners' requests to add a family member or a tenant (the portal's "My household"), for
    the desk to verify and decide. Staff only; a resident follows their own in the portal."""

    queryset = HouseholdRequest.objects.select_related("estate", "unit", "requested_by", "decided_by")
    serializer_class = s.HouseholdRequestSerializer
    filterset_class = HouseholdRequestFilter
    ordering_fields = ["requested_at", "decided_at"]
    residents_may_read = False
    # The decisions' permission comes from the household request workflow's declaration.
    action_permissions = api_permissions(HOUSEHOLD_REQUEST, "approve", "reject")

    def get_queryset(self):
        return super().get_queryset().order_by("requested_at", "pk")

    @extend_schema(
        summary="Approve: the person becomes an occupant of the unit from the move-in date",
        request=None,
        responses={200: s.HouseholdRequestSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        obj = services_household.approve_household_request(request=self.get_object(), actor=request.user)
        return self.respond(self.get_queryset().get(pk=obj.pk))

    @extend_schema(
        summary="Reject, with the reason the owner sees",
        request=s.HouseholdRejectSerializer,
        responses={200: s.HouseholdRequestSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        obj = services_household.reject_household_request(
            request=self.get_object(), actor=request.user, **self.parse(s.HouseholdRejectSerializer)
        )
        return self.respond(self.get_queryset().get(pk=obj.pk))
