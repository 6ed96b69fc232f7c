"""Ticket API: tickets and their transitions, categories, callbacks, and the monthly KPIs.

Every queryset goes through `visible_to`, so a ticket outside the user's reach is a 404 (a
resident reaches only the tickets of their own units). Each transition is one `@action` that
calls one service: a transition the lifecycle forbids is a 409 with a translated `detail`, bad
input a 400, a missing permission a 403.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import BasePagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from residents.models import Estate
from servicecenter.api import (
    ActionPermission,
    ActionViewMixin,
    ScopedQuerysetMixin,
    strict_page_number,
    strict_page_size,
)
from servicecenter.paging import COUNT_CAP, light_page
from servicecenter.parsers import StrictJSONParser
from servicecenter.scoping import access_for
from servicecenter.uploads import serve_private_file
from tickets import selectors, services
from tickets.api import serializers as s
from tickets.filters import CallbackFilter, TicketFilter
from tickets.models import Callback, PublicLocation, RootCause, Ticket, TicketAttachment, TicketCategory
from tickets.permissions import ACTION_PERMISSIONS, may

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(
    description="The lifecycle does not allow this transition now; `detail` says why."
)
_KEY_REUSED = OpenApiResponse(
    description="The `Idempotency-Key` was already used by another user or with other details."
)
_FORBIDDEN = OpenApiResponse(description="The user lacks the permission for this action.")
_NOT_FOUND = OpenApiResponse(description="No such ticket within the user's reach.")


class LightPagination(BasePagination):
    """Page numbers without counting the whole table: `count` is exact up to 1000 matching rows
    and null beyond (narrow the filters for an exact figure); `next` says whether more follow."""

    page_size = 25
    max_page_size = 200
    page_query_param = "page"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        # The kernel's strict page number and size: a malformed one is a 400, as in every list.
        size = strict_page_size(request, self)
        number = strict_page_number(request, self)
        self.request = request
        self.page = light_page(queryset, number, per_page=size)
        if not self.page.object_list and self.page.number > 1:
            raise NotFound(_("Invalid page."))
        return self.page.object_list

    def get_paginated_response(self, data):
        url = self.request.build_absolute_uri()
        next_url = replace_query_param(url, "page", self.page.number + 1) if self.page.has_next else None
        previous_url = None
        if self.page.has_previous:
            previous_url = (
                remove_query_param(url, "page")
                if self.page.number == 2
                else replace_query_param(url, "page", self.page.number - 1)
            )
        return Response(
            {"count": self.page.count, "next": next_url, "previous": previous_url, "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": f"null when more than {COUNT_CAP}",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class TransitionMixin(ActionViewMixin):
    def _transition(self, service, input_serializer=None, **fixed):
        ticket = self.get_object()
        values = self.parse(input_serializer) if input_serializer is not None else {}
        ticket = service(ticket=ticket, actor=self.request.user, **values, **fixed)
        return self.respond(ticket, serializer_class=s.TicketSerializer)


@extend_schema_view(
    list=extend_schema(summary="Tickets (filters as on the list page)"),
    retrieve=extend_schema(
        summary="One ticket with its timeline and files",
        responses={200: s.TicketDetailSerializer, 404: _NOT_FOUND},
    ),
)
class TicketViewSet(
    TransitionMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Ticket.objects.all()
    serializer_class = s.TicketSerializer
    # Reads and every action need `view_ticket`, registration `add_ticket`, the KPIs
    # `view_ticket_metrics`; each transition also its own permission, checked on the ticket
    # (technicians: only their own work).
    permission_classes = [ActionPermission]
    action_permissions = {
        "create": ["tickets.add_ticket"],
        "metrics": ["tickets.view_ticket_metrics"],
        # The desk's registrars: residents may add tickets but not read the estate's history.
        "suggest": ["tickets.add_ticket", "tickets.view_all_tickets"],
        "link_report": ["tickets.add_ticket", "tickets.view_ticket"],
        "possible_duplicates": ["tickets.add_ticket", "tickets.view_ticket"],
    }
    other_actions_need = ["tickets.view_ticket"]
    filterset_class = TicketFilter
    pagination_class = LightPagination
    ordering_fields = ["created_at", "resolution_due_at", "response_due_at", "priority", "number"]
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if self.action == "retrieve":
            return Ticket.objects.none()  # get_object below uses the page selector
        return selectors.tickets_for_list(user=self.request.user)

    def get_object(self):
        try:
            if self.action == "retrieve":
                ticket = selectors.ticket_for_page(user=self.request.user, pk=int(self.kwargs["pk"]))
            else:
                ticket = (
                    Ticket.objects.visible_to(self.request.user)
                    .select_related("estate", "category")
                    .get(pk=int(self.kwargs["pk"]))
                )
        except (Ticket.DoesNotExist, ValueError):
            raise Http404(_("No such ticket.")) from None
        self.check_object_permissions(self.request, ticket)
        return ticket

    def get_serializer_class(self):
        return s.TicketDetailSerializer if self.action == "retrieve" else s.TicketSerializer

    def may_act_on(self, user, action: str, ticket: Ticket) -> bool:
        if action == "link_report":  # residents hold add_ticket for the portal; linking is the desk's
            return access_for(user).is_staff_member
        return action not in ACTION_PERMISSIONS or may(user, action, ticket)

    @extend_schema(
        summary="Register a ticket",
        description=(
            "Send an `Idempotency-Key` header (e.g. a UUID made once per request, kept for its retries): "
            "a retry by the same user with the same key and body returns the ticket the first request "
            "registered, with status 200 and the header `Idempotent-Replayed: true`, and registers "
            "nothing; the first request gets 201. The same key sent by another user or with another "
            "body is refused with 409. Keys are at most 100 characters."
        ),
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        request=s.TicketCreateSerializer,
        responses={
            201: s.TicketSerializer,
            200: s.TicketSerializer,
            400: _ERROR,
            403: _FORBIDDEN,
            409: _KEY_REUSED,
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = s.TicketCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        ticket = services.register_ticket(
            actor=request.user,
            idempotency_key=request.headers.get("Idempotency-Key"),
            **serializer.validated_data,
        )
        response = Response(
            s.TicketSerializer(ticket, context=self.get_serializer_context()).data,
            status=status.HTTP_200_OK if ticket.is_replay else status.HTTP_201_CREATED,
        )
        if ticket.is_replay:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        summary="Dispatch to a person and/or a team",
        request=s.TicketAssignSerializer,
        responses={200: s.TicketSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._transition(services.assign_ticket, s.TicketAssignSerializer)

    @extend_schema(
        summary="Start work (the first response)",
        request=s.TicketNoteSerializer,
        responses={200: s.TicketSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(services.start_ticket, s.TicketNoteSerializer)

    @extend_schema(
        summary="Put on hold (stops the SLA clock); `reason` required",
        request=s.TicketReasonSerializer,
        responses={200: s.TicketSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        return self._transition(services.hold_ticket, s.TicketReasonSerializer)

    @extend_schema(
        summary="Resume work after a hold",
        request=s.TicketNoteSerializer,
        responses={200: s.TicketSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._transition(services.resume_ticket, s.TicketNoteSerializer)

    @extend_schema(
        summary="Resolve; schedules the callback (a complaint needs its `root_cause`)",
        request=s.TicketResolveSerializer,
        responses={200: s.TicketSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._transition(services.resolve_ticket, s.TicketResolveSerializer)

    @extend_schema(
        summary="Reopen a resolved ticket; `reason` required",
        request=s.TicketReasonSerializer,
        responses={200: s.TicketSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._transition(services.reopen_ticket, s.TicketReasonSerializer)

    @extend_schema(
        summary="Cancel a ticket not yet started; `reason` required",
        request=s.TicketReasonSerializer,
        responses={200: s.TicketSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._transition(services.cancel_ticket, s.TicketReasonSerializer)

    @extend_schema(
        summary="Close a resolved ticket (a complaint needs its `root_cause`)",
        request=s.TicketCloseSerializer,
        responses={200: s.TicketSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(services.close_ticket, s.TicketCloseSerializer)

    @extend_schema(
        summary="Record a reply that reached the reporter (call, SMS, letter, in person, portal message)",
        request=s.TicketReplySerializer,
        responses={
            201: s.TicketEventSerializer,
            400: _ERROR,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        ticket = self.get_object()
        serializer = s.TicketReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.reply_to_reporter(ticket=ticket, actor=request.user, **serializer.validated_data)
        return Response(s.TicketEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a complaint as major (the manager is told)",
        request=s.TicketNoteSerializer,
        responses={200: s.TicketSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="flag-major")
    def flag_major(self, request, pk=None):
        return self._transition(services.flag_major_complaint, s.TicketNoteSerializer)

    @extend_schema(
        summary="Link a second report of the same problem to this open ticket",
        description=(
            "Adds the caller as a co-reporter instead of registering a second ticket: they get their "
            "own callback when the ticket's callback is drawn, on their own phone. Send an "
            "`Idempotency-Key` header: a retry with the same key and body returns the first link "
            "(200, `Idempotent-Replayed: true`); the same key with another body is a 409."
        ),
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        request=s.LinkReportSerializer,
        responses={
            201: s.TicketCoReporterSerializer,
            200: s.TicketCoReporterSerializer,
            400: _ERROR,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: _CONFLICT,
        },
    )
    @action(detail=True, methods=["post"], url_path="link-report")
    def link_report(self, request, pk=None):
        ticket = self.get_object()
        values = self.parse(s.LinkReportSerializer)
        co_reporter = services.link_report(
            ticket=ticket,
            actor=request.user,
            person=values.get("reporter"),
            name=values["reporter_name"],
            phone=values["reporter_phone"],
            note=values["note"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        replay = getattr(co_reporter, "is_replay", False)
        response = self.respond(
            co_reporter,
            status_code=status.HTTP_200_OK if replay else status.HTTP_201_CREATED,
            serializer_class=s.TicketCoReporterSerializer,
        )
        if replay:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        summary="Open tickets that may be the same problem (same unit or place, same category, 7 days)",
        parameters=[s.PossibleDuplicatesQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, 400: _ERROR, 403: _FORBIDDEN},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="possible-duplicates",
        filterset_class=None,
        pagination_class=None,
    )
    def possible_duplicates(self, request):
        """At most ten tickets, newest first: a bounded list, not paginated."""
        if not access_for(request.user).is_staff_member:
            raise PermissionDenied
        query = s.PossibleDuplicatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tickets = selectors.possible_duplicates(
            user=request.user,
            category_id=query.validated_data["category"],
            unit_id=query.validated_data.get("unit"),
            public_location_id=query.validated_data.get("location"),
        )
        return Response({"results": selectors.duplicate_rows(tickets)})

    @extend_schema(
        summary="Add a comment (internal, or visible to the resident)",
        request=s.TicketCommentSerializer,
        responses={201: s.TicketEventSerializer, 400: _ERROR, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def comments(self, request, pk=None):
        ticket = self.get_object()
        event = services.add_comment(
            ticket=ticket, actor=request.user, **self.parse(s.TicketCommentSerializer)
        )
        return self.respond(
            event, status_code=status.HTTP_201_CREATED, serializer_class=s.TicketEventSerializer
        )

    @extend_schema(
        summary="Attach a photo or PDF (10 MB at most)",
        request={"multipart/form-data": s.TicketAttachmentUploadSerializer},
        responses={201: s.TicketAttachmentSerializer, 400: _ERROR, 404: _NOT_FOUND},
    )
    # A file comes as multipart only: the schema then shows the field as binary, not as a URI.
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        ticket = self.get_object()
        serializer = s.TicketAttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.add_attachment(
            ticket=ticket,
            actor=request.user,
            uploaded=serializer.validated_data["file"],
            is_internal=serializer.validated_data["is_internal"],
        )
        return Response(
            s.TicketAttachmentSerializer(attachment, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Download one photo or PDF of the ticket",
        responses={200: OpenApiTypes.BINARY, 404: _NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_pk>[0-9]+)",
        url_name="attachment-file",
    )
    def attachment_file(self, request, pk=None, attachment_pk=None):
        ticket = self.get_object()
        attachment = (
            TicketAttachment.objects.visible_to(request.user).filter(ticket=ticket, pk=attachment_pk).first()
        )
        if attachment is None:
            raise Http404(_("No such file."))
        return serve_private_file(
            attachment.file, content_type=attachment.content_type, download_name=attachment.original_name
        )

    @extend_schema(
        summary="The resident rates a resolved ticket (stands for the callback)",
        request=s.TicketRateSerializer,
        responses={200: s.CallbackSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        ticket = self.get_object()
        if ticket.reporter_id is None or ticket.reporter.user_id != request.user.pk:
            # Only the resident who reported it answers for it.
            return Response(
                {"detail": _("Only the resident who reported this request can rate it.")}, status=403
            )
        callback = services.rate_ticket(
            ticket=ticket, actor=request.user, **self.parse(s.TicketRateSerializer)
        )
        return self.respond(callback, serializer_class=s.CallbackSerializer)

    @extend_schema(
        summary="Monthly KPIs of one estate",
        parameters=[
            OpenApiParameter("estate", OpenApiTypes.INT, required=True),
            OpenApiParameter("month", OpenApiTypes.STR, required=True, description="YYYY-MM"),
            OpenApiParameter(
                "by",
                OpenApiTypes.STR,
                enum=["team", "assignee", "zone"],
                description="One row per team, staff member or zone, as `{by, results: [...]}`.",
            ),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: _ERROR,
            404: OpenApiResponse(description="No such estate."),
        },
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def metrics(self, request):
        """Rates are numbers from 0 to 1, or null when nothing is in the denominator; each is
        defined in the docstring of the function of the same name in `tickets.selectors`:
        `timely_handling_rate`, `success_rate`, `callback_rate`, `satisfaction_rate` and
        `complaints_replied_rate` (returned as `complaints_replied_within_72h_rate`).

        `computed_at` says when the figures were computed: a closed month is stored once computed
        (and refreshed during the first days of the next month), the current month is a snapshot
        at most `KPI_LIVE_MAX_AGE_SECONDS` (5 minutes by default) old."""
        query = s.TicketMetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        estate = Estate.objects.visible_to(request.user).filter(pk=query.validated_data["estate"]).first()
        if estate is None:
            raise Http404(_("No such estate."))
        month = query.validated_data["month"]
        by = query.validated_data.get("by")
        stored = services.monthly_ticket_metrics(estate=estate, month=month, by=by or "")
        computed_at = timezone.localtime(stored.computed_at).isoformat()
        if by:
            return Response(
                {"by": by, "computed_at": computed_at, "results": [row.as_dict() for row in stored.rows]}
            )
        return Response({**stored.metrics.as_dict(), "computed_at": computed_at})

    @extend_schema(
        summary="Suggest the category and team of a new request from its description",
        request=s.IntakeSuggestionQuerySerializer,
        responses={
            200: s.IntakeSuggestionSerializer,
            400: _ERROR,
            403: _FORBIDDEN,
            404: OpenApiResponse(description="No such estate within the user's reach."),
        },
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def suggest(self, request):
        """The three likeliest categories and teams, with a confidence from 0 to 1, and
        `suggestions`: each likely category with the team that handles it. `source` says whether
        they were learnt from the estate's finished tickets (`history`) or, while there are too
        few, matched on the categories' keywords (`keywords`). Nothing is written."""
        query = s.IntakeSuggestionQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        estate = Estate.objects.visible_to(request.user).filter(pk=query.validated_data["estate"]).first()
        if estate is None:
            raise Http404(_("No such estate."))
        result = selectors.intake_suggestions(estate=estate, description=query.validated_data["description"])
        return Response(result.as_dict())


