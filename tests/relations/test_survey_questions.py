"""Editing a draft survey's questions on the desk: add, edit, reorder, remove; refused once open."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from relations.models import Survey
from relations.services import surveys as services
from relations.services.surveys import QuestionEdit
from servicecenter.exceptions import DomainError
from tests.relations.survey_helpers import open_survey, template

pytestmark = pytest.mark.django_db


def draft(estate, manager, *, use_template=False) -> Survey:
    today = timezone.localdate()
    return services.create_survey(
        estate=estate,
        actor=manager,
        template=template() if use_template else None,
        title="" if use_template else "满意度调查",
        opens_on=today,
        closes_on=today + timedelta(days=14),
        questions=None
        if use_template
        else [{"kind": "scale", "text": "维修服务"}, {"kind": "scale", "text": "保洁服务"}],
    )


def texts(survey: Survey) -> list[str]:
    return list(survey.questions.order_by("position").values_list("text", flat=True))


def test_edit_reorders_changes_adds_and_removes_keeping_the_template_links(estate_a, users):
    survey = draft(estate_a, users["manager"], use_template=True)
    first, second, *rest = list(survey.questions.order_by("position"))
    assert first.template_question_id and second.template_question_id
    services.edit_survey_questions(
        survey=survey,
        actor=users["manager"],
        questions=[
            QuestionEdit(second.kind, "改过的题目", question_id=second.pk),
            QuestionEdit(first.kind, first.text, first.text_en, question_id=first.pk),
            QuestionEdit("text", "新增的意见题", is_required=False),
        ],
    )
    rows = list(survey.questions.order_by("position"))
    assert [(q.position, q.text) for q in rows] == [(1, "改过的题目"), (2, first.text), (3, "新增的意见题")]
    assert rows[0].pk == second.pk and rows[0].template_question_id == second.template_question_id
    assert rows[2].template_question_id is None and rows[2].is_required is False
    assert not survey.questions.filter(pk__in=[q.pk for q in rest]).exists()


def test_an_open_survey_keeps_its_questions(estate_a, users):
    survey = open_survey(estate_a, users["manager"])
    before = texts(survey)
    with pytest.raises(DomainError) as error:
        services.edit_survey_questions(
            survey=survey, actor=users["manager"], questions=[QuestionEdit("scale", "新题")]
        )
    assert error.value.code == "survey_not_draft"
    assert texts(survey) == before


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([], "no_questions"),
        ([QuestionEdit("scale", " ")], "question_text"),
        ([QuestionEdit("stars", "题目")], "invalid_kind"),
    ],
)
def test_bad_questions_are_refused_and_nothing_changes(estate_a, users, rows, code):
    survey = draft(estate_a, users["manager"])
    with pytest.raises(DomainError) as error:
        services.edit_survey_questions(survey=survey, actor=users["manager"], questions=rows)
    assert error.value.code == code
    assert texts(survey) == ["维修服务", "保洁服务"]


def test_another_surveys_question_is_refused(estate_a, users):
    survey = draft(estate_a, users["manager"])
    other = draft(estate_a, users["manager"])
    foreign = other.questions.first()
    with pytest.raises(DomainError):
        services.edit_survey_questions(
            survey=survey,
            actor=users["manager"],
            questions=[QuestionEdit("scale", "x", question_id=foreign.pk)],
        )
    assert texts(survey) == ["维修服务", "保洁服务"] and texts(other) == ["维修服务", "保洁服务"]


def test_only_a_manager_of_the_estate_edits(estate_a, users):
    survey = draft(estate_a, users["manager"])
    with pytest.raises(PermissionDenied):
        services.edit_survey_questions(
            survey=survey, actor=users["supervisor"], questions=[QuestionEdit("scale", "新题")]
        )
    assert texts(survey) == ["维修服务", "保洁服务"]


# --- the desk page -------------------------------------------------------------------------------


def _post(survey: Survey, rows: list[dict]) -> dict:
    data = {
        "q-TOTAL_FORMS": str(len(rows)),
        "q-INITIAL_FORMS": str(survey.questions.count()),
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value is not None and value is not False:
                data[f"q-{index}-{name}"] = value
    return data


def test_desk_page_edits_the_draft(client_as, estate_a, users, django_assert_max_num_queries):
    survey = draft(estate_a, users["manager"])
    repair, cleaning = list(survey.questions.order_by("position"))
    client = client_as(users["manager"])
    url = reverse("relations:survey_questions", args=[survey.pk])
    detail = client.get(reverse("relations:survey_detail", args=[survey.pk])).content.decode()
    assert url in detail
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200 and "维修服务" in page.content.decode()
    rows = [
        {"question_id": repair.pk, "kind": "scale", "text": "维修服务", "is_required": "on", "ORDER": "2"},
        {"question_id": cleaning.pk, "kind": "scale", "text": "保洁", "is_required": "on", "ORDER": "1"},
        {"kind": "text", "text": "其他意见", "ORDER": "3"},
    ]
    response = client.post(url, _post(survey, rows))
    assert response.status_code == 302
    assert texts(survey) == ["保洁", "维修服务", "其他意见"]
    assert survey.questions.get(text="保洁").pk == cleaning.pk
    # Removing one.
    rows = [
        {"question_id": cleaning.pk, "kind": "scale", "text": "保洁", "is_required": "on", "ORDER": "1"},
        {"question_id": repair.pk, "kind": "scale", "text": "维修服务", "ORDER": "2", "DELETE": "on"},
    ]
    rows.append(
        {
            "question_id": survey.questions.get(text="其他意见").pk,
            "kind": "text",
            "text": "其他意见",
            "ORDER": "3",
        }
    )
    assert client.post(url, _post(survey, rows)).status_code == 302
    assert texts(survey) == ["保洁", "其他意见"]


def test_desk_page_of_an_open_survey_offers_no_form_and_changes_nothing(client_as, estate_a, users):
    survey = open_survey(estate_a, users["manager"])
    before = texts(survey)
    question = survey.questions.order_by("position").first()
    client = client_as(users["manager"])
    url = reverse("relations:survey_questions", args=[survey.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="survey-not-draft"' in page and "survey-questions-form" not in page
    response = client.post(url, _post(survey, [{"question_id": question.pk, "kind": "scale", "text": "新"}]))
    assert response.status_code == 400
    assert texts(survey) == before


def test_desk_page_refuses_others(client_as, estate_a, estate_b, users):
    from tests.factories import make_staff

    survey = draft(estate_a, users["manager"])
    url = reverse("relations:survey_questions", args=[survey.pk])
    assert client_as(users["supervisor"]).get(url).status_code == 403
    other_manager = make_staff("manager", estate_b, username="manager-b")
    assert client_as(other_manager).get(url).status_code == 404


def test_the_survey_page_links_to_the_question_editor_only_while_a_draft(client_as, estate_a, users):
    client = client_as(users["manager"])
    editable = draft(estate_a, users["manager"])
    opened = open_survey(estate_a, users["manager"])
    detail = "relations:survey_detail"
    assert (
        'data-testid="survey-edit-questions"'
        in client.get(reverse(detail, args=[editable.pk])).content.decode()
    )
    assert (
        'data-testid="survey-edit-questions"'
        not in client.get(reverse(detail, args=[opened.pk])).content.decode()
    )
