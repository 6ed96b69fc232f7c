"""Surveys on fixed data for the survey tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from relations.models import Survey, SurveyTemplate
from relations.services import surveys as services
from relations.survey_defaults import QUARTERLY_CODE, ensure_default_survey_templates


def template() -> SurveyTemplate:
    ensure_default_survey_templates()
    return SurveyTemplate.objects.get(code=QUARTERLY_CODE)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def open_survey(
    estate, manager, *, opens_on=None, closes_on=None, questions=None, use_template=False
) -> Survey:
    today = timezone.localdate()
    opens_on = opens_on or today - timedelta(days=1)
    closes_on = closes_on or today + timedelta(days=14)
    survey = services.create_survey(
        estate=estate,
        actor=manager,
        template=template() if use_template else None,
        title="" if use_template else "满意度调查",
        opens_on=opens_on,
        closes_on=closes_on,
        questions=None
        if use_template
        else (
            questions
            or [
                {"kind": "scale", "text": "维修服务"},
                {"kind": "scale", "text": "保洁服务"},
                {"kind": "text", "text": "意见和建议", "is_required": False},
            ]
        ),
        now=at(opens_on, 8) - timedelta(days=1),
    )
    return services.open_survey(survey=survey, actor=manager, now=at(opens_on, 9))


def answers(survey: Survey, *scores, text: str = "") -> dict:
    questions = list(survey.questions.order_by("position"))
    result = {}
    for question, score in zip([q for q in questions if q.is_scale], scores, strict=False):
        result[question.pk] = score
    for question in questions:
        if not question.is_scale and text:
            result[question.pk] = text
    return result
