"""Satisfaction surveys in the API.

`/api/surveys/` (staff): the list (filters: estate, status), one survey with its questions and
timeline, a draft built from a template or from questions, a draft's changes (questions replaced
as a whole), `open`, `close` and `results` (per question, per building and the comparison with the
template's earlier periods). `/api/survey-templates/`: the templates to build from.
`/api/resident-surveys/` (residents): the surveys they may answer today and `answer`, once each.

A transition the workflow refuses is a 409, bad input a 400 naming the field, a missing
permission a 403, another estate's survey a 404."""

from __future__ import annotations

from contextlib import contextmanager

import django_filters
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from relations.models import (
    QuestionKind,
    Survey,
    SurveyEvent,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)
from relations.selectors import surveys as selectors
from relations.services import surveys as services
from relations.workflows_surveys import SURVEY
from residents.models import Estate, Unit
from servicecenter.api import ActionPermission, ActionViewMixin, IdField, ReasonableDateField
from servicecenter.exceptions import DomainError
from servicecenter.parsers import StrictJSONParser
from servicecenter.scoping import access_for


def _estates(request):
    if request is None:
        return Estate.objects.none()
    return Estate.objects.visible_to(request.user).order_by("code")


class SurveyFilter(django_filters.FilterSet):
    estate = django_filters.ModelChoiceFilter(queryset=_estates, label=gettext_lazy("Estate"))
    status = django_filters.ChoiceFilter(choices=Survey.Status.choices, label=gettext_lazy("Status"))

    class Meta:
        model = Survey
        fields = ["estate", "status"]


# --- shapes -------------------------------------------------------------------------------------


class SurveyQuestionSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = SurveyQuestion
        fields = ["id", "position", "kind", "text", "text_en", "label", "is_required"]
        read_only_fields = fields


class SurveyTemplateQuestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    text = serializers.CharField()
    text_en = serializers.CharField()
    is_required = serializers.BooleanField()


class SurveyTemplateSerializer(serializers.ModelSerializer):
    questions = SurveyTemplateQuestionOut(many=True, read_only=True)

    class Meta:
        model = SurveyTemplate
        fields = ["id", "code", "title", "title_en", "intro", "intro_en", "is_active", "questions"]
        read_only_fields = fields


class SurveySerializer(serializers.ModelSerializer):
    estate_code = serializers.CharField(source="estate.code", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "estate",
            "estate_code",
            "template",
            "title",
            "title_en",
            "opens_on",
            "closes_on",
            "status",
            "status_display",
            "opened_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields


class SurveyEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = SurveyEvent
        fields = ["action", "from_status", "to_status", "actor_name", "note", "created_at"]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        actor = event.actor
        return (actor.get_full_name() or actor.get_username()) if actor else ""


class SurveyDetailSerializer(SurveySerializer):
    questions = SurveyQuestionSerializer(many=True, read_only=True)
    events = SurveyEventSerializer(many=True, read_only=True)
    available_actions = serializers.SerializerMethodField()

    class Meta(SurveySerializer.Meta):
        fields = [
            *SurveySerializer.Meta.fields,
            "intro",
            "intro_en",
            "questions",
            "events",
            "available_actions",
        ]
        read_only_fields = fields

    def get_available_actions(self, survey) -> list[str]:
        return [a.name for a in self.context.get("available_actions", [])]


class SurveyQuestionInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    text = serializers.CharField(max_length=300)
    text_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    is_required = serializers.BooleanField(required=False, default=True)


@extend_schema_field(OpenApiTypes.INT)
class _ScopedEstate(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        return Estate.objects.visible_to(request.user) if request else Estate.objects.none()


class SurveyCreateInput(serializers.Serializer):
    estate = _ScopedEstate()
    template = serializers.PrimaryKeyRelatedField(
        queryset=SurveyTemplate.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    intro = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    intro_en = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    opens_on = ReasonableDateField()
    closes_on = ReasonableDateField()
    questions = SurveyQuestionInput(
        many=True, required=False, default=list, max_length=services.QUESTIONS_MAX
    )

    def validate(self, attrs):
        if attrs.get("template") is None and not attrs.get("questions"):
            raise ValidationError({"questions": [_("Choose a template or give the questions.")]})
        return attrs


class SurveyUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    intro = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    intro_en = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    opens_on = ReasonableDateField(required=False)
    closes_on = ReasonableDateField(required=False)
    questions = SurveyQuestionInput(many=True, required=False, max_length=services.QUESTIONS_MAX)


class SurveyNoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ScoreShare(serializers.Serializer):
    score = serializers.IntegerField()
    count = serializers.IntegerField()
    percent = serializers.IntegerField()


class QuestionResultOut(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    position = serializers.IntegerField(source="question.position")
    kind = serializers.CharField(source="question.kind")
    text = serializers.CharField(source="question.label")
    count = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    distribution = serializers.SerializerMethodField()
    texts = serializers.ListField(child=serializers.CharField())

    def get_distribution(self, result) -> list[dict]:
        return [{"score": s, "count": n, "percent": p} for s, n, p in result.distribution_rows]


class BuildingResultOut(serializers.Serializer):
    building = serializers.IntegerField(source="building_id")
    name = serializers.CharField(source="building")
    respondents = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)


class PeriodOut(serializers.Serializer):
    survey = serializers.IntegerField(source="survey.pk")
    title = serializers.CharField(source="survey.label")
    opens_on = serializers.DateField(source="survey.opens_on")
    closes_on = serializers.DateField(source="survey.closes_on")
    respondents = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)


class ComparisonRowOut(serializers.Serializer):
    text = serializers.CharField()
    means = serializers.ListField(
        child=serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    )


class ComparisonOut(serializers.Serializer):
    periods = PeriodOut(many=True)
    rows = ComparisonRowOut(many=True)


class SurveyResultsOut(serializers.Serializer):
    survey = serializers.IntegerField(source="survey.pk")
    respondents = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    questions = QuestionResultOut(many=True)
    buildings = BuildingResultOut(many=True)
    comparison = ComparisonOut(allow_null=True)


class ResidentSurveySerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="label", read_only=True)
    intro = serializers.CharField(source="intro_label", read_only=True)
    answered = serializers.BooleanField(read_only=True)
    questions = SurveyQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Survey
        fields = ["id", "title", "intro", "opens_on", "closes_on", "answered", "questions"]
        read_only_fields = fields


class AnswerInput(serializers.Serializer):
    question = IdField()
    score = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=5)
    text = serializers.CharField(max_length=services.TEXT_MAX, required=False, allow_blank=True, default="")


