"""Writes of satisfaction surveys: build a survey (from a template), edit its questions while it
is a draft, open and close it (the workflow in `relations.workflows_surveys`), and a resident's
answers, once per person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relations.models import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)
from relations.workflows_surveys import SURVEY
from residents.models import Estate, Occupancy, Unit
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for

ADD = "relations.add_survey"
CHANGE = "relations.change_survey"
TEXT_MAX = 2000
QUESTIONS_MAX = 50


@dataclass(frozen=True)
class QuestionInput:
    kind: str
    text: str
    text_en: str = ""
    is_required: bool = True


def _require_estate(actor, estate_id: int) -> None:
    """Staff act only on the estates they work for (None: the system)."""
    if actor is None:
        return
    access = access_for(actor)
    if access.all_estates:
        return
    if not access.is_staff_member or estate_id not in access.estate_ids:
        raise PermissionDenied(_("You do not work in this estate."))


def _require(actor, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(_("You are not allowed to do this."))


def _check_period(opens_on: date, closes_on: date) -> None:
    if not isinstance(opens_on, date) or not isinstance(closes_on, date):
        raise DomainError(_("Enter the day the survey opens and the day it closes."), code="period_required")
    if closes_on < opens_on:
        raise DomainError(_("The survey must close on or after the day it opens."), code="invalid_period")


def _clean_questions(questions) -> list[QuestionInput]:
    cleaned = []
    for raw in questions:
        question = raw if isinstance(raw, QuestionInput) else QuestionInput(**raw)
        text = (question.text or "").strip()
        if question.kind not in QuestionKind.values:
            raise DomainError(_("A question is either a 1–5 score or free text."), code="invalid_kind")
        if not text or len(text) > 300:
            raise DomainError(
                _("Every question needs a text of at most 300 characters."), code="question_text"
            )
        cleaned.append(
            QuestionInput(
                question.kind, text, (question.text_en or "").strip()[:300], bool(question.is_required)
            )
        )
    if len(cleaned) > QUESTIONS_MAX:
        raise DomainError(_("A survey has at most 50 questions."), code="too_many_questions")
    return cleaned


def _write_questions(survey: Survey, questions: list[QuestionInput], template_ids=None) -> None:
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(
            survey=survey,
            position=index,
            kind=q.kind,
            text=q.text,
            text_en=q.text_en,
            is_required=q.is_required,
            template_question_id=(template_ids[index - 1] if template_ids else None),
        )
        for index, q in enumerate(questions, start=1)
    )


@transaction.atomic
def create_survey(
    *,
    estate: Estate,
    actor,
    title: str,
    opens_on: date,
    closes_on: date,
    template: SurveyTemplate | None = None,
    title_en: str = "",
    intro: str = "",
    intro_en: str = "",
    questions=None,
    now: datetime | None = None,
) -> Survey:
    """A draft survey of one estate for one period. From a template its questions are the
    template's (linked to them, so periods can be compared); otherwise `questions` (kind, text,
    text_en, is_required), in order."""
    _require(actor, ADD)
    _require_estate(actor, estate.pk)
    _check_period(opens_on, closes_on)
    title = (title or "").strip() or (template.title if template else "")
    if not title or len(title) > 200:
        raise DomainError(_("Give the survey a title of at most 200 characters."), code="title_required")
    if template is not None and not template.is_active:
        raise DomainError(_("This template is no longer in use."), code="template_inactive")
    survey = Survey.objects.create(
        estate=estate,
        template=template,
        title=title,
        title_en=(title_en or (template.title_en if template else "")).strip()[:200],
        intro=(intro or (template.intro if template else "")).strip(),
        intro_en=(intro_en or (template.intro_en if template else "")).strip(),
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=actor,
        created_at=now or timezone.now(),
    )
    if template is not None and not questions:
        rows = list(template.questions.order_by("position", "pk"))
        _write_questions(
            survey,
            [QuestionInput(r.kind, r.text, r.text_en, r.is_required) for r in rows],
            [r.pk for r in rows],
        )
    elif questions:
        _write_questions(survey, _clean_questions(questions))
    return survey


def _lock(survey: Survey) -> Survey:
    return Survey.objects.select_for_update(of=("self",)).select_related("estate").get(pk=survey.pk)


def questions_editable(survey: Survey) -> bool:
    """Questions change only while the survey is a draft: once open, answers refer to them."""
    return survey.status == Survey.Status.DRAFT


def _require_draft(survey: Survey) -> None:
    if not questions_editable(survey):
        raise DomainError(
            _("Only a draft survey can be changed; an open or closed one keeps its questions."),
            code="survey_not_draft",
        )


@transaction.atomic
def update_survey(*, survey: Survey, actor, **fields) -> Survey:
    """Change a draft's title, introduction or period."""
    _require(actor, CHANGE)
    survey = _lock(survey)
    _require_estate(actor, survey.estate_id)
    _require_draft(survey)
    allowed = {"title", "title_en", "intro", "intro_en", "opens_on", "closes_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(
            _("These fields cannot be changed: %s") % ", ".join(sorted(unknown)), code="invalid"
        )
    for name, value in fields.items():
        setattr(survey, name, value.strip() if isinstance(value, str) else value)
    if not survey.title or len(survey.title) > 200:
        raise DomainError(_("Give the survey a title of at most 200 characters."), code="title_required")
    _check_period(survey.opens_on, survey.closes_on)
    survey.save(update_fields=sorted(fields))
    return survey


