"""Invoice pages: the resident's portal page, the desk's request, the clerk's queue."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from frontdesk.models import InvoiceRequest
from frontdesk.services import invoices
from tests.billing.conftest import new_key
from tests.frontdesk.keys_helpers import paid_bill

pytestmark = pytest.mark.django_db


@pytest.fixture
def bill(unit_a, users):
    return paid_bill(unit_a, users["clerk"], "88.00", period=date(2025, 1, 1), code="v1")


def test_the_resident_asks_in_the_portal_and_sees_only_their_requests(
    client_as, resident, resident2, unit_a, unit_a2, users, bill
):
    other_bill = paid_bill(unit_a2, users["clerk"], period=date(2025, 1, 1), code="v2")
    invoices.request_invoice(
        actor=resident2, unit=unit_a2, bill_ids=[other_bill.pk], title="邻居-发票", idempotency_key=new_key()
    )
    client = client_as(resident)
    page = client.get(reverse("portal:invoice_requests")).content.decode()
    assert f'name="bills" value="{bill.pk}"' in page and f'name="bills" value="{other_bill.pk}"' not in page
    assert "邻居-发票" not in page
    response = client.post(
        reverse("portal:invoice_requests"),
        {"unit": unit_a.pk, "bills": [bill.pk], "title": "王芳", "idempotency_key": new_key()},
    )
    assert response.status_code == 302
    request = InvoiceRequest.objects.get(unit=unit_a)
    assert (request.channel, request.amount) == ("portal", bill.amount_paid)
    listed = client.get(reverse("portal:invoice_requests")).content.decode()
    assert "王芳" in listed and "邻居-发票" not in listed
    # The bill is on a request now: it is not offered again, and forcing it is refused.
    assert f'name="bills" value="{bill.pk}"' not in listed
    forced = client.post(
        reverse("portal:invoice_requests"),
        {"unit": unit_a.pk, "bills": [bill.pk], "title": "王芳", "idempotency_key": new_key()},
    )
    assert forced.status_code == 400
    assert (
        client.post(
            reverse("portal:invoice_requests"),
            {"unit": unit_a2.pk, "bills": [other_bill.pk], "title": "x", "idempotency_key": new_key()},
        ).status_code
        == 404
    )


def test_the_desk_asks_for_a_resident(client_as, users, unit_a, bill):
    client = client_as(users["frontdesk"])
    page = client.get(reverse("frontdesk:invoice_create"), {"unit": unit_a.pk})
    assert f'name="bills" value="{bill.pk}"' in page.content.decode()
    response = client.post(
        f"{reverse('frontdesk:invoice_create')}?unit={unit_a.pk}",
        {
            "bills": [bill.pk],
            "title": "某某科技有限公司",
            "tax_number": "91440300MA5F1A2B3C",
            "idempotency_key": new_key(),
        },
    )
    request = InvoiceRequest.objects.get()
    assert response.status_code == 302 and request.channel == "desk"


def test_the_clerks_queue_shows_open_requests_until_issued(
    client_as, users, unit_a, resident, bill, django_assert_max_num_queries
):
    request = invoices.request_invoice(
        actor=resident, unit=unit_a, bill_ids=[bill.pk], title="王芳", idempotency_key=new_key()
    )
    for month in range(2, 8):
        extra = paid_bill(unit_a, users["clerk"], period=date(2025, month, 1), code=f"v{month + 2}")
        invoices.request_invoice(
            actor=resident, unit=unit_a, bill_ids=[extra.pk], title=f"王芳{month}", idempotency_key=new_key()
        )
    client = client_as(users["clerk"])
    client.get(reverse("frontdesk:invoices"))
    with django_assert_max_num_queries(14):
        queue = client.get(reverse("frontdesk:invoices")).content.decode()
    assert queue.count(reverse("frontdesk:invoice_detail", args=[request.pk])) == 1
    detail = client.get(reverse("frontdesk:invoice_detail", args=[request.pk])).content.decode()
    assert 'data-action="issue"' in detail and 'data-action="reject"' in detail
    client.post(
        reverse("frontdesk:invoice_action", args=[request.pk, "issue"]), {"invoice_number": "No.00012345"}
    )
    request.refresh_from_db()
    assert (request.status, request.invoice_number) == ("issued", "No.00012345")
    queue = client.get(reverse("frontdesk:invoices")).content.decode()
    assert reverse("frontdesk:invoice_detail", args=[request.pk]) not in queue
    issued = client.get(reverse("frontdesk:invoices"), {"status": "issued"}).content.decode()
    assert "No.00012345" in issued


def test_the_desk_reads_the_queue_but_does_not_issue(client_as, users, unit_a, resident, bill):
    request = invoices.request_invoice(
        actor=resident, unit=unit_a, bill_ids=[bill.pk], title="王芳", idempotency_key=new_key()
    )
    client = client_as(users["frontdesk"])
    assert (
        'data-action="issue"'
        not in client.get(reverse("frontdesk:invoice_detail", args=[request.pk])).content.decode()
    )
    response = client.post(
        reverse("frontdesk:invoice_action", args=[request.pk, "issue"]), {"invoice_number": "1"}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "requested"


def _sheet(response) -> list[tuple]:
    from io import BytesIO

    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_queue_exports_as_filtered_scoped_and_formula_safe(
    client_as, users, unit_a, unit_b, estate_b, resident, bill, django_assert_max_num_queries
):
    from tests.factories import make_resident, make_staff

    first = invoices.request_invoice(
        actor=resident,
        unit=unit_a,
        bill_ids=[bill.pk],
        title="=CMD()",
        tax_number="91310000MA1FL8XQ3X",
        idempotency_key=new_key(),
    )
    for month in range(2, 6):
        extra = paid_bill(unit_a, users["clerk"], period=date(2025, month, 1), code=f"x{month}")
        invoices.request_invoice(
            actor=resident, unit=unit_a, bill_ids=[extra.pk], title=f"王芳{month}", idempotency_key=new_key()
        )
    neighbour = make_resident(unit_b, username="resident-b")
    their_bill = paid_bill(unit_b, make_staff("clerk", estate_b, username="clerk-b"), code="b1")
    invoices.request_invoice(
        actor=neighbour, unit=unit_b, bill_ids=[their_bill.pk], title="别处", idempotency_key=new_key()
    )
    client = client_as(users["clerk"])
    listing = client.get(reverse("frontdesk:invoices")).content.decode()
    assert reverse("frontdesk:invoice_export") in listing
    client.get(reverse("frontdesk:invoice_export"))
    with django_assert_max_num_queries(10):
        rows = _sheet(client.get(reverse("frontdesk:invoice_export")))
    assert rows[0][:3] == ("Estate", "Unit", "Requested at")
    assert len(rows) == 1 + 5  # estate B's request is not there
    # The queue's order, oldest first; the title quoted so that a spreadsheet does not run it.
    assert rows[1][1] == unit_a.code
    assert rows[1][5:9] == ("'=CMD()", "91310000MA1FL8XQ3X", 88, "Requested")
    client.post(
        reverse("frontdesk:invoice_action", args=[first.pk, "issue"]), {"invoice_number": "No.00012345"}
    )
    issued = _sheet(client.get(reverse("frontdesk:invoice_export"), {"status": "issued"}))
    assert len(issued) == 2
    clerk = users["clerk"]
    assert (issued[1][9], issued[1][11]) == ("No.00012345", clerk.get_full_name() or clerk.username)
    assert len(_sheet(client.get(reverse("frontdesk:invoice_export"), {"unit": "nowhere"}))) == 1
    assert client.get(reverse("frontdesk:invoice_export"), {"status": "nonsense"}).status_code == 400
