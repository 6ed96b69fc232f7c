"""Satisfaction surveys: building from a template, the lifecycle, answering once, the results on
fixed data, the dashboard's survey_score, scoping and query counts, the API and the pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from relations.models import Survey, SurveyAnswer, SurveyResponse
from relations.selectors.surveys import survey_comparison, survey_results, survey_score
from relations.services import surveys as services
from relations.survey_defaults import QUARTERLY_QUESTIONS
from residents.models import Occupancy
from servicecenter.exceptions import DomainError, TransitionError
from tests.factories import BuildingFactory, UnitFactory, make_resident, make_staff
from tests.relations.survey_helpers import answers, at, open_survey, template

pytestmark = pytest.mark.django_db


def _living_there_since_2020():
    # The factories' occupancies start on a random past day; answers dated in the past need
    # the person to have lived there then.
    Occupancy.objects.update(start_date=date(2020, 1, 1))


# --- building and the lifecycle ---------------------------------------------------------------------


def test_the_quarterly_owner_evaluation_form_is_seeded_with_its_questions():
    tpl = template()
    rows = list(tpl.questions.order_by("position"))
    assert [r.text for r in rows] == [q[1] for q in QUARTERLY_QUESTIONS]
    assert tpl.title == "业主评议表（季度）" and tpl.title_en
    assert rows[-1].kind == "text" and not rows[-1].is_required
    assert all(r.text_en for r in rows)


def test_a_survey_from_a_template_copies_its_questions_linked_to_them(estate_a, users):
    today = timezone.localdate()
    survey = services.create_survey(
        estate=estate_a,
        actor=users["manager"],
        template=template(),
        title="",
        opens_on=today,
        closes_on=today + timedelta(days=10),
    )
    assert survey.status == Survey.Status.DRAFT
    assert survey.title == "业主评议表（季度）"
    copied = list(survey.questions.order_by("position"))
    assert len(copied) == len(QUARTERLY_QUESTIONS)
    assert all(q.template_question_id is not None for q in copied)


def test_only_a_manager_of_the_estate_builds_surveys(estate_a, estate_b, users):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.create_survey(
            estate=estate_a,
            actor=users["supervisor"],
            template=template(),
            title="",
            opens_on=today,
            closes_on=today,
        )
    with pytest.raises(PermissionDenied):
        services.create_survey(
            estate=estate_b,
            actor=users["manager"],
            template=template(),
            title="",
            opens_on=today,
            closes_on=today,
        )
    assert not Survey.objects.exists()


def test_a_period_that_ends_before_it_starts_is_refused(estate_a, users):
    today = timezone.localdate()
    with pytest.raises(DomainError) as error:
        services.create_survey(
            estate=estate_a,
            actor=users["manager"],
            template=template(),
            title="",
            opens_on=today,
            closes_on=today - timedelta(days=1),
        )
    assert error.value.code == "invalid_period"
    assert not Survey.objects.exists()


def test_open_needs_questions_and_writes_events(estate_a, users):
    today = timezone.localdate()
    empty = services.create_survey(
        estate=estate_a,
        actor=users["manager"],
        title="空调查",
        opens_on=today,
        closes_on=today,
        questions=[{"kind": "scale", "text": "总体"}],
    )
    empty.questions.all().delete()
    with pytest.raises(DomainError) as error:
        services.open_survey(survey=empty, actor=users["manager"])
    assert error.value.code == "survey_without_questions"
    survey = open_survey(estate_a, users["manager"])
    services.close_survey(survey=survey, actor=users["manager"])
    assert list(survey.events.values_list("action", "to_status")) == [("open", "open"), ("close", "closed")]
    with pytest.raises(TransitionError):
        services.open_survey(survey=survey, actor=users["manager"])


def test_questions_change_only_while_draft(estate_a, users):
    survey = open_survey(estate_a, users["manager"])
    with pytest.raises(DomainError) as error:
        services.set_survey_questions(
            survey=survey, actor=users["manager"], questions=[{"kind": "text", "text": "x"}]
        )
    assert error.value.code == "survey_not_draft"
    assert survey.questions.count() == 3


# --- answering once ---------------------------------------------------------------------------------


def test_a_resident_answers_once_and_a_second_try_changes_nothing(estate_a, users, resident, unit_a):
    survey = open_survey(estate_a, users["manager"])
    response = services.answer_survey(
        survey=survey, user=resident, unit=unit_a, answers=answers(survey, 4, 5, text="好")
    )
    assert response.answers.count() == 3
    with pytest.raises(DomainError) as error:
        services.answer_survey(survey=survey, user=resident, unit=unit_a, answers=answers(survey, 1, 1))
    assert error.value.code == "already_answered"
    assert SurveyResponse.objects.count() == 1
    assert sorted(SurveyAnswer.objects.exclude(score=None).values_list("score", flat=True)) == [4, 5]


def test_the_database_refuses_a_second_response_of_the_same_person(estate_a, users, resident, unit_a):
    from django.db import IntegrityError, transaction

    survey = open_survey(estate_a, users["manager"])
    first = services.answer_survey(survey=survey, user=resident, unit=unit_a, answers=answers(survey, 3, 3))
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(survey=survey, person=first.person, unit=unit_a)


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ({"scores": (6, 3)}, "invalid_score"),
        ({"scores": (0, 3)}, "invalid_score"),
        ({"scores": (3,)}, "answer_required"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_kept(estate_a, users, resident, unit_a, bad, code):
    survey = open_survey(estate_a, users["manager"])
    with pytest.raises(DomainError) as error:
        services.answer_survey(
            survey=survey, user=resident, unit=unit_a, answers=answers(survey, *bad["scores"])
        )
    assert error.value.code == code
    assert not SurveyResponse.objects.exists()


def test_a_resident_of_another_estate_or_outside_the_period_cannot_answer(
    estate_a, users, resident, unit_a, unit_b
):
    survey = open_survey(estate_a, users["manager"])
    outsider = make_resident(unit_b, username="outsider")
    with pytest.raises(DomainError) as error:
        services.answer_survey(survey=survey, user=outsider, unit=unit_b, answers=answers(survey, 3, 3))
    assert error.value.code == "not_occupant"
    with pytest.raises(DomainError) as error:
        services.answer_survey(
            survey=survey,
            user=resident,
            unit=unit_a,
            answers=answers(survey, 3, 3),
            now=at(survey.closes_on + timedelta(days=1)),
        )
    assert error.value.code == "survey_not_open"
    services.close_survey(survey=survey, actor=users["manager"])
    with pytest.raises(DomainError):
        services.answer_survey(survey=survey, user=resident, unit=unit_a, answers=answers(survey, 3, 3))
    assert not SurveyResponse.objects.exists()


# --- results on fixed data ----------------------------------------------------------------------------


@pytest.fixture
def answered(estate_a, users, resident, resident2, unit_a, unit_a2):
    """Three respondents: two in building 3, one in building 5; scores (repair, cleaning)."""
    survey = open_survey(estate_a, users["manager"])
    other_building = BuildingFactory(estate=estate_a, code="5", name="5栋")
    unit_c = UnitFactory(building=other_building, entrance="1", number="0101")
    third = make_resident(unit_c, username="resident3")
    services.answer_survey(
        survey=survey, user=resident, unit=unit_a, answers=answers(survey, 5, 4, text="很好")
    )
    services.answer_survey(survey=survey, user=resident2, unit=unit_a2, answers=answers(survey, 4, 2))
    services.answer_survey(
        survey=survey, user=third, unit=unit_c, answers=answers(survey, 1, 3, text="电梯常坏")
    )
    return survey


def test_results_per_question_and_per_building(answered, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        results = survey_results(answered)
    repair, cleaning, comments = results.questions
    assert (repair.count, repair.mean) == (3, Decimal("3.33"))
    assert repair.distribution == {1: 1, 2: 0, 3: 0, 4: 1, 5: 1}
    assert (cleaning.count, cleaning.mean) == (3, Decimal("3.00"))
    assert cleaning.distribution == {1: 0, 2: 1, 3: 1, 4: 1, 5: 0}
    assert comments.count == 2 and sorted(comments.texts) == ["很好", "电梯常坏"]
    assert results.respondents == 3
    assert results.mean == Decimal("3.17")  # (5+4+4+2+1+3) / 6
    by_building = {b.building: (b.respondents, b.mean) for b in results.buildings}
    assert by_building == {"3栋": (2, Decimal("3.75")), "5栋": (1, Decimal("2.00"))}


def test_results_take_the_same_number_of_queries_with_more_answers(
    answered, estate_a, django_assert_max_num_queries
):
    for n in range(5):
        unit = UnitFactory(building=BuildingFactory(estate=estate_a, code=f"B{n}"), number=f"{n}01")
        services.answer_survey(
            survey=answered,
            user=make_resident(unit, username=f"more{n}"),
            unit=unit,
            answers=answers(answered, 3, 3, text="x"),
        )
    with django_assert_max_num_queries(6):
        results = survey_results(answered)
    assert results.respondents == 8


def test_comparison_across_periods_of_the_same_template(estate_a, users, resident, unit_a):
    _living_there_since_2020()
    today = timezone.localdate()
    q1 = open_survey(
        estate_a,
        users["manager"],
        use_template=True,
        opens_on=today - timedelta(days=100),
        closes_on=today - timedelta(days=80),
    )
    services.record_paper_answers(
        survey=q1,
        person=resident.persons.get(),
        unit=unit_a,
        answers={q.pk: 2 for q in q1.questions.filter(kind="scale")},
        actor=users["manager"],
        now=at(today - timedelta(days=90)),
    )
    services.close_survey(survey=q1, actor=users["manager"])
    q2 = open_survey(estate_a, users["manager"], use_template=True)
    services.answer_survey(
        survey=q2, user=resident, unit=unit_a, answers={q.pk: 4 for q in q2.questions.filter(kind="scale")}
    )
    comparison = survey_comparison(q2)
    assert [p.survey.pk for p in comparison.periods] == [q1.pk, q2.pk]
    assert [p.mean for p in comparison.periods] == [Decimal("2.00"), Decimal("4.00")]
    assert len(comparison.rows) == 10
    assert comparison.rows[0].means == [Decimal("2.00"), Decimal("4.00")]


def test_survey_score_is_the_mean_of_scale_answers_of_surveys_open_that_month(
    estate_a, estate_b, users, resident, unit_a
):
    neighbour_unit = UnitFactory(building=unit_a.building, number="1201")
    neighbour = make_resident(neighbour_unit, username="paper").persons.get()
    _living_there_since_2020()
    march = open_survey(
        estate_a,
        users["manager"],
        opens_on=date(2026, 3, 20),
        closes_on=date(2026, 4, 10),
        questions=[{"kind": "scale", "text": "总体"}, {"kind": "text", "text": "建议", "is_required": False}],
    )
    services.answer_survey(
        survey=march,
        user=resident,
        unit=unit_a,
        answers=answers(march, 4, text="好"),
        now=at(date(2026, 4, 2)),
    )
    services.record_paper_answers(
        survey=march,
        person=neighbour,
        unit=neighbour_unit,
        answers=answers(march, 1),
        actor=users["manager"],
        now=at(date(2026, 3, 25)),
    )
    # A draft overlapping March does not count, nor another estate's survey.
    services.create_survey(
        estate=estate_a,
        actor=users["manager"],
        title="草稿",
        opens_on=date(2026, 3, 1),
        closes_on=date(2026, 3, 31),
        questions=[{"kind": "scale", "text": "x"}],
    )
    assert survey_score(estate_a.pk, date(2026, 3, 1)) == Decimal("2.50")
    assert survey_score(estate_a.pk, date(2026, 4, 30)) == Decimal("2.50")
    assert survey_score(estate_a.pk, date(2026, 2, 1)) is None
    assert survey_score(estate_a.pk, date(2026, 5, 1)) is None
    assert survey_score(estate_b.pk, date(2026, 3, 1)) is None


# --- pages, scoping and the API ------------------------------------------------------------------------


def test_a_supervisor_of_another_estate_gets_404(answered, estate_b, client):
    client.force_login(make_staff("supervisor", estate_b, username="sup-b"))
    assert client.get(reverse("relations:survey_detail", args=[answered.pk])).status_code == 404
    assert client.get(reverse("relations:survey_export", args=[answered.pk])).status_code == 404


def test_the_desk_page_shows_results_in_bounded_queries(
    answered, users, client, django_assert_max_num_queries
):
    client.force_login(users["supervisor"])
    with django_assert_max_num_queries(40):
        page = client.get(reverse("relations:survey_detail", args=[answered.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "3.17" in text and "电梯常坏" in text
    assert reverse("relations:survey_close", args=[answered.pk]) not in text  # only the manager runs it
    client.force_login(users["manager"])
    assert (
        reverse("relations:survey_close", args=[answered.pk])
        in client.get(reverse("relations:survey_detail", args=[answered.pk])).content.decode()
    )


def test_the_excel_export_has_the_results(answered, users, client):
    client.force_login(users["manager"])
    response = client.get(reverse("relations:survey_export", args=[answered.pk]))
    assert "no-store" in response["Cache-Control"]
    book = load_workbook(BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][1:5] == ("维修服务", 3, 3.33, 1)
    assert {r[1] for r in book.worksheets[2].iter_rows(min_row=2, values_only=True)} == {"很好", "电梯常坏"}


def test_the_desk_builds_and_opens_a_survey(estate_a, users, client):
    client.force_login(users["manager"])
    today = timezone.localdate()
    response = client.post(
        reverse("relations:survey_create"),
        {
            "estate": estate_a.pk,
            "template": template().pk,
            "title": "",
            "opens_on": today,
            "closes_on": today + timedelta(days=7),
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302
    client.post(reverse("relations:survey_open", args=[survey.pk]))
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN


def test_the_portal_panel_invites_and_the_page_takes_answers_once(estate_a, users, resident, unit_a, client):
    survey = open_survey(estate_a, users["manager"])
    client.force_login(resident)
    url = reverse("portal:survey", kwargs={"unit_pk": unit_a.pk, "pk": survey.pk})
    assert url in client.get(reverse("portal:home")).content.decode()
    page = client.get(url).content.decode()
    assert 'role="radiogroup"' in page and "维修服务" in page
    q = list(survey.questions.order_by("position"))
    assert client.post(url, {f"q{q[0].pk}": "9", f"q{q[1].pk}": "3"}).status_code == 400
    assert not SurveyResponse.objects.exists()
    assert client.post(url, {f"q{q[0].pk}": "5", f"q{q[1].pk}": "3"}).status_code == 302
    client.post(url, {f"q{q[0].pk}": "1", f"q{q[1].pk}": "1"})
    assert list(SurveyAnswer.objects.order_by("question__position").values_list("score", flat=True)) == [5, 3]
    assert url not in client.get(reverse("portal:home")).content.decode()  # answered: no more invitation


def test_the_portal_page_is_404_for_another_estates_survey(estate_b, users, resident, unit_a, client):
    manager_b = make_staff("manager", estate_b, username="manager-b")
    survey = open_survey(estate_b, manager_b)
    client.force_login(resident)
    assert (
        client.get(reverse("portal:survey", kwargs={"unit_pk": unit_a.pk, "pk": survey.pk})).status_code
        == 404
    )


def test_api_manager_builds_opens_and_reads_results(estate_a, users, api_as, resident, unit_a):
    api = api_as(users["manager"])
    today = timezone.localdate()
    created = api.post(
        "/api/surveys/",
        {
            "estate": estate_a.pk,
            "template": template().pk,
            "opens_on": str(today),
            "closes_on": str(today + timedelta(days=5)),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["available_actions"] == ["open"]
    assert api.post(f"/api/surveys/{pk}/open/", {}, format="json").json()["status"] == "open"
    assert api.post(f"/api/surveys/{pk}/open/", {}, format="json").status_code == 409
    resident_api = api_as(resident)
    listed = resident_api.get("/api/resident-surveys/").json()["results"]
    assert [(s["id"], s["answered"]) for s in listed] == [(pk, False)]
    body = {
        "unit": unit_a.pk,
        "answers": [
            {"question": q["id"], "score": 4} for q in listed[0]["questions"] if q["kind"] == "scale"
        ],
    }
    assert resident_api.post(f"/api/resident-surveys/{pk}/answer/", body, format="json").status_code == 201
    again = resident_api.post(f"/api/resident-surveys/{pk}/answer/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_answered"
    results = api.get(f"/api/surveys/{pk}/results/").json()
    assert results["respondents"] == 1 and results["mean"] == "4.00"
    assert results["questions"][0]["distribution"][3] == {"score": 4, "count": 1, "percent": 100}


def test_api_supervisor_of_another_estate_and_resident_of_another_estate_get_404(
    answered, estate_b, api_as, unit_b
):
    assert (
        api_as(make_staff("supervisor", estate_b, username="sup-b"))
        .get(f"/api/surveys/{answered.pk}/")
        .status_code
        == 404
    )
    outsider = api_as(make_resident(unit_b, username="outsider"))
    assert outsider.get(f"/api/resident-surveys/{answered.pk}/").status_code == 404
    assert (
        outsider.post(
            f"/api/resident-surveys/{answered.pk}/answer/", {"unit": unit_b.pk, "answers": []}, format="json"
        ).status_code
        == 404
    )


def test_api_list_is_paginated_in_bounded_queries(estate_a, users, api_as, django_assert_max_num_queries):
    for _n in range(4):
        open_survey(estate_a, users["manager"])
    api = api_as(users["supervisor"])
    with django_assert_max_num_queries(12):
        response = api.get("/api/surveys/")
    assert response.json()["count"] == 4
