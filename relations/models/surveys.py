"""Satisfaction surveys (业主评议表): a manager builds a survey for one estate and one period from a
template, opens it, residents answer it once each on the portal, and the manager reads the
results and compares them with the same template's earlier periods. The states are declared once
in `relations.workflows_surveys`.

Questions carry their text in Simplified Chinese and English (like the desk knowledge base):
residents read the survey in their own language, the results speak of the same question.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from residents.models import Unit, resident_unit_ids
from servicecenter.scoping import ScopedQuerySet

SCORE_MIN, SCORE_MAX = 1, 5
SCORES = tuple(range(SCORE_MIN, SCORE_MAX + 1))


def resident_estate_ids(user):
    """Subquery of the estates of the units the user occupies today."""
    return Unit.objects.filter(pk__in=resident_unit_ids(user)).values("estate_id")


def _in_language(zh: str, en: str) -> str:
    return en if en and (get_language() or "").startswith("en") else zh


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Score from 1 to 5")
    TEXT = "text", _("Free text")


class SurveyTemplate(models.Model):
    """A reusable questionnaire, company-wide (the quarterly owner evaluation form)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction in English"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _in_language(self.title, self.title_en)


class SurveyTemplateQuestion(models.Model):
    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.CASCADE, related_name="questions", verbose_name=_("template")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question in English"), max_length=300, blank=True)
    is_required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("template question")
        verbose_name_plural = _("template questions")
        ordering = ["template", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "position"], name="survey_tpl_question_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.label}"

    @property
    def label(self) -> str:
        return _in_language(self.text, self.text_en)


class Survey(models.Model):
    """One estate's survey for one period (opens_on … closes_on, both days included)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("survey status", "Draft")
        OPEN = "open", pgettext_lazy("survey status", "Open")
        CLOSED = "closed", pgettext_lazy("survey status", "Closed")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="surveys", verbose_name=_("estate")
    )
    template = models.ForeignKey(
        SurveyTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("template"),
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction in English"), blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            # A resident sees the open surveys of the estates of the units they occupy today.
            return self.filter(status=Survey.Status.OPEN, estate_id__in=resident_estate_ids(user))

        def answerable(self, on):
            return self.filter(status=Survey.Status.OPEN, opens_on__lte=on, closes_on__gte=on)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-opens_on", "-pk"]
        permissions = [
            ("run_survey", _("Can open and close satisfaction surveys")),
            ("view_survey_results", _("Can read the results of satisfaction surveys")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="survey_period_positive"
            ),
        ]
        indexes = [models.Index(fields=["estate", "status", "opens_on"], name="survey_estate_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _in_language(self.title, self.title_en)

    @property
    def intro_label(self) -> str:
        return _in_language(self.intro, self.intro_en)

    def is_answerable(self, on) -> bool:
        return self.status == self.Status.OPEN and self.opens_on <= on <= self.closes_on


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    # The template's question this one was copied from: how periods are compared.
    template_question = models.ForeignKey(
        SurveyTemplateQuestion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template question"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question in English"), max_length=300, blank=True)
    is_required = models.BooleanField(_("required"), default=True)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "survey__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["survey", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.label}"

    @property
    def label(self) -> str:
        return _in_language(self.text, self.text_en)

    @property
    def is_scale(self) -> bool:
        return self.kind == QuestionKind.SCALE


class SurveyResponse(models.Model):
    """One person's answers to one survey, given as the occupant of one unit (for the per-building
    results). Once per person: the database refuses a second response."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    person = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        related_name="survey_responses",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="survey_responses", verbose_name=_("unit")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "survey__estate"

        def for_resident(self, user):
            return self.filter(person__user=user)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "person"], name="survey_response_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.person_id}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once_per_question"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="survey_answer_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.score if self.score is not None else self.text[:20]}"


class SurveyEvent(models.Model):
    """One line of a survey's timeline: a transition (who, when, from, to, note)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="events", verbose_name=_("survey")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=10, choices=Survey.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=Survey.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "survey__estate"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("survey event")
        verbose_name_plural = _("survey events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.action}"
