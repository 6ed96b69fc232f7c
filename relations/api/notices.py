"""Notices and community events in the API.

`/api/notices/`: staff list (filters: estate, status, urgent, q), read, write (drafts), publish,
withdraw; residents list and read the current notices of their buildings (reading one records the
read receipt). `/api/community-events/`: staff list, read, write, publish, cancel and see the
sign-ups; residents list and read their events and sign up (or cancel) members of their household.
A refused transition is a 409, bad input a 400 naming the field, another estate's object a 404."""

from __future__ import annotations

from contextlib import contextmanager

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from relations.models import CommunityEvent, EventSignup, Notice
from relations.selectors import events as event_selectors
from relations.selectors import notices as notice_selectors
from relations.services import events as event_services
from relations.services import notices as notice_services
from relations.workflows import COMMUNITY_EVENT, NOTICE
from residents.models import Building, Estate
from servicecenter.api import (
    ActionPermission,
    ActionViewMixin,
    IdField,
    ReasonableDateField,
    ScopedQuerysetMixin,
)
from servicecenter.exceptions import DomainError
from servicecenter.parsers import StrictJSONParser
from servicecenter.scoping import access_for


def _estates(request):
    if request is None:
        return Estate.objects.none()
    return Estate.objects.visible_to(request.user).order_by("code")


class NoticeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=gettext_lazy("Title or text"))
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=gettext_lazy("Estate"))
    status = django_filters.ChoiceFilter(choices=Notice.Status.choices, label=gettext_lazy("Status"))
    is_urgent = django_filters.BooleanFilter(label=gettext_lazy("Urgent"))

    class Meta:
        model = Notice
        fields = ["q", "estate", "status", "is_urgent"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(title__icontains=value) if value else queryset


class CommunityEventFilter(django_filters.FilterSet):
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=gettext_lazy("Estate"))
    status = django_filters.ChoiceFilter(choices=CommunityEvent.Status.choices, label=gettext_lazy("Status"))

    class Meta:
        model = CommunityEvent
        fields = ["estate", "status"]


# --- shapes -------------------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    estate_code = serializers.CharField(source="estate.code", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    buildings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "estate",
            "estate_code",
            "buildings",
            "title",
            "body",
            "start_date",
            "end_date",
            "is_urgent",
            "status",
            "status_display",
            "published_at",
        ]
        read_only_fields = fields


class NoticeDetailSerializer(NoticeSerializer):
    """For staff: the read counts and the actions the user may take now."""

    readers = serializers.IntegerField(read_only=True)
    households_read = serializers.IntegerField(read_only=True)
    households = serializers.IntegerField(read_only=True)
    available_actions = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(NoticeSerializer.Meta):
        fields = [
            *NoticeSerializer.Meta.fields,
            "sms_sent_at",
            "readers",
            "households_read",
            "households",
            "available_actions",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class _Scoped(serializers.PrimaryKeyRelatedField):
    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.visible_to(request.user) if request else self.model.objects.none()


class NoticeWriteSerializer(serializers.Serializer):
    estate = _Scoped(Estate)
    buildings = serializers.ListField(child=IdField(), required=False, default=list, max_length=200)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=5000)
    start_date = ReasonableDateField()
    end_date = ReasonableDateField()
    is_urgent = serializers.BooleanField(required=False, default=False)


class NoticeUpdateSerializer(NoticeWriteSerializer):
    estate = None


class NoticeNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CommunityEventSerializer(serializers.ModelSerializer):
    estate_code = serializers.CharField(source="estate.code", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    buildings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    head_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CommunityEvent
        fields = [
            "id",
            "estate",
            "estate_code",
            "buildings",
            "title",
            "description",
            "place",
            "starts_at",
            "ends_at",
            "capacity",
            "signup_deadline",
            "head_count",
            "status",
            "status_display",
        ]
        read_only_fields = fields


class CommunityEventWriteSerializer(serializers.Serializer):
    estate = _Scoped(Estate)
    buildings = serializers.ListField(child=IdField(), required=False, default=list, max_length=200)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    signup_deadline = serializers.DateTimeField()
    capacity = serializers.IntegerField(min_value=1, max_value=10000)


class CommunityEventUpdateSerializer(CommunityEventWriteSerializer):
    estate = None


class EventSignupSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = EventSignup
        fields = ["id", "community_event", "person", "person_name", "unit", "unit_code", "created_at"]
        read_only_fields = fields


class SignupInputSerializer(serializers.Serializer):
    person = IdField(help_text=gettext_lazy("A member of the resident's household (their own person id)."))


# --- helpers ------------------------------------------------------------------------------------

FIELD_OF_CODE = {
    "end_before_start": "end_date",
    "building_not_in_estate": "buildings",
    "title_required": "title",
    "body_required": "body",
    "place_required": "place",
    "deadline_after_start": "signup_deadline",
    "capacity_invalid": "capacity",
    "capacity_below_signups": "capacity",
    "not_household": "person",
}


@contextmanager
def _refusals():
    try:
        yield
    except DomainError as error:
        field = FIELD_OF_CODE.get(error.code)
        if field is None or error.status_code != 400:
            raise
        raise ValidationError({field: [error.message]}, code=error.code) from None


def _buildings(ids, *, user) -> list[Building]:
    found = list(Building.objects.visible_to(user).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"buildings": [_("No such building.")]}, code="does_not_exist")
    return found


