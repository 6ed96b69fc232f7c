"""The desk as a new user finds it (issue #12): the form remembers the last type and offers only
that type's categories, the list searches numbers, words, units and phones and says its order,
technicians land on their work, and money reads 12,345.60 on the right."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from servicecenter.money import format_money
from tests.factories import PersonFactory
from tests.tickets.factories import TicketFactory, category, register
from tickets import selectors, services
from tickets.models import DeskPreference, Ticket

pytestmark = pytest.mark.django_db


# --- the new-ticket form -------------------------------------------------------------------------


def _form(unit, **extra):
    return {
        "unit": unit.pk,
        "estate": unit.estate_id,
        "kind": "complaint",
        "channel": "phone",
        "category": category("noise").pk,
        "description": "楼上深夜噪音",
        "reporter_name": "张先生",
        "reporter_phone": "13800138000",
    } | extra


def test_the_form_starts_with_the_type_registered_last(users, unit_a, client_as):
    client = client_as(users["frontdesk"])
    assert client.get(reverse("tickets:create")).context["form"]["kind"].value() == "repair"
    response = client.post(reverse("tickets:create"), _form(unit_a))
    assert response.status_code == 302
    assert DeskPreference.objects.get(user=users["frontdesk"]).last_ticket_kind == "complaint"
    form = client.get(reverse("tickets:create")).context["form"]
    assert form["kind"].value() == "complaint"
    # Another user's form still starts with a repair.
    assert (
        client_as(users["manager"]).get(reverse("tickets:create")).context["form"]["kind"].value() == "repair"
    )


def test_a_category_of_another_type_is_refused_by_the_form_and_the_service(users, unit_a, client_as):
    response = client_as(users["frontdesk"]).post(reverse("tickets:create"), _form(unit_a, kind="repair"))
    assert response.status_code == 400
    assert "not offered for this type" in str(response.context["form"].errors["category"])
    with pytest.raises(ValidationError) as error:
        register(users["frontdesk"], unit_a, kind="repair", category=category("noise"))
    assert "category" in error.value.message_dict
    assert not Ticket.objects.exists()
    # A complaint about noise, and a repair of the plumbing, are fine.
    assert register(users["frontdesk"], unit_a, kind="complaint", category=category("noise")).pk
    assert register(users["frontdesk"], unit_a, kind="repair", category=category("plumbing")).pk


def test_the_form_knows_each_categorys_types():
    defaults = selectors.category_defaults()
    noise, plumbing = category("noise"), category("plumbing")
    assert (
        "repair" not in defaults[str(noise.pk)]["kinds"] and "complaint" in defaults[str(noise.pk)]["kinds"]
    )
    assert defaults[str(plumbing.pk)]["kinds"] == []  # every type


# --- the list: search and order ---------------------------------------------------------------


def _search(client, q):
    response = client.get(reverse("tickets:list"), {"q": q})
    assert response.status_code == 200
    return {t.number for t in response.context["page"].object_list}


def test_search_finds_numbers_words_units_and_phones(users, unit_a, unit_a2, client_as):
    person = PersonFactory(estate=unit_a.estate, mobile="13912345678")
    by_number = TicketFactory(unit=unit_a, number="LJY-20261130-0042", description="门锁坏了")
    by_phone = TicketFactory(unit=unit_a2, number="P1", reporter_phone="13700009999", description="x")
    by_person = TicketFactory(unit=unit_a2, number="P2", reporter=person, reporter_phone="", description="y")
    linked = TicketFactory(unit=unit_a2, number="P3", reporter_phone="", description="z")
    services.link_report(ticket=linked, actor=users["frontdesk"], name="邻居", phone="13600005555")
    client = client_as(users["frontdesk"])
    assert _search(client, "LJY-20261130") == {by_number.number}
    assert _search(client, "门锁") == {by_number.number}
    assert _search(client, unit_a.code) == {by_number.number}
    assert _search(client, "13700009999") == {"P1"}
    assert _search(client, "137-0000-9999") == {"P1"}
    assert _search(client, "9999") == {"P1"}
    assert _search(client, "13912345678") == {"P2"}
    assert _search(client, "5678") == {"P2"}
    assert _search(client, "5555") == {"P3"}  # a co-reporter's phone
    assert by_phone and by_person


def test_search_never_matches_a_fragment_the_mask_hides(users, unit_a, client_as):
    TicketFactory(unit=unit_a, number="P1", reporter_phone="13700009999")
    client = client_as(users["frontdesk"])
    assert _search(client, "3700009") == set()
    assert _search(client, "1370000") == set()


def test_search_keeps_its_query_count(users, unit_a, client_as, django_assert_max_num_queries):
    for n in range(5):
        TicketFactory(unit=unit_a, reporter_phone=f"1370000999{n}")
    client = client_as(users["frontdesk"])
    client.get(reverse("tickets:list"), {"q": "9990"})
    with django_assert_max_num_queries(14):
        assert _search(client, "9990")


def test_the_list_says_its_order(users, client_as):
    client = client_as(users["frontdesk"])
    page = client.get(reverse("tickets:list")).content.decode()
    assert 'data-testid="list-order">Newest first<' in page
    page = client.get(reverse("tickets:list"), {"view": "overdue"}).content.decode()
    assert 'data-testid="list-order">Earliest deadline first<' in page


def test_the_list_is_newest_first(users, unit_a, client_as):
    now = timezone.now()
    TicketFactory(unit=unit_a, number="OLD", created_at=now - timedelta(days=2))
    TicketFactory(unit=unit_a, number="NEW", created_at=now)
    page = client_as(users["frontdesk"]).get(reverse("tickets:list"))
    assert [t.number for t in page.context["page"].object_list] == ["NEW", "OLD"]


# --- landing ---------------------------------------------------------------------------------------


def test_technicians_land_on_their_work(users, client_as):
    response = client_as(users["technician"]).get("/")
    assert response.status_code == 302 and response["Location"] == reverse("tickets:my_work")
    assert client_as(users["frontdesk"]).get("/").status_code == 200
    # Supervisors land on the manager dashboard (issue #15).
    assert client_as(users["supervisor"]).get("/")["Location"] == reverse("dashboards:index")


# --- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("12345.6"), "12,345.60"),
        (Decimal("0"), "0.00"),
        (Decimal("-1234.565"), "-1,234.57"),
        ("9999999999.99", "9,999,999,999.99"),
        (None, ""),
    ],
)
def test_money_format(value, shown):
    assert format_money(value) == shown
    assert Template("{% load money %}{{ v|money }}").render(Context({"v": value})) == shown


def test_a_bill_list_shows_money_right_aligned_with_separators(users, unit_a, client_as):
    from tests.billing.conftest import make_bill

    make_bill(unit_a, "12345.60")
    page = client_as(users["clerk"]).get(reverse("billing:bill_list")).content.decode()
    assert '<td class="num" data-label="Amount">12,345.60</td>' in page
