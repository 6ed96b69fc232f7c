"""Reads of satisfaction surveys: the desk's list, a survey's results (per question, per building),
the comparison across periods of one template, the portal's open surveys and the dashboard's
`survey_score`. Every figure is an aggregate computed in the database, in a fixed number of
queries whatever the number of answers."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from relations.models import QuestionKind, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from relations.models.surveys import SCORES, resident_estate_ids
from residents.models import Occupancy

TEXT_ANSWERS_SHOWN = 200
TWO_PLACES = Decimal("0.01")


def _mean(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def desk_surveys(user, *, estate=None, status: str = ""):
    """The surveys the user may read, newest period first, with their number of responses."""
    surveys = Survey.objects.visible_to(user).select_related("estate", "template")
    if estate is not None:
        surveys = surveys.filter(estate=estate)
    if status:
        surveys = surveys.filter(status=status)
    return surveys.annotate(response_count=Count("responses")).order_by("-opens_on", "-pk")


# --- one survey's results -------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: SurveyQuestion
    count: int = 0
    mean: Decimal | None = None
    # score → how many gave it, 1 to 5
    distribution: dict[int, int] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)

    @property
    def distribution_rows(self) -> list[tuple[int, int, int]]:
        """(score, count, percent of this question's answers)."""
        return [
            (score, n, round(100 * n / self.count) if self.count else 0)
            for score, n in sorted(self.distribution.items())
        ]


@dataclass
class BuildingResult:
    building_id: int
    building: str
    respondents: int
    mean: Decimal | None


@dataclass
class SurveyResults:
    survey: Survey
    respondents: int
    mean: Decimal | None  # of every scale answer
    questions: list[QuestionResult]
    buildings: list[BuildingResult]


def _distribution_aggregates() -> dict:
    return {f"score_{s}": Count("pk", filter=Q(score=s)) for s in SCORES}


def survey_results(survey: Survey) -> SurveyResults:
    """Per question: the number of answers, the mean and the distribution of 1–5 (scale) or the
    latest answers (free text, at most TEXT_ANSWERS_SHOWN per question); per building: the
    respondents and the mean of their scale answers. Five queries."""
    questions = list(survey.questions.order_by("position", "pk"))
    per_question = {
        row["question_id"]: row
        for row in SurveyAnswer.objects.filter(question__survey=survey)
        .values("question_id")
        .annotate(n=Count("pk"), mean=Avg("score"), **_distribution_aggregates())
    }
    texts: dict[int, list[str]] = {}
    # The latest answers of each free-text question, ranked in the database so one query bounds them all.
    text_rows = (
        SurveyAnswer.objects.filter(question__survey=survey, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("question_id")],
                order_by=[F("response__submitted_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=TEXT_ANSWERS_SHOWN)
        .order_by("question_id", "rank")
        .values_list("question_id", "text")
    )
    for question_id, text in text_rows:
        texts.setdefault(question_id, []).append(text)
    results = []
    for question in questions:
        row = per_question.get(question.pk, {})
        result = QuestionResult(question=question, count=row.get("n", 0))
        if question.is_scale:
            result.mean = _mean(row.get("mean"))
            result.distribution = {s: row.get(f"score_{s}", 0) for s in SCORES}
        else:
            result.texts = texts.get(question.pk, [])
        results.append(result)
    overall = SurveyAnswer.objects.filter(question__survey=survey, score__isnull=False).aggregate(
        mean=Avg("score")
    )["mean"]
    buildings = [
        BuildingResult(
            building_id=row["response__unit__building_id"],
            building=row["response__unit__building__name"] or row["response__unit__building__code"],
            respondents=row["respondents"],
            mean=_mean(row["mean"]),
        )
        for row in SurveyAnswer.objects.filter(question__survey=survey)
        .values(
            "response__unit__building_id", "response__unit__building__name", "response__unit__building__code"
        )
        .annotate(respondents=Count("response", distinct=True), mean=Avg("score"))
        .order_by("response__unit__building__code")
    ]
    return SurveyResults(
        survey=survey,
        respondents=survey.responses.count(),
        mean=_mean(overall),
        questions=results,
        buildings=buildings,
    )


# --- comparison across periods ----------------------------------------------------------------------


@dataclass
class PeriodColumn:
    survey: Survey
    respondents: int
    mean: Decimal | None


@dataclass
class ComparisonRow:
    text: str
    means: list[Decimal | None]


@dataclass
class Comparison:
    periods: list[PeriodColumn]
    rows: list[ComparisonRow]


def survey_comparison(survey: Survey, *, periods: int = 8) -> Comparison | None:
    """The same estate's surveys of the same template (the last `periods` that were opened, this
    one included), oldest first: per period the respondents and mean score, per template question
    its mean in each period. None for a survey built without a template. Four queries."""
    if survey.template_id is None:
        return None
    surveys = list(
        Survey.objects.filter(estate_id=survey.estate_id, template_id=survey.template_id)
        .filter(Q(status__in=[Survey.Status.OPEN, Survey.Status.CLOSED]) | Q(pk=survey.pk))
        .annotate(respondents=Count("responses"))
        .order_by("-opens_on", "-pk")[:periods]
    )
    surveys.reverse()
    ids = [s.pk for s in surveys]
    overall = {
        row["question__survey_id"]: row["mean"]
        for row in SurveyAnswer.objects.filter(question__survey_id__in=ids, score__isnull=False)
        .values("question__survey_id")
        .annotate(mean=Avg("score"))
    }
    cells = {
        (row["question__survey_id"], row["question__template_question_id"]): row["mean"]
        for row in SurveyAnswer.objects.filter(
            question__survey_id__in=ids, score__isnull=False, question__template_question__isnull=False
        )
        .values("question__survey_id", "question__template_question_id")
        .annotate(mean=Avg("score"))
    }
    template_questions = list(
        survey.template.questions.filter(kind=QuestionKind.SCALE).order_by("position", "pk")
    )
    return Comparison(
        periods=[PeriodColumn(s, s.respondents, _mean(overall.get(s.pk))) for s in surveys],
        rows=[
            ComparisonRow(q.label, [_mean(cells.get((s.pk, q.pk))) for s in surveys])
            for q in template_questions
        ],
    )


# --- the dashboard's figure -------------------------------------------------------------------------


def survey_score(estate_id: int, month: date) -> Decimal | None:
    """The satisfaction survey score of an estate for a month (the KPI 满意度调查得分).

    Definition: the mean of every 1–5 scale answer given to the estate's surveys that were open
    during the month: surveys that have been opened (status open or closed, never a draft) and
    whose period (opens_on … closes_on) overlaps the calendar month of `month` (any day of it).
    Every answer of such a survey counts, whenever it was given; free-text answers do not count.
    Rounded to two places (ROUND_HALF_UP), between 1 and 5; None when there is no such answer.
    One query."""
    first = month.replace(day=1)
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    mean = SurveyAnswer.objects.filter(
        question__survey__estate_id=estate_id,
        question__survey__status__in=[Survey.Status.OPEN, Survey.Status.CLOSED],
        question__survey__opens_on__lte=last,
        question__survey__closes_on__gte=first,
        score__isnull=False,
    ).aggregate(mean=Avg("score"))["mean"]
    return _mean(mean)


# --- the portal ---------------------------------------------------------------------------------------


@dataclass
class OpenSurvey:
    survey: Survey
    unit: object  # the resident's unit in the survey's estate (the first by code)
    answered: bool


def open_surveys_of_resident_estates(user, *, today: date) -> QuerySet[Survey]:
    """The surveys answerable today in the estates of the units the user occupies."""
    return Survey.objects.answerable(today).filter(estate_id__in=resident_estate_ids(user))


def open_surveys_for_resident(user, *, today: date) -> list[OpenSurvey]:
    """The surveys a resident may answer today, for the estates of the units they occupy, each
    with the unit to answer as and whether they have answered. Two queries."""
    surveys = list(
        open_surveys_of_resident_estates(user, today=today)
        .annotate(answered=Exists(SurveyResponse.objects.filter(survey=OuterRef("pk"), person__user=user)))
        .order_by("closes_on", "pk")
    )
    if not surveys:
        return []
    units: dict[int, object] = {}
    for occupancy in (
        Occupancy.objects.current(today)
        .filter(person__user=user)
        .select_related("unit")
        .order_by("unit__code")
    ):
        units.setdefault(occupancy.unit.estate_id, occupancy.unit)
    return [OpenSurvey(s, units[s.estate_id], s.answered) for s in surveys if s.estate_id in units]


def has_answered(survey: Survey, user) -> bool:
    return SurveyResponse.objects.filter(survey=survey, person__user=user).exists()
