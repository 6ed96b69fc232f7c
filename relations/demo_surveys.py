"""Demo satisfaction surveys for the first demo estate, from the quarterly owner evaluation form:
last quarter's (closed) and this quarter's (open), with answers from the estate's residents
entered as paper forms, all through `relations.services.surveys` at dates relative to today.
Idempotent: an estate that already has surveys is left as it is."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from relations.models import Survey, SurveyTemplate
from relations.services import surveys as services
from relations.survey_defaults import QUARTERLY_CODE, ensure_default_survey_templates
from residents.models import Estate, Occupancy

COMMENTS = [
    "希望加强地下车库的照明。",
    "保洁阿姨很负责，点赞！",
    "维修响应很快，但希望提前电话告知上门时间。",
    "小区绿化可以再多一些休息座椅。",
    "",
]


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _answers(survey: Survey, rng: random.Random, mood: int) -> dict:
    answers = {}
    for question in survey.questions.all():
        if question.is_scale:
            answers[question.pk] = max(1, min(5, mood + rng.choice([-1, 0, 0, 1])))
        else:
            answers[question.pk] = rng.choice(COMMENTS)
    return answers


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    ensure_default_survey_templates()
    estate = estates[0]
    if Survey.objects.filter(estate=estate).exists():
        stdout.write(f"surveys: {estate.code} already has surveys; left as it is")
        return
    manager = users["manager"]
    template = SurveyTemplate.objects.get(code=QUARTERLY_CODE)
    today = timezone.localdate()
    this_quarter = _quarter_start(today)
    last_quarter = _quarter_start(this_quarter - timedelta(days=1))
    plan = [
        # (opens_on, closes_on, close afterwards, share of residents answering, mood)
        (last_quarter, this_quarter - timedelta(days=1), True, 0.7, 4),
        (today - timedelta(days=3), today + timedelta(days=27), False, 0.4, 4),
    ]
    for opens_on, closes_on, close, share, mood in plan:
        survey = services.create_survey(
            estate=estate,
            actor=manager,
            template=template,
            title=f"{template.title} {opens_on:%Y}Q{(opens_on.month - 1) // 3 + 1}",
            opens_on=opens_on,
            closes_on=closes_on,
            now=timezone.make_aware(datetime.combine(opens_on, time(9))) - timedelta(days=2),
        )
        opened = timezone.make_aware(datetime.combine(opens_on, time(9)))
        services.open_survey(survey=survey, actor=manager, now=opened)
        answered_on = min(today, closes_on)
        # The people living in the estate on the day they answered, each once.
        seen_people: set[int] = set()
        people = [
            o
            for o in Occupancy.objects.current(answered_on)
            .filter(unit__estate=estate)
            .select_related("unit", "person")
            .order_by("unit__code", "pk")
            if not (o.person_id in seen_people or seen_people.add(o.person_id))
        ]
        for occupancy in people[: max(1, int(len(people) * share))]:
            # Residents with a portal login are left this quarter's survey to answer themselves.
            if occupancy.person.user_id is not None and not close:
                continue
            services.record_paper_answers(
                survey=survey,
                person=occupancy.person,
                unit=occupancy.unit,
                answers=_answers(survey, rng, mood if rng.random() > 0.2 else mood - 1),
                actor=manager,
                now=timezone.make_aware(datetime.combine(answered_on, time(10))),
            )
        if close:
            services.close_survey(
                survey=survey, actor=manager, now=timezone.make_aware(datetime.combine(closes_on, time(18)))
            )
    stdout.write(f"surveys: {estate.code} has last quarter's survey (closed) and this quarter's (open)")
