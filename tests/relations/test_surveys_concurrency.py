"""A resident answering twice at the same moment (PostgreSQL only): one response, one refusal."""

import pytest

from relations.models import SurveyAnswer, SurveyResponse
from relations.services import surveys as services
from servicecenter.exceptions import DomainError
from tests.billing.test_concurrency import run_together
from tests.relations.survey_helpers import answers, open_survey

pytestmark = pytest.mark.postgres


def test_a_double_submit_keeps_one_response(estate_a, users, resident, unit_a):
    survey = open_survey(estate_a, users["manager"])
    results = run_together(
        3,
        lambda i: services.answer_survey(
            survey=survey, user=resident, unit=unit_a, answers=answers(survey, 3 + i % 2, 4)
        ),
    )
    assert sum(isinstance(r, SurveyResponse) for r in results) == 1, results
    assert all(
        isinstance(r, SurveyResponse) or (isinstance(r, DomainError) and r.code == "already_answered")
        for r in results
    )
    assert SurveyResponse.objects.count() == 1
    assert SurveyAnswer.objects.count() == 2
