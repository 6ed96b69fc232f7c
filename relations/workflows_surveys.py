"""The satisfaction survey's workflow, declared once (see `servicecenter.workflow`):

    draft → open (residents may answer within the period) → closed

Kept apart from `relations.workflows` (notices) so that each area declares its own; it registers
itself when imported (by `relations.services.surveys`, loaded from `RelationsConfig.ready()`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from relations.models import Survey, SurveyEvent
from servicecenter.workflow import Action, Guard, Workflow, timeline_writer

SERVICES = "relations.services.surveys"
RUN = "relations.run_survey"

HAS_QUESTIONS = Guard(
    "has_questions",
    lambda survey, user, now: survey.questions.exists(),
    _("Add at least one question before opening the survey."),
    code="survey_without_questions",
)

SURVEY = Workflow(
    model_label="relations.Survey",
    state_field="status",
    actions=(
        Action(
            "open",
            {Survey.Status.DRAFT},
            Survey.Status.OPEN,
            RUN,
            pgettext_lazy("survey action", "Open"),
            f"{SERVICES}.open_survey",
            guards=(HAS_QUESTIONS,),
            state_message=_("Only a draft survey can be opened (this one is %(status)s)."),
        ),
        Action(
            "close",
            {Survey.Status.OPEN},
            Survey.Status.CLOSED,
            RUN,
            pgettext_lazy("survey action", "Close"),
            f"{SERVICES}.close_survey",
            state_message=_("Only an open survey can be closed (this one is %(status)s)."),
        ),
    ),
    event_writer=timeline_writer(SurveyEvent, "survey"),
    state_labels=dict(Survey.Status.choices),
    events_of=lambda survey: survey.events.all(),
)
