"""Training log API: sessions (list, read, log one with its materials) and attendance with scores."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from residents.models import Estate
from servicecenter.api import ActionPermission, IdField
from servicecenter.parsers import StrictJSONParser
from servicecenter.uploads import UploadField
from staff import selectors_training, services_training
from staff.models import TrainingAttendance, TrainingSession

User = get_user_model()
_NOT_FOUND = OpenApiResponse(description="No such session within the user's reach.")


class TrainingAttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingAttendance
        fields = ["id", "user", "attended", "score", "note", "recorded_at"]


class TrainingSessionSerializer(serializers.ModelSerializer):
    trainer_label = serializers.CharField(read_only=True)
    has_materials_file = serializers.SerializerMethodField()
    attendee_count = serializers.IntegerField(read_only=True)
    average_score = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "estate",
            "topic",
            "session_date",
            "trainer",
            "trainer_name",
            "trainer_label",
            "materials_url",
            "has_materials_file",
            "attendee_count",
            "average_score",
            "created_at",
        ]

    def get_has_materials_file(self, obj) -> bool:
        return bool(obj.materials_file)


class TrainingSessionDetailSerializer(TrainingSessionSerializer):
    attendances = serializers.SerializerMethodField()

    class Meta(TrainingSessionSerializer.Meta):
        fields = [*TrainingSessionSerializer.Meta.fields, "attendances"]

    def get_attendances(self, obj) -> list[dict]:
        return TrainingAttendanceSerializer(self.context["attendances"], many=True).data


class TrainingSessionFieldsSerializer(serializers.Serializer):
    estate = IdField()
    topic = serializers.CharField(max_length=200)
    session_date = serializers.DateField()
    trainer = IdField(required=False, allow_null=True)
    trainer_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    # A link to materials kept elsewhere (checked as a URL; typed as text so that no client takes it
    # for a file sent by reference).
    materials_url = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", validators=[URLValidator()]
    )


class TrainingSessionInputSerializer(TrainingSessionFieldsSerializer):
    """With a materials file: a multipart body (a JSON body cannot carry a file)."""

    materials = UploadField(required=False)


class AttendanceInputSerializer(serializers.Serializer):
    user = IdField()
    attended = serializers.BooleanField(default=True)
    score = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(summary="Training sessions (all of one's estates, or those one attended or gave)"),
    retrieve=extend_schema(
        summary="One training session with its attendance",
        responses={200: TrainingSessionDetailSerializer, 404: _NOT_FOUND},
    ),
)
class TrainingSessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ActionPermission]
    action_permissions = {
        "list": ["staff.view_trainingattendance"],
        "retrieve": ["staff.view_trainingattendance"],
        "create": ["staff.add_trainingsession"],
        "attendance": ["staff.add_trainingattendance"],
    }
    serializer_class = TrainingSessionSerializer
    parser_classes = [StrictJSONParser, MultiPartParser, FormParser]
    filterset_fields = ["estate"]

    queryset = TrainingSession.objects.none()  # for the schema; requests use the selector

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors_training.sessions_for_list(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        session = self.get_object()
        attendances = [
            line.attendance
            for line in selectors_training.attendance_grid(session=session, user=request.user)
            if line.attendance is not None
        ]
        data = TrainingSessionDetailSerializer(session, context={"attendances": attendances}).data
        return Response(data)

    @extend_schema(
        summary="Log a training session (multipart for a materials file)",
        request={
            "application/json": TrainingSessionFieldsSerializer,
            "multipart/form-data": TrainingSessionInputSerializer,
        },
        responses={201: TrainingSessionSerializer, 400: OpenApiResponse(description="Invalid input.")},
    )
    def create(self, request):
        data = TrainingSessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        estate = Estate.objects.visible_to(request.user).filter(pk=values["estate"]).first()
        if estate is None:
            raise serializers.ValidationError({"estate": [_("No such estate.")]})
        trainer = User.objects.filter(pk=values["trainer"]).first() if values.get("trainer") else None
        session = services_training.create_training_session(
            estate=estate,
            topic=values["topic"],
            session_date=values["session_date"],
            trainer=trainer,
            trainer_name=values["trainer_name"],
            materials=values.get("materials"),
            materials_url=values["materials_url"],
            actor=request.user,
        )
        session = self.get_queryset().get(pk=session.pk)
        return Response(TrainingSessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record one person's attendance and score",
        request=AttendanceInputSerializer,
        responses={200: TrainingAttendanceSerializer, 400: OpenApiResponse(description="Invalid input.")},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def attendance(self, request, pk=None):
        session = self.get_object()
        data = AttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = User.objects.filter(pk=values["user"]).first()
        if person is None:
            raise serializers.ValidationError({"user": [_("No such staff member.")]})
        attendance = services_training.record_training_attendance(
            session=session,
            user=person,
            attended=values["attended"],
            score=values.get("score"),
            note=values["note"],
            actor=request.user,
        )
        return Response(TrainingAttendanceSerializer(attendance).data)