class SurveyAnswerInput(serializers.Serializer):
    unit = IdField(help_text=gettext_lazy("The unit you live in, in the survey's estate."))
    answers = AnswerInput(many=True, max_length=services.QUESTIONS_MAX)


class SurveyAnswerOut(serializers.Serializer):
    survey = serializers.IntegerField(source="survey_id")
    unit = serializers.IntegerField(source="unit_id")
    submitted_at = serializers.DateTimeField()


# --- refusals -----------------------------------------------------------------------------------

_ERROR = OpenApiResponse(description="Bad input; field errors in the request's language.")
_CONFLICT = OpenApiResponse(description="The workflow does not allow this action now; `detail` says why.")
_NOT_FOUND = OpenApiResponse(description="No such survey within the user's reach.")

FIELD_OF_CODE = {
    "period_required": "opens_on",
    "invalid_period": "closes_on",
    "title_required": "title",
    "template_inactive": "template",
    "invalid_kind": "questions",
    "question_text": "questions",
    "too_many_questions": "questions",
    "not_occupant": "unit",
    "unknown_question": "answers",
    "answer_required": "answers",
    "invalid_score": "answers",
    "answer_too_long": "answers",
}
CONFLICT_CODES = {"survey_not_draft", "survey_not_open", "already_answered", "survey_without_questions"}


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT


@contextmanager
def _refusals():
    try:
        yield
    except DomainError as error:
        if error.code in CONFLICT_CODES and error.status_code == 400:
            raise Conflict(error.message, code=error.code) from None
        field = FIELD_OF_CODE.get(error.code)
        if field is None or error.status_code != 400:
            raise
        raise ValidationError({field: [error.message]}, code=error.code) from None


# --- staff --------------------------------------------------------------------------------------


def _detail_queryset():
    return Survey.objects.select_related("estate").prefetch_related("questions", "events__actor")