_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(description="The workflow does not allow this action now; `detail` says why.")
_NOT_FOUND = OpenApiResponse(description="No such object within the user's reach.")


# --- notices ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Notices (staff: filters estate, status, is_urgent, q; residents: current ones)"
    ),
    retrieve=extend_schema(
        summary="One notice (staff: with read counts and actions; a resident's read is recorded)",
        responses={200: NoticeDetailSerializer, 404: _NOT_FOUND},
    ),
)
class NoticeViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = (
        Notice.objects.select_related("estate").prefetch_related("buildings").order_by("-created_at", "-pk")
    )
    serializer_class = NoticeSerializer
    permission_classes = [ActionPermission]
    residents_may_read = True
    action_permissions = {
        "create": ["relations.add_notice"],
        "partial_update": ["relations.change_notice"],
        "publish": [NOTICE.action("publish").permission],
        "withdraw": [NOTICE.action("withdraw").permission],
    }
    filterset_class = NoticeFilter
    parser_classes = [StrictJSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_object(self):
        try:
            notice = self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (Notice.DoesNotExist, ValueError):
            raise Http404(_("No such notice.")) from None
        self.check_object_permissions(self.request, notice)
        return notice

    def _detail(self, notice: Notice, *, status_code: int = status.HTTP_200_OK) -> Response:
        notice = self.get_queryset().get(pk=notice.pk)
        if not access_for(self.request.user).is_staff_member:
            return Response(NoticeSerializer(notice).data, status=status_code)
        counts = notice_selectors.read_counts(notice)
        notice.readers, notice.households_read, notice.households = (
            counts.readers,
            counts.households_read,
            counts.households,
        )
        notice.available_actions = [a.name for a in NOTICE.available(notice, self.request.user)]
        return Response(NoticeDetailSerializer(notice).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        notice = self.get_object()
        if access_for(request.user).is_resident:
            notice_services.record_notice_read(notice=notice, user=request.user)
        return self._detail(notice)

    @extend_schema(
        summary="Write a draft notice",
        request=NoticeWriteSerializer,
        responses={201: NoticeDetailSerializer, 400: _ERROR},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(NoticeWriteSerializer)
        values["buildings"] = _buildings(values["buildings"], user=request.user)
        with _refusals():
            notice = notice_services.create_notice(actor=request.user, **values)
        return self._detail(notice, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a notice (all fields; a published one keeps its buildings and urgency)",
        request=NoticeUpdateSerializer,
        responses={200: NoticeDetailSerializer, 400: _ERROR, 404: _NOT_FOUND},
    )
    def partial_update(self, request, *args, **kwargs):
        notice = self.get_object()
        values = self.parse(NoticeUpdateSerializer)
        values["buildings"] = _buildings(values["buildings"], user=request.user)
        with _refusals():
            notice_services.update_notice(notice=notice, actor=request.user, **values)
        return self._detail(notice)

    def _act(self, service) -> Response:
        notice = self.get_object()
        values = self.parse(NoticeNoteSerializer)
        with _refusals():
            service(notice=notice, actor=self.request.user, **values)
        return self._detail(notice)

    @extend_schema(
        summary="Publish a draft (urgent: SMS to the targeted residents)",
        request=NoticeNoteSerializer,
        responses={200: NoticeDetailSerializer, 400: _ERROR, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._act(notice_services.publish_notice)

    @extend_schema(
        summary="Withdraw a published notice",
        request=NoticeNoteSerializer,
        responses={200: NoticeDetailSerializer, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(notice_services.withdraw_notice)


# --- community events -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Community events (staff: filters estate, status; residents: their open events)"
    ),
    retrieve=extend_schema(summary="One community event with its head count", responses={404: _NOT_FOUND}),
)
class CommunityEventViewSet(
    ActionViewMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = (
        CommunityEvent.objects.select_related("estate")
        .prefetch_related("buildings")
        .order_by("-starts_at", "-pk")
    )
    serializer_class = CommunityEventSerializer
    permission_classes = [ActionPermission]
    residents_may_read = True
    action_permissions = {
        "create": ["relations.add_communityevent"],
        "partial_update": ["relations.change_communityevent"],
        "publish": [COMMUNITY_EVENT.action("publish").permission],
        "cancel": [COMMUNITY_EVENT.action("cancel").permission],
        "signups": ["relations.view_eventsignup"],
        # Residents only (checked in the view): the household's own members.
        "sign_up": [],
        "cancel_sign_up": [],
    }
    filterset_class = CommunityEventFilter
    parser_classes = [StrictJSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return event_selectors._with_head_count(super().get_queryset())

    def get_object(self):
        try:
            event = self.get_queryset().get(pk=int(self.kwargs["pk"]))
        except (CommunityEvent.DoesNotExist, ValueError):
            raise Http404(_("No such event.")) from None
        self.check_object_permissions(self.request, event)
        return event

    def _detail(self, event, *, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(
            CommunityEventSerializer(self.get_queryset().get(pk=event.pk)).data, status=status_code
        )

    @extend_schema(
        summary="Create a draft event",
        request=CommunityEventWriteSerializer,
        responses={201: CommunityEventSerializer, 400: _ERROR},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(CommunityEventWriteSerializer)
        values["buildings"] = _buildings(values["buildings"], user=request.user)
        with _refusals():
            event = event_services.create_event(actor=request.user, **values)
        return self._detail(event, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit an event (all fields)",
        request=CommunityEventUpdateSerializer,
        responses={200: CommunityEventSerializer, 400: _ERROR, 404: _NOT_FOUND},
    )
    def partial_update(self, request, *args, **kwargs):
        event = self.get_object()
        values = self.parse(CommunityEventUpdateSerializer)
        values["buildings"] = _buildings(values["buildings"], user=request.user)
        with _refusals():
            event_services.update_event(event=event, actor=request.user, **values)
        return self._detail(event)

    def _act(self, service) -> Response:
        event = self.get_object()
        values = self.parse(NoticeNoteSerializer)
        with _refusals():
            service(event=event, actor=self.request.user, **values)
        return self._detail(event)

    @extend_schema(
        summary="Publish a draft event",
        request=NoticeNoteSerializer,
        responses={200: CommunityEventSerializer, 400: _ERROR, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._act(event_services.publish_event)

    @extend_schema(
        summary="Cancel the event",
        request=NoticeNoteSerializer,
        responses={200: CommunityEventSerializer, 404: _NOT_FOUND, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(event_services.cancel_event)

    @extend_schema(summary="The event's sign-ups (staff)", responses={200: EventSignupSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def signups(self, request, pk=None):
        event = self.get_object()
        rows = event_selectors.signups_of_event(event)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(EventSignupSerializer(page, many=True).data)

    def _household_member(self):
        if not access_for(self.request.user).is_resident or access_for(self.request.user).is_staff_member:
            raise PermissionDenied(_("Only residents sign up for community events."))
        event = self.get_object()
        values = self.parse(SignupInputSerializer)
        today = timezone.localdate()
        person = (
            event_selectors.household_members(self.request.user, today=today)
            .filter(pk=values["person"])
            .first()
        )
        if person is None:
            raise ValidationError({"person": [_("No such member of your household.")]}, code="not_household")
        return event, person

    @extend_schema(
        summary="Sign up a household member (once each, within the places, before the deadline)",
        request=SignupInputSerializer,
        responses={
            201: EventSignupSerializer,
            400: _ERROR,
            403: OpenApiResponse(description="Staff"),
            404: _NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], url_path="sign-up")
    def sign_up(self, request, pk=None):
        event, person = self._household_member()
        with _refusals():
            signup = event_services.sign_up(event=event, person=person, user=request.user)
        return Response(EventSignupSerializer(signup).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take a household member off the list (before the deadline)",
        request=SignupInputSerializer,
        responses={200: EventSignupSerializer, 400: _ERROR, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="cancel-sign-up")
    def cancel_sign_up(self, request, pk=None):
        event, person = self._household_member()
        with _refusals():
            signup = event_services.cancel_signup(event=event, person=person, user=request.user)
        return Response(EventSignupSerializer(signup).data)