@extend_schema_view(
    list=extend_schema(summary="Public locations of the estates within reach (filter ?estate=)")
)
class PublicLocationViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The places a public-area ticket can be about; managers keep the list in the admin."""

    queryset = PublicLocation.objects.active().order_by("estate_id", "sort_order", "name")
    serializer_class = s.PublicLocationSerializer
    permission_classes = [ActionPermission]
    other_actions_need: list[str] = []  # a reference list: anyone signed in (the portal's form too)
    filterset_fields = ["estate", "building"]


@extend_schema_view(list=extend_schema(summary="Root causes a complaint is closed with"))
class RootCauseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = RootCause.objects.filter(is_active=True)
    serializer_class = s.RootCauseSerializer
    permission_classes = [ActionPermission]
    other_actions_need: list[str] = []  # a reference list: anyone signed in
    pagination_class = None


@extend_schema_view(list=extend_schema(summary="Active ticket categories with their SLA targets"))
class TicketCategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = (
        TicketCategory.objects.filter(is_active=True)
        .prefetch_related("sla_targets")
        .order_by("sort_order", "code")
    )
    serializer_class = s.TicketCategorySerializer
    permission_classes = [ActionPermission]
    other_actions_need: list[str] = []  # a reference list: anyone signed in (the portal's form too)
    pagination_class = None
    filter_backends: list = []


@extend_schema_view(
    list=extend_schema(summary="Callbacks (`?ticket=`, `?due=true`, `?mine=true`, `?status=`)"),
    retrieve=extend_schema(summary="One callback", responses={200: s.CallbackSerializer, 404: _NOT_FOUND}),
)
class CallbackViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Callback.objects.select_related("ticket__unit", "ticket__reporter", "assigned_to").order_by(
        "next_attempt_at", "pk"
    )
    serializer_class = s.CallbackSerializer
    # Every resolution leaves a callback: as many rows as tickets, so no full count either.
    pagination_class = LightPagination
    permission_classes = [ActionPermission]
    action_permissions = {"record": ["tickets.record_callback"]}
    other_actions_need = ["tickets.view_callback"]
    filterset_class = CallbackFilter
    ordering_fields = ["due_at", "next_attempt_at", "completed_at"]

    @extend_schema(
        summary="Record a callback attempt",
        request=s.CallbackRecordSerializer,
        responses={200: s.CallbackSerializer, 400: _ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        callback = self.get_object()
        callback = services.record_callback(
            callback=callback, actor=request.user, **self.parse(s.CallbackRecordSerializer)
        )
        return self.respond(callback)
