"""The desk knowledge drawer inserts a standard answer into the ticket reply being written; the
key custody page and the resident's invoice page on a phone, with screenshots in both languages."""

import pytest

from frontdesk.knowledge_defaults import ensure_default_knowledge
from frontdesk.models import KnowledgeEntry
from residents.models import Person
from tests.browser.conftest import shot
from tests.factories import PersonFactory
from tests.frontdesk.keys_helpers import owner_with_id, register
from tests.tickets.factories import category
from tests.tickets.factories import register as register_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def complaint(users, unit_a):
    from tests.tickets.conftest import ensure_default_categories

    ensure_default_categories()
    ensure_default_knowledge(entry_model=KnowledgeEntry)
    person = PersonFactory(estate=unit_a.estate, name="李四", mobile="13800138000")
    return register_ticket(
        users["frontdesk"], unit_a, kind="complaint", category=category("noise"), reporter=person
    )


@pytest.mark.parametrize(
    ("lang", "width", "query", "expected"),
    [("zh-hans", 360, "报修", "您可以到前台登记"), ("en", 1280, "repair", "Report it at the desk")],
)
def test_a_standard_answer_goes_into_the_reply(
    page_as, live_server, users, complaint, lang, width, query, expected
):
    page = page_as(users["frontdesk"], lang=lang, width=width)
    page.goto(f"{live_server.url}/tickets/{complaint.pk}/")
    page.locator("details:has(#reply-channel) summary").click()
    page.fill("#reply-note", "您好，")
    page.click("#kb-drawer > summary")
    page.fill("#kb-q", query)
    button = page.locator("[data-kb-results] li", has_text=expected).locator("button")
    button.click()
    assert expected in page.input_value("#reply-note")
    assert page.input_value("#reply-note").startswith("您好，")
    shot(page, f"knowledge-drawer-{lang}-{width}")


@pytest.mark.parametrize(("lang", "width"), [("zh-hans", 360), ("en", 1280)])
def test_the_key_custody_page(page_as, live_server, users, unit_a, resident, lang, width):
    owner = owner_with_id(resident)
    custody = register(unit_a, owner, users["frontdesk"])
    page = page_as(users["frontdesk"], lang=lang, width=width)
    page.goto(f"{live_server.url}/desk/keys/{custody.pk}/")
    assert page.locator("[data-action=hand_out]").count() == 1
    shot(page, f"key-custody-{lang}-{width}")
    assert Person.objects.filter(pk=owner.pk).exists()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_residents_invoice_page_on_a_phone(page_as, live_server, resident, lang):
    page = page_as(resident, lang=lang, width=360)
    page.goto(f"{live_server.url}/portal/invoices/")
    assert page.locator("h1").count() == 1
    shot(page, f"portal-invoices-{lang}-360")
