from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Bill, IdempotencyRecord, MeterReading, Payment, Receipt
from tests.billing.conftest import make_bill, make_item, new_key
from tests.billing.factories import MeterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_api(api_as, users):
    return api_as(users["clerk"])


def post_payment(client, body, key=None):
    return client.post("/api/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY=key or new_key())


def test_take_a_payment(clerk_api, unit_a):
    bill = make_bill(unit_a, "100.00")
    response = post_payment(
        clerk_api, {"unit": unit_a.pk, "amount": "120.50", "method": "cash", "bills": [bill.pk]}, key="a1"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["amount"] == "120.50" and data["status"] == "posted"
    assert data["receipt_number"] == f"LJY-{timezone.localdate().year}-000001"
    assert data["allocations"] == [{"bill": bill.pk, "amount": "100.00"}]
    assert data["to_prepaid_balance"] == "20.50"


@pytest.mark.parametrize(
    "amount", ["-10.00", "0", "0.00", "12.345", "abc", "", "1e2", None, 12.5, True, "NaN"]
)
def test_bad_amounts_get_400_and_change_nothing(clerk_api, unit_a, amount):
    make_bill(unit_a, "100.00")
    response = post_payment(clerk_api, {"unit": unit_a.pk, "amount": amount, "method": "cash"}, key="bad")
    assert response.status_code == 400
    assert "amount" in response.json()
    assert (
        not Payment.objects.exists()
        and not Receipt.objects.exists()
        and not IdempotencyRecord.objects.exists()
    )


def test_integer_amount_is_accepted(clerk_api, unit_a):
    assert post_payment(clerk_api, {"unit": unit_a.pk, "amount": 100, "method": "cash"}).status_code == 201


def test_idempotency_key_replays_the_first_result(clerk_api, unit_a):
    make_bill(unit_a, "100.00")
    body = {"unit": unit_a.pk, "amount": "50.00", "method": "wechat"}
    first = post_payment(clerk_api, body, key="same")
    second = post_payment(clerk_api, body, key="same")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


def test_idempotency_key_with_another_body_is_409(clerk_api, unit_a):
    post_payment(clerk_api, {"unit": unit_a.pk, "amount": "50.00", "method": "cash"}, key="k")
    response = post_payment(clerk_api, {"unit": unit_a.pk, "amount": "51.00", "method": "cash"}, key="k")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_payment_for_a_unit_out_of_reach_is_404(clerk_api, unit_b):
    assert post_payment(clerk_api, {"unit": unit_b.pk, "amount": "5.00", "method": "cash"}).status_code == 404


def test_residents_and_front_desk_cannot_take_payments(api_as, users, resident, unit_a):
    body = {"unit": unit_a.pk, "amount": "5.00", "method": "cash"}
    assert post_payment(api_as(resident), body).status_code == 403
    assert post_payment(api_as(users["frontdesk"]), body).status_code == 403


def test_void_needs_the_permission_and_is_409_twice(api_as, users, clerk_api, unit_a):
    payment_id = post_payment(clerk_api, {"unit": unit_a.pk, "amount": "5.00", "method": "cash"}).json()["id"]
    assert (
        clerk_api.post(f"/api/payments/{payment_id}/void/", {"reason": "x"}, format="json").status_code == 403
    )
    manager = api_as(users["manager"])
    assert manager.post(f"/api/payments/{payment_id}/void/", {"reason": ""}, format="json").status_code == 400
    response = manager.post(f"/api/payments/{payment_id}/void/", {"reason": "typo"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "voided"
    assert (
        manager.post(f"/api/payments/{payment_id}/void/", {"reason": "typo"}, format="json").status_code
        == 409
    )


def test_resident_sees_only_own_bills(api_as, resident, unit_a, unit_a2):
    mine = make_bill(unit_a, "10.00")
    theirs = make_bill(unit_a2, "20.00")
    client = api_as(resident)
    ids = [b["id"] for b in client.get("/api/bills/").json()["results"]]
    assert ids == [mine.pk]
    assert client.get(f"/api/bills/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/bills/{mine.pk}/").json()["amount"] == "10.00"


def test_resident_sees_only_own_payments(api_as, users, resident, unit_a, unit_a2):
    from billing import services

    services.record_payment(
        idempotency_key=new_key(), unit=unit_a, amount="5.00", method="cash", actor=users["clerk"]
    )
    other = services.record_payment(
        idempotency_key=new_key(), unit=unit_a2, amount="7.00", method="cash", actor=users["clerk"]
    ).payment
    client = api_as(resident)
    assert [p["amount"] for p in client.get("/api/payments/").json()["results"]] == ["5.00"]
    assert client.get(f"/api/payments/{other.pk}/").status_code == 404


def test_staff_see_only_their_estates(clerk_api, unit_a, unit_b):
    make_bill(unit_a, "10.00")
    other = make_bill(unit_b, "20.00")
    assert clerk_api.get("/api/bills/").json()["count"] == 1
    assert clerk_api.get(f"/api/bills/{other.pk}/").status_code == 404


def test_bill_filters(clerk_api, unit_a, unit_a2):
    today = timezone.localdate()
    overdue = make_bill(unit_a, "10.00", period=date(2025, 1, 1), due=today - timedelta(days=3))
    make_bill(unit_a2, "20.00", period=date(2025, 2, 1), due=today + timedelta(days=3))
    get = lambda q: [b["id"] for b in clerk_api.get(f"/api/bills/?{q}").json()["results"]]  # noqa: E731
    assert get("overdue=true") == [overdue.pk]
    assert get("period=2025-01") == [overdue.pk]
    assert get(f"unit={unit_a.pk}") == [overdue.pk]
    assert len(get("status=open")) == 2
    assert get("period=garbage") == []


def test_bill_list_query_count(clerk_api, unit_a, django_assert_max_num_queries):
    for month in range(1, 13):
        make_bill(unit_a, "10.00", period=date(2024, month, 1))
    with django_assert_max_num_queries(8):
        response = clerk_api.get("/api/bills/")
    assert response.json()["count"] == 12


def test_payment_list_query_count(clerk_api, unit_a, users, django_assert_max_num_queries):
    from billing import services

    for month in range(1, 11):
        make_bill(unit_a, "3.00", period=date(2024, month, 1))
        services.record_payment(
            idempotency_key=new_key(), unit=unit_a, amount="5.00", method="cash", actor=users["clerk"]
        )
    with django_assert_max_num_queries(10):
        response = clerk_api.get("/api/payments/")
    assert response.json()["count"] == 10


def test_one_off_bill_via_api(clerk_api, unit_a, estate_a):
    item = make_item(estate_a, "repair", rate=None)
    body = {"unit": unit_a.pk, "charge_item": item.pk, "amount": "35.00", "source_reference": "ticket:9"}
    response = clerk_api.post("/api/bills/", body, format="json")
    assert response.status_code == 201 and response.json()["amount"] == "35.00"
    assert clerk_api.post("/api/bills/", {**body, "amount": "-3"}, format="json").status_code == 400
    assert Bill.objects.count() == 1


def test_write_off_is_409_when_not_open(api_as, users, unit_a):
    bill = make_bill(unit_a, "10.00", status=Bill.Status.PAID)
    response = api_as(users["manager"]).post(
        f"/api/bills/{bill.pk}/write-off/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 409


def test_arrears_api(api_as, users, unit_a, estate_a, estate_b):
    make_bill(unit_a, "10.00", period=date(2025, 1, 1), due=timezone.localdate() - timedelta(days=40))
    client = api_as(users["supervisor"])
    data = client.get(f"/api/arrears/?estate={estate_a.pk}").json()
    assert data["summary"]["arrears"] == "10.00" and data["summary"]["d31_90"] == "10.00"
    assert data["results"][0]["unit_code"] == "3-2-1101"
    assert client.get(f"/api/arrears/?estate={estate_b.pk}").status_code == 404
    assert client.get("/api/arrears/").status_code == 400
    assert api_as(users["frontdesk"]).get(f"/api/arrears/?estate={estate_a.pk}").status_code == 403


def test_charge_items_and_meter_readings(clerk_api, unit_a, estate_a):
    make_item(estate_a, "property", rate="2.50")
    items = clerk_api.get("/api/charge-items/").json()["results"]
    assert items[0]["rates"][0]["rate"] == "2.5000"
    meter = MeterFactory(estate=estate_a, unit=unit_a, kind="water", initial_reading=Decimal("10"))
    response = clerk_api.post(
        "/api/meter-readings/", {"meter": meter.pk, "period": "2025-03", "value": "15.5"}, format="json"
    )
    assert response.status_code == 201 and response.json()["consumption"] == "5.50"
    lower = clerk_api.post(
        "/api/meter-readings/", {"meter": meter.pk, "period": "2025-04", "value": "12"}, format="json"
    )
    assert lower.status_code == 400 and lower.json()["code"] == "reading_lower_than_previous"
    assert MeterReading.objects.count() == 1
    assert clerk_api.get("/api/meter-readings/?period=2025-03").json()["count"] == 1