@transaction.atomic
def set_survey_questions(*, survey: Survey, actor, questions) -> Survey:
    """Replace a draft's questions (in the order given)."""
    _require(actor, CHANGE)
    survey = _lock(survey)
    _require_estate(actor, survey.estate_id)
    _require_draft(survey)
    cleaned = _clean_questions(questions)
    survey.questions.all().delete()
    _write_questions(survey, cleaned)
    return survey


@dataclass(frozen=True)
class QuestionEdit:
    """One row of the desk's question editor: an existing question (`question_id`) kept and
    changed, or a new one (`question_id` None). Rows are given in their new order."""

    kind: str
    text: str
    text_en: str = ""
    is_required: bool = True
    question_id: int | None = None


# Positions are moved out of the way first: (survey, position) is unique, and a reorder swaps them.
_PARKED = 10000


@transaction.atomic
def edit_survey_questions(*, survey: Survey, actor, questions: list[QuestionEdit]) -> Survey:
    """The draft's questions as the desk edited them: rows kept (by id) are changed in place, so a
    question copied from the template stays linked to it (how periods are compared); new rows are
    added; questions left out are removed; positions follow the order given."""
    _require(actor, CHANGE)
    survey = _lock(survey)
    _require_estate(actor, survey.estate_id)
    _require_draft(survey)
    cleaned = _clean_questions([QuestionInput(q.kind, q.text, q.text_en, q.is_required) for q in questions])
    if not cleaned:
        raise DomainError(_("A survey needs at least one question."), code="no_questions")
    existing = {q.pk: q for q in survey.questions.all()}
    kept_ids = [q.question_id for q in questions if q.question_id is not None]
    if len(set(kept_ids)) != len(kept_ids) or not set(kept_ids) <= set(existing):
        raise DomainError(_("These questions are not this survey's; reload the page."), code="invalid")
    survey.questions.exclude(pk__in=kept_ids).delete()
    for question in existing.values():
        if question.pk in kept_ids:
            question.position += _PARKED
            question.save(update_fields=["position"])
    new_rows = []
    for position, (edit, value) in enumerate(zip(questions, cleaned, strict=True), start=1):
        if edit.question_id is None:
            new_rows.append(
                SurveyQuestion(
                    survey=survey,
                    position=position,
                    kind=value.kind,
                    text=value.text,
                    text_en=value.text_en,
                    is_required=value.is_required,
                )
            )
            continue
        question = existing[edit.question_id]
        question.position = position
        question.kind, question.text = value.kind, value.text
        question.text_en, question.is_required = value.text_en, value.is_required
        question.save(update_fields=["position", "kind", "text", "text_en", "is_required"])
    SurveyQuestion.objects.bulk_create(new_rows)
    return survey


def _transition(survey: Survey, action: str, *, actor, note: str, now: datetime | None, field: str) -> Survey:
    now = now or timezone.now()
    survey = _lock(survey)
    SURVEY.check(survey, action, actor, now=now)
    _require_estate(actor, survey.estate_id)
    SURVEY.transition(survey, action, actor=actor, note=note, now=now, fields={field: now})
    return survey


@transaction.atomic
def open_survey(*, survey: Survey, actor, note: str = "", now: datetime | None = None) -> Survey:
    """Open the survey: residents of the estate may answer it within its period."""
    return _transition(survey, "open", actor=actor, note=note, now=now, field="opened_at")


