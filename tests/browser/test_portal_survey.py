"""A resident answers the satisfaction survey on a 360 px phone: the portal home invites them,
each 1–5 group is reachable by its accessible name, a missing required answer is pointed out,
the answers are kept once and the manager reads them in the results."""

import re

import pytest
from playwright.sync_api import expect

from relations.models import SurveyAnswer, SurveyResponse
from tests.browser.conftest import shot
from tests.relations.survey_helpers import open_survey

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_resident_answers_a_survey_on_the_phone(
    page_as, live_server, users, estate_a, unit_a, resident, lang
):
    survey = open_survey(estate_a, users["manager"], use_template=True)
    questions = list(survey.questions.order_by("position"))
    zh = lang.startswith("zh")
    for question in questions:
        question.shown = question.text if zh else question.text_en
    page = page_as(resident, lang=lang, width=360)
    page.goto(f"{live_server.url}/portal/")
    panel = page.locator("[data-testid=portal-surveys]")
    expect(panel).to_be_visible()
    panel.get_by_role("link", name=survey.title if zh else survey.title_en).click()
    page.wait_for_load_state()
    first = page.get_by_role("radiogroup", name=f"1. {questions[0].shown}")
    expect(first).to_be_visible()
    # Every score but the last question's: the form says which required answer is missing.
    for question in questions[:-2]:
        page.get_by_role("radiogroup", name=f"{question.position}. {question.shown}").get_by_role(
            "radio", name=re.compile(r"^4\D")
        ).check()
    page.click("form[data-testid=survey-form] button[type=submit]")
    page.wait_for_load_state()
    assert not SurveyResponse.objects.exists()
    missing = page.get_by_role("radiogroup", name=f"{questions[-2].position}. {questions[-2].shown}")
    expect(missing.locator("[role=alert]")).to_be_visible()
    expect(
        page.get_by_role("radiogroup", name=f"1. {questions[0].shown}").get_by_role(
            "radio", name=re.compile(r"^4\D")
        )
    ).to_be_checked()
    page.get_by_role("radiogroup", name=f"{questions[-2].position}. {questions[-2].shown}").get_by_role(
        "radio", name=re.compile(r"^5\D")
    ).check()
    page.get_by_label(f"{questions[-1].position}. {questions[-1].shown}").fill("希望增加夜间巡逻")
    shot(page, f"portal-survey-form-{lang}-360")
    page.click("form[data-testid=survey-form] button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("[data-testid=survey-answered]")).to_be_visible()
    shot(page, f"portal-survey-answered-{lang}-360")
    assert SurveyResponse.objects.get().unit == unit_a
    assert SurveyAnswer.objects.filter(score=4).count() == len(questions) - 2
    assert SurveyAnswer.objects.get(question=questions[-1]).text == "希望增加夜间巡逻"
    manager = page_as(users["manager"], lang=lang)
    manager.goto(f"{live_server.url}/relations/surveys/{survey.pk}/")
    expect(manager.locator("[data-testid=survey-mean]")).to_have_text("4.10")
    assert "希望增加夜间巡逻" in manager.content()
    shot(manager, f"survey-results-{lang}")
