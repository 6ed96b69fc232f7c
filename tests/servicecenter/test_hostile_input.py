"""Hostile input gets a clear 400 (or the documented status) and changes nothing.

Each rule lives once in the kernel (`servicecenter/parsers.py`, `money.py`, `paging.py`,
`validators.py`, `api.py`, `forms.py`); these tests go through the real endpoints and pages and
check the database is untouched."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils import translation
from rest_framework.parsers import JSONParser

from billing import services as billing_services
from billing.models import Bill, Meter, MeterReading, Payment, Reminder
from servicecenter import paging
from servicecenter.api_router import router
from servicecenter.exceptions import DomainError
from servicecenter.forms import MoneyFormField, ReasonableDateFormField
from servicecenter.money import MoneyError, parse_money
from servicecenter.parsers import MAX_JSON_BYTES, MAX_JSON_DEPTH, StrictJSONParser
from tests.billing.conftest import make_bill, make_item
from tests.tickets.conftest import (
    ensure_default_categories,
    maintenance,  # noqa: F401  (a fixture the ticket API needs)
)
from tests.tickets.factories import TicketFactory, category
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def counts() -> tuple[int, ...]:
    return (
        Ticket.objects.count(),
        Bill.objects.count(),
        Payment.objects.count(),
        MeterReading.objects.count(),
        Reminder.objects.count(),
    )


@pytest.fixture(autouse=True)
def _categories(db):
    ensure_default_categories()  # transactional tests elsewhere flush the seeded categories


@pytest.fixture
def clerk_api(api_as, users):
    # Money writes need a key before anything else is read; these requests must reach the parser.
    client = api_as(users["clerk"])
    client.credentials(**client._credentials, HTTP_IDEMPOTENCY_KEY="hostile-input")
    return client


@pytest.fixture
def manager_api(api_as, users):
    client = api_as(users["manager"])
    client.credentials(**client._credentials, HTTP_IDEMPOTENCY_KEY="hostile-input")
    return client


def ticket_body(unit, **extra):
    data = {
        "kind": "repair",
        "channel": "phone",
        "category": category("plumbing").pk,
        "description": "厨房下水道堵了",
        "reporter_name": "张先生",
        "reporter_phone": "13800138000",
        "unit": unit.pk,
    }
    data.update(extra)
    return data


# --- JSON ---------------------------------------------------------------------------------------

WRITE_ENDPOINTS = ["/api/tickets/", "/api/payments/", "/api/bills/", "/api/meter-readings/"]


@pytest.mark.parametrize("url", WRITE_ENDPOINTS)
def test_json_nested_ten_thousand_deep_is_a_400(manager_api, unit_a, url):
    before = counts()
    body = "[" * 10_000 + "]" * 10_000
    response = manager_api.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
    assert counts() == before


def test_deep_nesting_inside_a_field_is_a_400(manager_api, unit_a, maintenance):  # noqa: F811
    before = counts()
    body = '{"kind": "repair", "description": ' + '{"a": ' * 5_000 + "1" + "}" * 5_000 + "}"
    response = manager_api.post("/api/tickets/", body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]
    assert counts() == before


def test_brackets_inside_strings_do_not_count_as_nesting(manager_api, unit_a, maintenance):  # noqa: F811
    description = "[{" * 100 + ' \\" ' + "}]" * 100
    response = manager_api.post("/api/tickets/", ticket_body(unit_a, description=description), format="json")
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().description == description


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_numbers_are_a_400(clerk_api, unit_a, constant):
    make_bill(unit_a, "100.00")
    before = counts()
    body = f'{{"unit": {unit_a.pk}, "amount": {constant}, "method": "cash"}}'
    response = clerk_api.post("/api/payments/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "The request body is not valid JSON."
    assert counts() == before


def test_oversized_json_body_is_a_413(clerk_api, unit_a):
    before = counts()
    body = '{"note": "' + "x" * MAX_JSON_BYTES + '"}'
    response = clerk_api.post("/api/payments/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is too large."
    assert counts() == before


def test_broken_json_and_bad_encoding_are_a_400(clerk_api):
    for body in ('{"unit": 1,', b'{"note": "\xff\xfe"}'):
        response = clerk_api.post("/api/payments/", body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["detail"] == "The request body is not valid JSON."


def test_parser_messages_are_translated(clerk_api):
    # The request activates Chinese in this thread; the override puts the language back after it.
    with translation.override(translation.get_language()):
        response = clerk_api.post(
            "/api/payments/", "[" * 100, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        expected = translation.gettext("The JSON is nested too deeply (at most %(depth)d levels).")
    assert response.json()["detail"] == expected % {"depth": MAX_JSON_DEPTH}


# --- money ----------------------------------------------------------------------------------------

BAD_AMOUNTS = [
    ("１００", "Enter an amount such as 123.45."),
    (" 10", "Enter an amount such as 123.45."),
    ("10 ", "Enter an amount such as 123.45."),
    ("1e3", "Enter an amount such as 123.45."),
    ("+5", "Enter an amount such as 123.45."),
    ("1,000", "Enter an amount such as 123.45."),
    ("١٠", "Enter an amount such as 123.45."),  # Arabic-Indic digits
    ("1" * 27, "The amount is too large."),
    ("1" * 11, "The amount is too large."),
    ("9" * 40 + ".999", "Amounts have at most two decimal places."),
    ("10.005", "Amounts have at most two decimal places."),
]


@pytest.mark.parametrize("text, message", BAD_AMOUNTS)
def test_parse_money_refuses(text, message):
    with pytest.raises(MoneyError) as caught:
        parse_money(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "value, expected",
    [("10", "10.00"), ("0.5", "0.50"), ("9999999999.99", "9999999999.99"), (100, "100.00")],
)
def test_parse_money_accepts(value, expected):
    assert parse_money(value) == Decimal(expected)


def test_parse_money_sign_and_zero_rules():
    assert parse_money("-5", allow_negative=True) == Decimal("-5.00")
    with pytest.raises(MoneyError, match="cannot be negative"):
        parse_money("-5")
    with pytest.raises(MoneyError, match="more than zero"):
        parse_money("0.00", allow_zero=False)
    with pytest.raises(MoneyError):
        parse_money(12.5)  # a float: never exact
    assert parse_money(Decimal("1164.54000")) == Decimal("1164.54")
    with pytest.raises(MoneyError, match="too large"):
        parse_money(Decimal("1" * 30))


@pytest.mark.parametrize("text, message", BAD_AMOUNTS)
def test_api_payment_refuses_hostile_amounts(clerk_api, unit_a, text, message):
    make_bill(unit_a, "100.00")
    before = counts()
    response = clerk_api.post(
        "/api/payments/", {"unit": unit_a.pk, "amount": text, "method": "cash"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["amount"] == [message]
    assert counts() == before


@pytest.mark.parametrize("text", ["1" * 27, "１２", " 35"])
def test_api_bill_refuses_hostile_amounts(clerk_api, unit_a, estate_a, text):
    item = make_item(estate_a, "repair", rate=None)
    before = counts()
    body = {"unit": unit_a.pk, "charge_item": item.pk, "amount": text}
    response = clerk_api.post("/api/bills/", body, format="json")
    assert response.status_code == 400 and "amount" in response.json()
    assert counts() == before


@pytest.mark.parametrize("text", ["1" * 27, "１００", " 10", "1e2", "-1"])
def test_api_ticket_refuses_hostile_service_price(manager_api, unit_a, maintenance, text):  # noqa: F811
    before = counts()
    body = ticket_body(unit_a, is_paid_service=True, service_price=text)
    response = manager_api.post("/api/tickets/", body, format="json")
    assert response.status_code == 400 and "service_price" in response.json()
    assert counts() == before


def test_api_ticket_accepts_a_plain_price(manager_api, unit_a, maintenance):  # noqa: F811
    body = ticket_body(unit_a, is_paid_service=True, service_price="80.50")
    assert manager_api.post("/api/tickets/", body, format="json").status_code == 201
    assert Ticket.objects.get().service_price == Decimal("80.50")


@pytest.mark.parametrize("text", ["1" * 27, "１００", " 10"])
def test_api_meter_reading_refuses_hostile_values(clerk_api, unit_a, text):
    meter = Meter.objects.create(estate=unit_a.estate, unit=unit_a, kind=Meter.Kind.WATER)
    before = counts()
    body = {"meter": meter.pk, "period": "2025-03", "value": text}
    response = clerk_api.post("/api/meter-readings/", body, format="json")
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize("text", ["1" * 27, "１００", " 10", "1e3"])
def test_desk_cashier_refuses_hostile_amounts(client_as, users, unit_a, text):
    make_bill(unit_a, "300.00")
    before = counts()
    response = client_as(users["clerk"]).post(
        reverse("billing:cashier"),
        {"unit": unit_a.pk, "amount": text, "method": "cash", "idempotency_key": "k"},
    )
    assert response.status_code == 400  # the form again, with the error under the field
    assert response.context["form"].errors["amount"]
    assert counts() == before


@pytest.mark.parametrize("text", ["1" * 27, "１００", " 10", "1e3"])
def test_money_form_field_refuses(text):
    field = MoneyFormField(required=False)
    with pytest.raises(Exception) as caught:
        field.clean(text)
    assert caught.type.__name__ == "ValidationError"
    assert field.clean("") is None and field.clean("12.30") == Decimal("12.30")


def test_services_refuse_huge_amounts_without_a_500(unit_a, users):
    """The service path, not only the serializers: a 27-digit amount used to reach Decimal's
    `quantize` and overflow its precision (InvalidOperation: a 500)."""
    before = counts()
    with pytest.raises(DomainError):
        billing_services.record_payment(
            unit=unit_a, amount="1" * 27, method="cash", actor=users["clerk"], idempotency_key="huge"
        )
    meter = Meter.objects.create(estate=unit_a.estate, unit=unit_a, kind=Meter.Kind.WATER)
    with pytest.raises(DomainError):
        billing_services.record_meter_reading(
            meter=meter, period=date(2025, 3, 1), value="1" * 27, actor=users["clerk"]
        )
    assert counts() == before


# --- ids in URLs and query strings ----------------------------------------------------------------


def test_router_lookup_is_ascii_digits_only():
    assert router._default_value_pattern == "[0-9]+"


@pytest.mark.parametrize("prefix, viewset", [(prefix, viewset) for prefix, viewset, _ in router.registry])
def test_every_viewset_parses_json_strictly(prefix, viewset):
    parsers = viewset().get_parsers()
    assert not any(isinstance(p, JSONParser) and not isinstance(p, StrictJSONParser) for p in parsers)


@pytest.mark.parametrize("prefix, viewset", [(prefix, viewset) for prefix, viewset, _ in router.registry])
def test_every_api_detail_route_takes_ascii_digits_only(prefix, viewset):
    if hasattr(viewset, "retrieve"):
        assert resolve(f"/api/{prefix}/12/").kwargs == {"pk": "12"}
    with pytest.raises(Resolver404):
        resolve(f"/api/{prefix}/{'12'.translate(FULL_WIDTH)}/")
    with pytest.raises(Resolver404):
        resolve(f"/api/{prefix}/１２/void/")


def test_full_width_bill_id_is_a_404(clerk_api, unit_a):
    bill = make_bill(unit_a, "10.00")
    assert clerk_api.get(f"/api/bills/{bill.pk}/").status_code == 200
    assert clerk_api.get(f"/api/bills/{str(bill.pk).translate(FULL_WIDTH)}/").status_code == 404


def _int_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _int_routes(pattern, route)
        elif "<int:" in route and "(?P" not in route:
            yield route


def test_desk_urls_take_ascii_digits_only():
    routes = list(_int_routes())
    assert len(routes) > 10
    for route in routes:
        ascii_path = "/" + __import__("re").sub(r"<int:\w+>", "12", route).replace("<slug:action>", "x")
        full_width = "/" + __import__("re").sub(r"<int:\w+>", "１２", route).replace("<slug:action>", "x")
        resolve(ascii_path)
        with pytest.raises(Resolver404):
            resolve(full_width)


@pytest.mark.parametrize("value", ["²", "１２", "9" * 30])
def test_desk_id_query_parameters_do_not_500(client_as, users, unit_a, value):
    client = client_as(users["clerk"])
    assert client.get(reverse("billing:arrears"), {"estate": value, "building": value}).status_code == 200
    assert client_as(users["frontdesk"]).get(reverse("tickets:create"), {"unit": value}).status_code == 200


# --- paging ---------------------------------------------------------------------------------------

MALFORMED_PAGES = ["abc", "-1", "0", "１", "1.5", " 1", "99999999999999999999"]
LIST_ENDPOINTS = ["/api/bills/", "/api/payments/", "/api/tickets/", "/api/callbacks/", "/api/units/"]


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
@pytest.mark.parametrize("page", MALFORMED_PAGES)
def test_api_malformed_page_is_a_400(manager_api, url, page):
    response = manager_api.get(url, {"page": page})
    assert response.status_code == 400
    assert response.json()["detail"] == "The page number must be a whole number from 1 to 100000."


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
@pytest.mark.parametrize("size", ["abc", "0", "-5", "10000", "５"])
def test_api_malformed_page_size_is_a_400(manager_api, url, size):
    response = manager_api.get(url, {"page_size": size})
    assert response.status_code == 400
    assert response.json()["detail"] == "The page size must be a whole number from 1 to 200."


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_api_page_past_the_end_stays_a_404_and_good_pages_work(manager_api, url):
    assert manager_api.get(url, {"page": "1", "page_size": "200"}).status_code == 200
    assert manager_api.get(url, {"page": "50"}).status_code == 404


def test_page_number_parser():
    assert paging.page_number(None) == 1 and paging.page_number("") == 1 and paging.page_number("7") == 7
    for bad in MALFORMED_PAGES:
        with pytest.raises(paging.InvalidPageNumber):
            paging.page_number(bad)
    assert paging.page_size("50", default=25, maximum=200) == 50
    with pytest.raises(paging.InvalidPageNumber):
        paging.page_size("201", default=25, maximum=200)


@pytest.mark.parametrize(
    "name", ["billing:bill_list", "billing:payment_list", "tickets:list", "tickets:callbacks"]
)
@pytest.mark.parametrize("page", ["abc", "-1", "0", "１", "50"])
def test_desk_malformed_or_missing_page_is_a_404(client_as, users, name, page):
    client = client_as(users["manager"])
    assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse(name), {"page": page}).status_code == 404


def test_desk_real_pages_still_work(client_as, users, unit_a):
    for month in range(1, 13):
        make_bill(unit_a, "3.00", period=date(2024, month, 1))
    client = client_as(users["manager"])
    response = client.get(reverse("billing:bill_list"), {"page": "1"})
    assert response.status_code == 200 and response.context["page"].number == 1
    for _ in range(30):
        TicketFactory(estate=unit_a.estate, unit=unit_a)
    assert client.get(reverse("tickets:list"), {"page": "2"}).status_code == 200


# --- dates ----------------------------------------------------------------------------------------

FAR_DATES = ["0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"]


@pytest.mark.parametrize("day", FAR_DATES)
def test_api_bill_due_date_out_of_range_is_a_400(clerk_api, unit_a, estate_a, day):
    item = make_item(estate_a, "repair", rate=None)
    before = counts()
    body = {"unit": unit_a.pk, "charge_item": item.pk, "amount": "35.00", "due_date": day}
    response = clerk_api.post("/api/bills/", body, format="json")
    assert response.status_code == 400
    assert response.json()["due_date"] == ["Enter a date between 2000-01-01 and 2099-12-31."]
    assert counts() == before


def test_api_bill_due_date_in_range_is_accepted(clerk_api, unit_a, estate_a):
    item = make_item(estate_a, "repair", rate=None)
    body = {"unit": unit_a.pk, "charge_item": item.pk, "amount": "35.00", "due_date": "2030-06-30"}
    assert clerk_api.post("/api/bills/", body, format="json").status_code == 201
    assert Bill.objects.get().due_date == date(2030, 6, 30)


@pytest.mark.parametrize(
    "body", [{"period": "0001-01"}, {"period": "9999-12"}, {"reading_date": "0001-01-01"}]
)
def test_api_meter_reading_dates_out_of_range_are_a_400(clerk_api, unit_a, body):
    meter = Meter.objects.create(estate=unit_a.estate, unit=unit_a, kind=Meter.Kind.WATER)
    before = counts()
    response = clerk_api.post(
        "/api/meter-readings/", {"meter": meter.pk, "period": "2025-03", "value": "12", **body}, format="json"
    )
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize(
    "url, params",
    [
        ("/api/payments/", {"since": "0001-01-01"}),
        ("/api/payments/", {"until": "9999-12-31"}),
        ("/api/tickets/", {"created_after": "0001-01-01"}),
        ("/api/tickets/", {"created_before": "9999-12-31"}),
    ],
)
def test_api_date_filters_out_of_range_are_a_400(manager_api, url, params):
    response = manager_api.get(url, params)
    assert response.status_code == 400
    assert list(response.json().values()) == [["Enter a date between 2000-01-01 and 2099-12-31."]]


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "２０２５-01"])
def test_api_metrics_month_out_of_range_is_a_400(manager_api, estate_a, month):
    response = manager_api.get("/api/tickets/metrics/", {"estate": estate_a.pk, "month": month})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "name, params",
    [
        ("tickets:list", {"created_before": "9999-12-31"}),
        ("tickets:list", {"created_after": "0001-01-01"}),
        ("billing:payment_list", {"since": "0001-01-01", "until": "9999-12-31"}),
        ("billing:bill_list", {"period": "0001-01"}),
        ("billing:journal", {"day": "0001-01-01"}),
        ("billing:journal", {"day": "2025-02-30"}),
        ("tickets:metrics", {"month": "0001-01"}),
    ],
)
def test_desk_date_parameters_out_of_range_do_not_500(client_as, users, estate_a, name, params):
    response = client_as(users["manager"]).get(reverse(name), {**params, "estate": estate_a.pk})
    assert response.status_code == 200


@pytest.mark.parametrize("day", FAR_DATES)
def test_date_form_field_refuses_far_dates(day):
    field = ReasonableDateFormField(required=False)
    with pytest.raises(Exception) as caught:
        field.clean(day)
    assert caught.type.__name__ == "ValidationError"
    assert field.clean("2025-03-01") == date(2025, 3, 1)


def test_desk_call_outcome_refuses_a_far_promise(client_as, users, unit_a):
    make_bill(unit_a, "100.00", due=date(2024, 1, 28))
    before = counts()
    response = client_as(users["manager"]).post(
        reverse("billing:call_outcome", args=[unit_a.pk]),
        {"outcome": Reminder.Outcome.PROMISED, "promised_date": "9999-12-31"},
    )
    assert response.status_code == 302
    assert counts() == before


# --- ids in query strings and bodies --------------------------------------------------------------


@pytest.mark.parametrize(
    "url, name",
    [
        ("/api/bills/", "unit"),
        ("/api/bills/", "estate"),
        ("/api/payments/", "unit"),
        ("/api/meter-readings/", "meter"),
        ("/api/tickets/", "unit"),
        ("/api/callbacks/", "ticket"),
    ],
)
@pytest.mark.parametrize("value", ["1e30", "9" * 30, "１２", "²", "-1"])
def test_api_id_filters_refuse_hostile_values(manager_api, url, name, value):
    response = manager_api.get(url, {name: value})
    assert response.status_code == 400
    assert response.json() == {name: ["Enter a whole number."]}


def test_api_id_filters_still_filter(manager_api, unit_a, unit_a2):
    make_bill(unit_a, "10.00")
    make_bill(unit_a2, "20.00")
    response = manager_api.get("/api/bills/", {"unit": str(unit_a.pk)})
    assert [row["unit"] for row in response.json()["results"]] == [unit_a.pk]


@pytest.mark.parametrize("unit", ["FULL_WIDTH", "²", "9" * 30, True])
def test_api_body_ids_take_ascii_digits_only(clerk_api, unit_a, estate_a, unit):
    item = make_item(estate_a, "repair", rate=None)
    if unit == "FULL_WIDTH":
        unit = str(unit_a.pk).translate(FULL_WIDTH)
    before = counts()
    response = clerk_api.post(
        "/api/bills/", {"unit": unit, "charge_item": item.pk, "amount": "5.00"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"unit": ["A valid integer is required."]}
    assert counts() == before
    body = {"unit": str(unit_a.pk), "charge_item": item.pk, "amount": "5.00"}
    assert clerk_api.post("/api/bills/", body, format="json").status_code == 201


@pytest.mark.parametrize(
    "url, name", [("/api/units/", "estate"), ("/api/persons/", "estate"), ("/api/occupancies/", "unit")]
)
@pytest.mark.parametrize("value", ["1e30", "１２", "99999999999999999999"])
def test_archive_id_filters_refuse_what_is_not_an_ascii_id(api_as, users, url, name, value):
    response = api_as(users["manager"]).get(url, {name: value})
    assert response.status_code == 400