@extend_schema_view(
    list=extend_schema(summary="Satisfaction surveys (filters: estate, status)"),
    retrieve=extend_schema(
        summary="One survey with its questions, timeline and the actions available to the user",
        responses={200: SurveyDetailSerializer, 404: _NOT_FOUND},
    ),
)
class SurveyViewSet(
    ActionViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Survey.objects.select_related("estate").order_by("-opens_on", "-pk")
    serializer_class = SurveySerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "list": ["relations.view_survey"],
        "retrieve": ["relations.view_survey"],
        "create": [services.ADD],
        "partial_update": [services.CHANGE],
        "open": [SURVEY.action("open").permission],
        "close": [SURVEY.action("close").permission],
        "results": ["relations.view_survey", "relations.view_survey_results"],
    }
    filterset_class = SurveyFilter
    parser_classes = [StrictJSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_object(self):
        try:
            survey = Survey.objects.visible_to(self.request.user).get(pk=int(self.kwargs["pk"]))
        except (Survey.DoesNotExist, ValueError):
            raise Http404(_("No such survey.")) from None
        self.check_object_permissions(self.request, survey)
        return survey

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _detail(self, survey: Survey, *, status_code: int = status.HTTP_200_OK) -> Response:
        survey = _detail_queryset().get(pk=survey.pk)
        context = {
            **self.get_serializer_context(),
            "available_actions": SURVEY.available(survey, self.request.user),
        }
        return Response(SurveyDetailSerializer(survey, context=context).data, status=status_code)

    @extend_schema(
        summary="Build a draft survey from a template (its questions) or from the questions given",
        request=SurveyCreateInput,
        responses={201: SurveyDetailSerializer, 400: _ERROR},
    )
    def create(self, request, *args, **kwargs):
        values = self.parse(SurveyCreateInput)
        with _refusals():
            survey = services.create_survey(actor=request.user, **values)
        return self._detail(survey, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft (title, introduction, period; `questions` replaces them all)",
        request=SurveyUpdateInput,
        responses={200: SurveyDetailSerializer, 400: _ERROR, 409: _CONFLICT},
    )
    def partial_update(self, request, *args, **kwargs):
        survey = self.get_object()
        values = self.parse(SurveyUpdateInput)
        questions = values.pop("questions", None)
        with _refusals():
            if values or questions is None:
                services.update_survey(survey=survey, actor=request.user, **values)
            if questions is not None:
                services.set_survey_questions(survey=survey, actor=request.user, questions=questions)
        return self._detail(survey)

    def _act(self, service) -> Response:
        survey = self.get_object()
        values = self.parse(SurveyNoteInput)
        with _refusals():
            service(survey=survey, actor=self.request.user, **values)
        return self._detail(survey)

    @extend_schema(
        summary="Open the survey to the estate's residents",
        request=SurveyNoteInput,
        responses={200: SurveyDetailSerializer, 400: _ERROR, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._act(services.open_survey)

    @extend_schema(
        summary="Close the survey: no more answers",
        request=SurveyNoteInput,
        responses={200: SurveyDetailSerializer, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(services.close_survey)

    @extend_schema(
        summary="Results: per question (count, mean, 1–5 distribution, free text), per building, per period",
        responses={200: SurveyResultsOut, 404: _NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        survey = self.get_object()
        results = selectors.survey_results(survey)
        data = {
            "survey": survey,
            "respondents": results.respondents,
            "mean": results.mean,
            "questions": results.questions,
            "buildings": results.buildings,
            "comparison": selectors.survey_comparison(survey),
        }
        return Response(SurveyResultsOut(data).data)


@extend_schema_view(
    list=extend_schema(summary="Survey templates"),
    retrieve=extend_schema(summary="One survey template with its questions"),
)
class SurveyTemplateViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SurveyTemplate.objects.prefetch_related("questions").order_by("code")
    serializer_class = SurveyTemplateSerializer
    permission_classes = [ActionPermission]
    action_permissions = {
        "list": ["relations.view_surveytemplate"],
        "retrieve": ["relations.view_surveytemplate"],
    }


# --- residents ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The surveys you may answer today, with whether you have answered"),
    retrieve=extend_schema(summary="One survey you may answer, with its questions"),
)
class ResidentSurveyViewSet(
    ActionViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ResidentSurveySerializer
    permission_classes = [ActionPermission]
    action_permissions = {"list": [], "retrieve": [], "answer": []}
    parser_classes = [StrictJSONParser]
    http_method_names = ["get", "post", "head", "options"]
    queryset = Survey.objects.none()

    def check_permissions(self, request):
        super().check_permissions(request)
        if not access_for(request.user).is_resident:
            raise PermissionDenied(_("Surveys are answered by residents, on the portal."))

    def get_queryset(self):
        user = self.request.user
        return (
            Survey.objects.visible_to(user)
            .answerable(timezone.localdate())
            .annotate(
                answered=Exists(SurveyResponse.objects.filter(survey=OuterRef("pk"), person__user=user))
            )
            .prefetch_related("questions")
            .order_by("closes_on", "pk")
        )

    @extend_schema(
        summary="Answer the survey, once (scores 1–5 for scale questions, text for the others)",
        request=SurveyAnswerInput,
        responses={
            201: SurveyAnswerOut,
            400: _ERROR,
            404: _NOT_FOUND,
            409: OpenApiResponse(description="Already answered, or no longer open."),
        },
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        survey = self.get_object()
        values = self.parse(SurveyAnswerInput)
        unit = Unit.objects.visible_to(request.user).filter(pk=values["unit"]).first()
        if unit is None:
            raise ValidationError(
                {"unit": [_("You can answer only for a unit you live in, in this estate.")]}
            )
        answers = {}
        for row in values["answers"]:
            if row["question"] in answers:
                raise ValidationError({"answers": [_("Answer each question once.")]})
            answers[row["question"]] = row["score"] if row["score"] is not None else row["text"]
        with _refusals():
            response = services.answer_survey(survey=survey, user=request.user, unit=unit, answers=answers)
        return Response(SurveyAnswerOut(response).data, status=status.HTTP_201_CREATED)