@transaction.atomic
def close_survey(*, survey: Survey, actor, note: str = "", now: datetime | None = None) -> Survey:
    """Close the survey: no more answers; the results stay."""
    return _transition(survey, "close", actor=actor, note=note, now=now, field="closed_at")


# --- answering ---------------------------------------------------------------------------------


def _already_answered() -> DomainError:
    return DomainError(_("You have already answered this survey. Thank you!"), code="already_answered")


def _clean_answers(questions: list[SurveyQuestion], answers: dict) -> list[SurveyAnswer]:
    by_id = {q.pk: q for q in questions}
    unknown = set(answers) - set(by_id)
    if unknown:
        raise DomainError(
            _("An answer names a question that is not in this survey."), code="unknown_question"
        )
    rows = []
    for question in questions:
        value = answers.get(question.pk)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            if question.is_required:
                raise DomainError(
                    _("Please answer the question “%(question)s”.") % {"question": question.label},
                    code="answer_required",
                )
            continue
        if question.is_scale:
            if (
                isinstance(value, bool)
                or not isinstance(value, int | str)
                or str(value) not in {"1", "2", "3", "4", "5"}
            ):
                raise DomainError(
                    _("Give “%(question)s” a score from 1 to 5.") % {"question": question.label},
                    code="invalid_score",
                )
            rows.append(SurveyAnswer(question=question, score=int(value)))
        else:
            if not isinstance(value, str) or len(value) > TEXT_MAX:
                raise DomainError(_("An answer has at most 2000 characters."), code="answer_too_long")
            rows.append(SurveyAnswer(question=question, text=value))
    return rows


@transaction.atomic
def answer_survey(
    *, survey: Survey, user, unit: Unit, answers: dict, now: datetime | None = None
) -> SurveyResponse:
    """A resident's answers (`answers`: question id → score 1–5 or text), given as a current
    occupant of `unit` in the survey's estate, while the survey is open and within its period.
    Once per person: a second attempt (also a concurrent one) is refused and changes nothing."""
    now = now or timezone.now()
    occupancy = (
        Occupancy.objects.current(timezone.localdate(now))
        .filter(person__user=user, unit=unit)
        .select_related("person")
        .first()
    )
    if occupancy is None:
        raise DomainError(
            _("You can answer only for a unit you live in, in this estate."), code="not_occupant"
        )
    return _record(survey=survey, person=occupancy.person, unit=unit, answers=answers, by=user, now=now)


@transaction.atomic
def record_paper_answers(
    *, survey: Survey, person, unit: Unit, answers: dict, actor, now: datetime | None = None
) -> SurveyResponse:
    """The answers of a paper form (业主评议表 handed out at the desk), entered by staff for a
    current occupant of `unit`. The same rules as on the portal: once per person."""
    _require(actor, "relations.add_surveyresponse")
    _require_estate(actor, survey.estate_id)
    now = now or timezone.now()
    if not Occupancy.objects.current(timezone.localdate(now)).filter(person=person, unit=unit).exists():
        raise DomainError(_("This person does not live in this unit."), code="not_occupant")
    return _record(survey=survey, person=person, unit=unit, answers=answers, by=actor, now=now)


def _record(*, survey: Survey, person, unit: Unit, answers: dict, by, now: datetime) -> SurveyResponse:
    # Read the survey's state under a lock: an answer never lands after a concurrent close.
    survey = Survey.objects.select_for_update(of=("self",)).get(pk=survey.pk)
    if unit.estate_id != survey.estate_id:
        raise DomainError(
            _("You can answer only for a unit you live in, in this estate."), code="not_occupant"
        )
    if not survey.is_answerable(timezone.localdate(now)):
        raise DomainError(_("This survey is not open for answers."), code="survey_not_open")
    if SurveyResponse.objects.filter(survey=survey, person=person).exists():
        raise _already_answered()
    rows = _clean_answers(list(survey.questions.order_by("position", "pk")), answers)
    try:
        # The savepoint keeps the outer transaction usable when a concurrent answer of the same
        # person wins the race to the unique constraint.
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey, person=person, unit=unit, submitted_by=by, submitted_at=now
            )
    except IntegrityError:
        raise _already_answered() from None
    for row in rows:
        row.response = response
    SurveyAnswer.objects.bulk_create(rows)
    return response
