"""Invoice request API: /api/invoice-requests/ with issue and reject; residents see their own."""

from __future__ import annotations

from datetime import date

import pytest

from frontdesk.models import InvoiceRequest
from frontdesk.services import invoices
from tests.billing.conftest import new_key
from tests.frontdesk.keys_helpers import paid_bill

pytestmark = pytest.mark.django_db
URL = "/api/invoice-requests/"


@pytest.fixture
def bill(unit_a, users):
    return paid_bill(unit_a, users["clerk"], "120.00", period=date(2025, 1, 1), code="q1")


def _ask(actor, unit, bills, title="王芳"):
    return invoices.request_invoice(
        actor=actor, unit=unit, bill_ids=[b.pk for b in bills], title=title, idempotency_key=new_key()
    )


def test_a_resident_asks_and_a_second_ask_for_the_bill_is_a_409(api_as, resident, unit_a, bill):
    client = api_as(resident)
    body = {"unit": unit_a.pk, "bills": [bill.pk], "title": "王芳", "idempotency_key": new_key()}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["amount"], response.json()["channel"]) == ("120.00", "portal")
    again = client.post(URL, {**body, "idempotency_key": new_key()}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "bill_already_requested"
    assert InvoiceRequest.objects.count() == 1


def test_residents_see_only_their_own_units_requests(
    api_as, resident, resident2, unit_a, unit_a2, users, bill
):
    mine = _ask(resident, unit_a, [bill])
    theirs = _ask(
        resident2, unit_a2, [paid_bill(unit_a2, users["clerk"], period=date(2025, 1, 1), code="q2")]
    )
    client = api_as(resident)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [mine.pk]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}{mine.pk}/").status_code == 200
    # Nor can they ask for the other unit's bills.
    response = client.post(
        URL,
        {
            "unit": unit_a2.pk,
            "bills": [theirs.lines.get().bill_id],
            "title": "x",
            "idempotency_key": new_key(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert client.post(f"{URL}{mine.pk}/issue/", {"invoice_number": "1"}, format="json").status_code == 403


def test_the_clerk_issues_and_the_desk_cannot(api_as, users, resident, unit_a, bill):
    request = _ask(resident, unit_a, [bill])
    denied = api_as(users["frontdesk"]).post(
        f"{URL}{request.pk}/issue/", {"invoice_number": "1"}, format="json"
    )
    assert denied.status_code == 403
    clerk = api_as(users["clerk"])
    missing = clerk.post(f"{URL}{request.pk}/issue/", {}, format="json")
    assert missing.status_code == 400 and "invoice_number" in missing.json()
    issued = clerk.post(f"{URL}{request.pk}/issue/", {"invoice_number": "No.00012345"}, format="json")
    assert issued.status_code == 200
    assert (issued.json()["status"], issued.json()["invoice_number"]) == ("issued", "No.00012345")
    assert [e["action"] for e in issued.json()["events"]] == ["request", "issue"]
    late = clerk.post(f"{URL}{request.pk}/reject/", {"reason": "x"}, format="json")
    assert late.status_code == 409


def test_the_queue_is_oldest_first_filtered_in_the_database(
    api_as, users, unit_a, django_assert_max_num_queries
):
    requests = [
        _ask(
            users["frontdesk"],
            unit_a,
            [paid_bill(unit_a, users["clerk"], period=date(2024, m, 1), code=f"m{m}")],
        )
        for m in range(1, 9)
    ]
    invoices.reject_invoice_request(request=requests[0], actor=users["clerk"], reason="重复")
    client = api_as(users["clerk"])
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"status": "requested"})
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [r.pk for r in requests[1:]]
    assert client.get(URL, {"status": "rejected"}).json()["count"] == 1


def test_staff_without_the_request_permission_get_a_403(api_as, users, unit_a, bill):
    response = api_as(users["supervisor"]).post(
        URL,
        {"unit": unit_a.pk, "bills": [bill.pk], "title": "x", "idempotency_key": new_key()},
        format="json",
    )
    assert response.status_code == 403
