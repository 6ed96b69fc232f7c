"""The desk knowledge base (答客问, 快捷短语): the seed, the search, the drawer and who edits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frontdesk.knowledge_defaults import DEFAULT_ENTRIES, ensure_default_knowledge
from frontdesk.models import KnowledgeEntry
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded(db):
    # The data migration seeds them; a transactional test elsewhere may have flushed the table.
    ensure_default_knowledge(entry_model=KnowledgeEntry)


def test_the_seed_is_present_in_both_languages():
    for language in ("zh-hans", "en"):
        entries = KnowledgeEntry.objects.filter(estate__isnull=True, language=language, is_active=True)
        assert entries.filter(kind="answer").count() >= 12
        assert entries.filter(kind="phrase").exists()
        assert set(entries.values_list("topic", flat=True)) == {"hours", "fees", "rules", "contacts", "other"}
    hours = KnowledgeEntry.objects.get(language="zh-hans", title="客服中心接待时间")
    assert "8:30–18:00" in hours.body and "9:00–17:00" in hours.body
    assert len(DEFAULT_ENTRIES["zh-hans"]) == len(DEFAULT_ENTRIES["en"])


def test_seeding_again_adds_nothing_and_keeps_edits():
    entry = KnowledgeEntry.objects.get(language="en", title="Reception hours")
    entry.body = "Edited by the manager"
    entry.save()
    assert ensure_default_knowledge(entry_model=KnowledgeEntry) == 0
    entry.refresh_from_db()
    assert entry.body == "Edited by the manager"


def test_search_finds_by_every_word_in_the_language(api_as, users):
    client = api_as(users["frontdesk"])
    zh = client.get("/api/knowledge/", {"q": "押金 退还", "language": "zh-hans"}).json()["results"]
    assert [e["title"] for e in zh] == ["装修押金"]
    en = client.get("/api/knowledge/", {"q": "parcel", "language": "en"}).json()["results"]
    assert [e["title"] for e in en] == ["Parcels"]
    assert client.get("/api/knowledge/", {"language": "fr"}).status_code == 400


def test_an_estates_own_entries_stay_in_that_estate(api_as, users, estate_a, estate_b):
    KnowledgeEntry.objects.create(estate=estate_b, language="zh-hans", title="滨江停车", body="地下车库B2")
    KnowledgeEntry.objects.create(estate=estate_a, language="zh-hans", title="绿景停车", body="地下车库B1")
    titles = [
        e["title"] for e in api_as(users["frontdesk"]).get("/api/knowledge/", {"q": "车库"}).json()["results"]
    ]
    assert titles == ["绿景停车"]


def test_the_drawer_endpoint_answers_in_the_pages_language(client_as, users, django_assert_max_num_queries):
    client = client_as(users["technician"])
    url = reverse("frontdesk:knowledge_search")
    with django_assert_max_num_queries(8):
        response = client.get(url, {"q": "报修"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert [e["title"] for e in response.json()["results"]] == ["如何报修"]
    english = client.get(url, {"q": "repair", "language": "en"}).json()["results"]
    assert "How to report a repair" in [e["title"] for e in english]
    assert all("repair" in (e["title"] + e["body"]).lower() for e in english)


def test_every_desk_page_carries_the_drawer_with_its_own_script(client_as, users):
    response = client_as(users["frontdesk"]).get(reverse("frontdesk:keys"))
    html = response.content.decode()
    assert 'id="kb-drawer"' in html
    assert reverse("frontdesk:knowledge_search") in html
    assert "js/knowledge.js" in html
    assert "<script>" not in html  # no inline script under the CSP


def test_residents_have_no_drawer_and_no_endpoint(client_as, resident):
    client = client_as(resident)
    assert client.get(reverse("frontdesk:knowledge_search"), {"q": "x"}).status_code == 404
    assert 'id="kb-drawer"' not in client.get(reverse("portal:invoice_requests")).content.decode()


def test_the_manager_writes_through_the_api_and_the_desk_may_not(api_as, users, estate_a):
    body = {
        "estate": estate_a.pk,
        "language": "zh-hans",
        "topic": "contacts",
        "title": "物业电话",
        "body": "0755-12345678",
    }
    assert api_as(users["frontdesk"]).post("/api/knowledge/", body, format="json").status_code == 403
    manager = api_as(users["manager"])
    created = manager.post("/api/knowledge/", body, format="json")
    assert created.status_code == 201, created.json()
    duplicate = manager.post("/api/knowledge/", body, format="json")
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "duplicate_title"
    company_wide = manager.post(
        "/api/knowledge/", {**body, "estate": None, "title": "总部电话"}, format="json"
    )
    assert company_wide.status_code == 400 and company_wide.json()["code"] == "estate_required"
    entry_id = created.json()["id"]
    changed = manager.patch(f"/api/knowledge/{entry_id}/", {"is_active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["is_active"] is False


def test_an_estate_manager_reads_but_does_not_edit_company_wide_entries_in_the_admin(client, estate_a):
    manager = make_staff("manager", estate_a, username="kb-admin", is_staff=True)
    client.force_login(manager)
    entry = KnowledgeEntry.objects.filter(estate__isnull=True).first()
    url = reverse("admin:frontdesk_knowledgeentry_change", args=[entry.pk])
    response = client.post(
        url,
        {"language": "en", "topic": "other", "kind": "answer", "title": "x", "body": "y", "sort_order": 1},
    )
    entry.refresh_from_db()
    assert entry.title != "x"
    assert response.status_code in (302, 403)
    added = client.post(
        reverse("admin:frontdesk_knowledgeentry_add"),
        {
            "estate": "",
            "language": "en",
            "topic": "other",
            "kind": "answer",
            "title": "Company wide",
            "body": "y",
            "sort_order": 1,
        },
    )
    assert added.status_code == 200  # the form again, with the error
    assert not KnowledgeEntry.objects.filter(title="Company wide").exists()
    own = client.post(
        reverse("admin:frontdesk_knowledgeentry_add"),
        {
            "estate": estate_a.pk,
            "language": "en",
            "topic": "other",
            "kind": "answer",
            "title": "Ours",
            "body": "y",
            "sort_order": 1,
        },
    )
    assert own.status_code == 302
    assert KnowledgeEntry.objects.filter(title="Ours", estate=estate_a).exists()
