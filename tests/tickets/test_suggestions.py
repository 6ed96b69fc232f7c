"""Intake suggestions: learnt per estate from finished tickets, the keyword fallback while the
history is thin, the API and the nightly retraining."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from staff.models import Team
from tests.factories import TeamFactory
from tests.tickets.factories import TicketFactory, category
from tickets import selectors, services, tasks
from tickets.models import SuggestionModel, Ticket, TicketCategory
from tickets.suggestions import IntakeModel, char_ngrams, keyword_scores

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

HISTORY = {
    "plumbing": [
        "厨房下水道堵塞",
        "卫生间马桶堵了",
        "洗手盆水龙头关不紧",
        "热水器进水阀滴水",
        "马桶水箱不停流水",
    ],
    "elevator": ["电梯异响", "电梯按钮失灵", "电梯困人", "电梯门关不上", "3栋电梯停在8楼不动"],
    "noise": ["楼上深夜噪音", "周末早上装修噪音", "广场舞音乐太大声", "隔壁半夜很吵"],
}


@pytest.fixture
def thin_history_below(settings):
    settings.TICKET_SUGGESTION_MIN_HISTORY = 10
    return 10


@pytest.fixture
def lift_team(estate_a):
    return TeamFactory(estate=estate_a, kind=Team.Kind.MAINTENANCE, name="电梯组")


@pytest.fixture
def security(estate_a):
    return TeamFactory(estate=estate_a, kind=Team.Kind.SECURITY, name="秩序组")


@pytest.fixture
def history(unit_a, maintenance, lift_team, security, thin_history_below):
    """Closed tickets as staff settled them: elevators went to the lift team, not maintenance."""
    teams = {"plumbing": maintenance, "elevator": lift_team, "noise": security}
    for code, descriptions in HISTORY.items():
        for text in descriptions:
            TicketFactory(
                unit=unit_a,
                status=Ticket.Status.CLOSED,
                category=category(code),
                team=teams[code],
                description=text,
            )
    # Open tickets teach nothing: their category may still change.
    TicketFactory(unit=unit_a, status=Ticket.Status.NEW, category=category("fees"), description="电梯费用")
    return teams


def test_char_ngrams_work_without_spaces():
    grams = char_ngrams("马桶，漏水")
    assert {"马", "马桶", " 马", "桶 ", " 马桶", "漏水", "漏水 "} <= set(grams)
    assert "桶，" not in grams and "桶漏" not in grams  # punctuation separates words


def test_the_same_history_trains_the_same_model():
    examples = [(text, i, 100 + i) for i, texts in enumerate(HISTORY.values()) for text in texts]
    assert IntakeModel.fit(examples).dumps() == IntakeModel.fit(list(reversed(examples))).dumps()


def test_trained_model_ranks_the_category_staff_used_first(history, estate_a, lift_team):
    stored = services.train_suggestion_model(estate_id=estate_a.pk, now=NOW)
    assert (stored.ticket_count, stored.category_count) == (14, 3)

    result = selectors.intake_suggestions(estate=estate_a, description="电梯门一直关不上，里面有人")
    assert result.source == "history"
    assert result.categories[0].id == category("elevator").pk
    assert result.categories[0].confidence > 0.5
    assert sum(c.confidence for c in result.categories) <= 1.0 + 1e-9
    assert result.teams[0].id == lift_team.pk
    # The chip pairs the category with the team that finished its tickets, not the kind's default.
    assert (result.pairs[0].category.id, result.pairs[0].team.id) == (category("elevator").pk, lift_team.pk)

    plumbing = selectors.intake_suggestions(estate=estate_a, description="马桶堵塞")
    assert plumbing.categories[0].id == category("plumbing").pk
    assert len(plumbing.categories) == 3 and len(plumbing.teams) == 3


def test_retraining_on_the_same_history_keeps_the_stored_model(history, estate_a):
    first = services.train_suggestion_model(estate_id=estate_a.pk, now=NOW)
    again = services.train_suggestion_model(estate_id=estate_a.pk, now=NOW + timedelta(days=1))
    assert again.trained_at == first.trained_at == NOW
    assert SuggestionModel.objects.count() == 1


def test_a_retrained_model_replaces_the_one_a_process_cached(history, estate_a, unit_a, security):
    services.train_suggestion_model(estate_id=estate_a.pk, now=NOW)
    question = "垃圾桶满了没人清理"
    before = selectors.intake_suggestions(estate=estate_a, description=question)
    assert before.categories[0].id != category("public_cleaning").pk
    for text in ["垃圾桶满了", "楼道垃圾没人清理", "垃圾站很臭", "大堂垃圾没人收"]:
        TicketFactory(
            unit=unit_a,
            status=Ticket.Status.RESOLVED,
            category=category("public_cleaning"),
            team=security,
            description=text,
        )
    services.train_suggestion_model(estate_id=estate_a.pk, now=NOW + timedelta(days=1))
    after = selectors.intake_suggestions(estate=estate_a, description=question)
    assert after.categories[0].id == category("public_cleaning").pk


def test_inactive_categories_are_not_offered(history, estate_a):
    services.train_suggestion_model(estate_id=estate_a.pk, now=NOW)
    TicketCategory.objects.filter(code="elevator").update(is_active=False)
    result = selectors.intake_suggestions(estate=estate_a, description="电梯困人")
    assert category("elevator").pk not in [c.id for c in result.categories]


def test_thin_history_falls_back_on_keywords(
    estate_a, unit_a, maintenance, customer_service, thin_history_below
):
    for _ in range(thin_history_below - 1):
        TicketFactory(
            unit=unit_a, status=Ticket.Status.CLOSED, category=category("noise"), description="噪音"
        )
    assert services.train_suggestion_model(estate_id=estate_a.pk, now=NOW) is None
    assert not SuggestionModel.objects.exists()

    result = selectors.intake_suggestions(estate=estate_a, description="厨房的马桶堵塞了，水龙头也坏")
    assert result.source == "keywords"
    assert result.categories[0].id == category("plumbing").pk
    assert result.teams[0].id == maintenance.pk
    assert result.pairs[0].team.id == maintenance.pk


def test_one_category_in_history_is_too_thin(estate_a, unit_a, thin_history_below):
    for _ in range(thin_history_below + 5):
        TicketFactory(
            unit=unit_a, status=Ticket.Status.CLOSED, category=category("noise"), description="噪音"
        )
    assert services.train_suggestion_model(estate_id=estate_a.pk, now=NOW) is None


def test_keywords_match_category_names_in_either_language():
    ranked = keyword_scores("the elevator is stuck", {1: ["Elevator"], 2: ["Plumbing"]})
    assert [r.label for r in ranked] == [1]
    assert keyword_scores("没有任何线索", {1: ["电梯"]}) == []


def test_nothing_recognisable_gives_no_suggestion(estate_a, maintenance):
    result = selectors.intake_suggestions(estate=estate_a, description="请回电")
    assert (result.source, result.categories, result.pairs) == ("keywords", [], [])


# --- the nightly task ----------------------------------------------------------------------------


def test_nightly_task_trains_estates_with_history_and_drops_thinned_ones(history, estate_a, estate_b):
    SuggestionModel.objects.create(
        estate=estate_b, trained_at=NOW, ticket_count=99, category_count=2, payload=b"stale"
    )
    # The nightly task queues one training per estate (eager here): a parent of subtasks, so its
    # result is read without the guard against waiting inside a worker.
    assert tasks.retrain_intake_suggestions.delay().get(disable_sync_subtasks=False) == 2
    assert set(SuggestionModel.objects.values_list("estate_id", flat=True)) == {estate_a.pk}
    first = SuggestionModel.objects.get()
    tasks.retrain_intake_suggestions.delay()  # a second run changes nothing
    assert SuggestionModel.objects.get().trained_at == first.trained_at


# --- the API -------------------------------------------------------------------------------------


def test_frontdesk_gets_suggestions(api_as, users, history, estate_a, lift_team):
    services.train_suggestion_model(estate_id=estate_a.pk, now=NOW)
    response = api_as(users["frontdesk"]).post(
        "/api/tickets/suggest/", {"description": "电梯困人了", "estate": estate_a.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "history"
    assert body["categories"][0]["id"] == category("elevator").pk
    assert body["categories"][0]["name"] == str(category("elevator"))
    assert 0 < body["categories"][0]["confidence"] <= 1
    assert body["teams"][0] == {
        "id": lift_team.pk,
        "name": "电梯组",
        "confidence": body["teams"][0]["confidence"],
    }
    assert body["suggestions"][0]["team"]["id"] == lift_team.pk


@pytest.mark.parametrize("description", ["", "   "])
def test_empty_description_is_a_clear_400(api_as, users, estate_a, description):
    response = api_as(users["frontdesk"]).post(
        "/api/tickets/suggest/",
        {"description": description, "estate": estate_a.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["description"] == ["Type a few words of the description to get suggestions."]


def test_another_estate_is_not_found(api_as, users, estate_b):
    response = api_as(users["frontdesk"]).post(
        "/api/tickets/suggest/", {"description": "电梯困人", "estate": estate_b.pk}, format="json"
    )
    assert response.status_code == 404
    assert "categories" not in response.json()


@pytest.mark.parametrize("role", ["technician", "clerk", "company"])
def test_roles_that_do_not_register_are_refused(api_as, users, estate_a, role):
    response = api_as(users[role]).post(
        "/api/tickets/suggest/", {"description": "电梯困人", "estate": estate_a.pk}, format="json"
    )
    assert response.status_code == 403


def test_residents_are_refused(api_as, resident, estate_a):
    response = api_as(resident).post(
        "/api/tickets/suggest/", {"description": "电梯困人", "estate": estate_a.pk}, format="json"
    )
    assert response.status_code == 403


def test_suggest_query_count(api_as, users, history, estate_a, django_assert_max_num_queries):
    services.train_suggestion_model(estate_id=estate_a.pk, now=NOW)
    client = api_as(users["frontdesk"])
    payload = {"description": "电梯困人了", "estate": estate_a.pk}
    client.post("/api/tickets/suggest/", payload, format="json")  # loads the model into this process
    with django_assert_max_num_queries(10) as captured:
        assert client.post("/api/tickets/suggest/", payload, format="json").status_code == 200
    assert not any("payload" in q["sql"] for q in captured.captured_queries)


def test_desk_form_includes_the_suggestion_chips(client_as, users):
    from django.urls import reverse

    html = client_as(users["frontdesk"]).get(reverse("tickets:create")).content.decode()
    assert "js/intake_suggestions.js" in html
    assert 'data-suggest-url="/api/tickets/suggest/"' in html
