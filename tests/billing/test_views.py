from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from billing import services
from billing.models import Bill, MeterReading, Payment
from tests.billing.conftest import make_bill, make_item, new_key
from tests.billing.factories import MeterFactory
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_cashier_takes_a_partial_payment_and_shows_the_receipt(client_as, users, unit_a):
    bill = make_bill(unit_a, "300.00")
    client = client_as(users["clerk"])
    page = client.get(reverse("billing:cashier"), {"unit": unit_a.pk})
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    body = {
        "unit": unit_a.pk,
        "bills": [bill.pk],
        "amount": "100.00",
        "method": "cash",
        "idempotency_key": key,
    }
    response = client.post(reverse("billing:cashier"), body)
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "billing:receipt", args=[payment.pk]
    )
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PARTIALLY_PAID
    receipt = client.get(response["Location"])
    assert payment.receipt.number in receipt.content.decode()
    assert "壹佰元整" in receipt.content.decode()


def test_double_submit_posts_once(client_as, users, unit_a):
    make_bill(unit_a, "300.00")
    client = client_as(users["clerk"])
    body = {"unit": unit_a.pk, "amount": "100.00", "method": "cash", "idempotency_key": "form-token-1"}
    first = client.post(reverse("billing:cashier"), body)
    second = client.post(reverse("billing:cashier"), body)
    assert first["Location"] == second["Location"]
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("amount", ["-5", "0", "1.234", "abc"])
def test_cashier_rejects_bad_amounts(client_as, users, unit_a, amount):
    client = client_as(users["clerk"])
    response = client.post(
        reverse("billing:cashier"),
        {"unit": unit_a.pk, "amount": amount, "method": "cash", "idempotency_key": "x"},
    )
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_cashier_is_for_clerks_only(client_as, users, unit_a):
    assert client_as(users["frontdesk"]).get(reverse("billing:cashier")).status_code == 403


def test_cashier_unit_out_of_reach_is_404(client_as, users, unit_b):
    assert client_as(users["clerk"]).get(reverse("billing:cashier"), {"unit": unit_b.pk}).status_code == 404


def test_unit_search_masks_phones_and_is_scoped(client_as, users, unit_a, unit_b):
    from tests.factories import OccupancyFactory

    OccupancyFactory(
        unit=unit_a, person=PersonFactory(estate=unit_a.estate, name="王芳", mobile="13812345678")
    )
    OccupancyFactory(
        unit=unit_b, person=PersonFactory(estate=unit_b.estate, name="王强", mobile="13912345678")
    )
    client = client_as(users["clerk"])
    data = client.get(reverse("billing:unit_search"), {"q": "王"}).json()["results"]
    assert [r["code"] for r in data] == ["3-2-1101"]
    assert data[0]["occupants"][0]["phone"] != "13812345678"
    assert "5678" in data[0]["occupants"][0]["phone"]
    assert client.get(reverse("billing:unit_search"), {"q": "3-2"}).json()["results"][0]["id"] == unit_a.pk


def test_cashier_page_queries_do_not_grow_with_history(
    client_as, users, unit_a, django_assert_max_num_queries
):
    for month in range(1, 13):
        make_bill(unit_a, "10.00", period=date(2023, month, 1))
        services.record_payment(
            idempotency_key=new_key(), unit=unit_a, amount="4.00", method="cash", actor=users["clerk"]
        )
    client = client_as(users["clerk"])
    with django_assert_max_num_queries(20):
        assert client.get(reverse("billing:cashier"), {"unit": unit_a.pk}).status_code == 200


def test_void_from_the_payment_page(client_as, users, unit_a):
    payment = services.record_payment(
        idempotency_key=new_key(), unit=unit_a, amount="10.00", method="cash", actor=users["clerk"]
    ).payment
    assert (
        client_as(users["clerk"])
        .post(reverse("billing:payment_void", args=[payment.pk]), {"reason": "x"})
        .status_code
        == 403
    )
    response = client_as(users["manager"]).post(
        reverse("billing:payment_void", args=[payment.pk]), {"reason": "typo"}
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED


def test_bill_list_is_scoped_paginated_and_filtered(
    client_as, users, unit_a, unit_b, django_assert_max_num_queries
):
    for month in range(1, 13):
        make_bill(unit_a, "10.00", period=date(2024, month, 1))
    make_bill(unit_b, "10.00")
    client = client_as(users["frontdesk"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("billing:bill_list"), {"period": "2024-03"})
    assert page.context["page"].count == 1
    assert client.get(reverse("billing:bill_list")).context["page"].count == 12


def test_bill_list_counts_only_up_to_the_cap_and_its_queries_do_not_grow(
    client_as, users, unit_a, django_assert_max_num_queries
):
    """Issue #16: the overdue list of a million bills counts its matches only up to a cap."""
    from servicecenter.paging import COUNT_CAP

    first = make_bill(unit_a, "10.00", period=date(2024, 1, 1), due=date(2024, 1, 31))
    make_bill(unit_a, "10.00", period=date(2099, 1, 1), due=date(2099, 1, 31), code="later")  # not due
    client = client_as(users["supervisor"])

    def overdue_page(**params):
        with django_assert_max_num_queries(8):
            return client.get(reverse("billing:bill_list"), {"overdue": "true", **params})

    page = overdue_page()
    assert page.context["page"].count == 1 and list(page.context["page"]) == [first]
    assert "1 bill" in page.content.decode()
    Bill.objects.bulk_create(
        Bill(
            estate_id=first.estate_id,
            unit_id=first.unit_id,
            charge_item_id=first.charge_item_id,
            period=date(2020, 1, 1) + timedelta(days=day),
            is_recurring=False,
            amount=Decimal("1.00"),
            issue_date=date(2020, 1, 1),
            due_date=date(2020, 2, 1),
        )
        for day in range(COUNT_CAP)
    )
    page = overdue_page()
    listed = page.context["page"]
    assert listed.count is None and listed.has_next and len(listed) == 25
    # Newest period first: the bill of 2024 before the bulk of 2020–2022.
    assert listed.object_list[0] == first
    assert "More than 1,000 bills" in page.content.decode()
    assert overdue_page(page=2).context["page"].object_list[0].period < listed.object_list[-1].period
    assert client.get(reverse("billing:bill_list"), {"overdue": "true", "page": 999}).status_code == 404


def test_bill_detail_of_another_estate_is_404(client_as, users, unit_b):
    bill = make_bill(unit_b, "10.00")
    assert client_as(users["manager"]).get(reverse("billing:bill_detail", args=[bill.pk])).status_code == 404


def test_generate_button(client_as, users, unit_a, estate_a):
    make_item(estate_a, "property", rate="2.00")
    client = client_as(users["clerk"])
    body = {"estate": estate_a.pk, "period": "2025-05"}
    client.post(reverse("billing:generate"), body)
    client.post(reverse("billing:generate"), body)
    assert Bill.objects.filter(period=date(2025, 5, 1)).count() == 1
    assert client_as(users["frontdesk"]).post(reverse("billing:generate"), body).status_code == 403


def test_reports_render(client_as, users, unit_a, estate_a, django_assert_max_num_queries):
    make_bill(unit_a, "100.00", period=date(2025, 1, 1), due=timezone.localdate() - timedelta(days=45))
    services.record_payment(
        idempotency_key=new_key(), unit=unit_a, amount="30.00", method="cash", actor=users["clerk"]
    )
    client = client_as(users["supervisor"])
    with django_assert_max_num_queries(15):
        arrears = client.get(reverse("billing:arrears"))
    assert arrears.status_code == 200 and arrears.context["report"].totals["arrears"] == Decimal("70.00")
    assert client.get(reverse("billing:journal")).context["report"].totals["net"] == Decimal("30.00")
    assert client.get(reverse("billing:statement"), {"month": "2025-01"}).status_code == 200
    assert client_as(users["frontdesk"]).get(reverse("billing:arrears")).status_code == 403


def test_statement_export_escapes_formulas(client_as, users, unit_a, estate_a):
    item = make_item(estate_a, "evil", rate="1", name='=HYPERLINK("http://x","click")')
    make_bill(unit_a, "50.00", period=date(2025, 1, 1), item=item, due=date(2025, 1, 31))
    response = client_as(users["manager"]).get(reverse("billing:statement_export"), {"month": "2025-01"})
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    names = [row[0] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert '\'=HYPERLINK("http://x","click")' in names
    assert book.worksheets[0]["B3"].value == 50


def test_calls_and_outcome(client_as, users, unit_a, building_a, estate_a):
    from tests.factories import make_zone

    make_zone(estate_a, users["housekeeper"], building_a)
    make_bill(unit_a, "100.00", period=date(2024, 1, 1), due=timezone.localdate() - timedelta(days=70))
    services.run_reminder_ladder()
    client = client_as(users["housekeeper"])
    page = client.get(reverse("billing:calls"))
    assert [r["unit__code"] for r in page.context["page"].object_list] == ["3-2-1101"]
    response = client.post(
        reverse("billing:call_outcome", args=[unit_a.pk]), {"outcome": "refused", "note": "says too high"}
    )
    assert response.status_code == 302
    assert (
        client.get(reverse("billing:calls")).context["page"].object_list[0]["latest_call"].outcome
        == "refused"
    )
    assert client_as(users["frontdesk"]).get(reverse("billing:calls")).status_code == 403


def test_letters_for_a_building(client_as, users, unit_a, unit_a2, building_a, resident):
    make_bill(unit_a, "100.00", period=date(2024, 1, 1), due=timezone.localdate() - timedelta(days=40))
    make_bill(unit_a2, "80.00", period=date(2024, 1, 1), due=timezone.localdate() - timedelta(days=10))
    services.run_reminder_ladder()
    page = client_as(users["clerk"]).get(reverse("billing:letters"), {"building": building_a.pk})
    letters = page.context["letters"]
    assert [letter.unit.code for letter in letters] == ["3-2-1101"]
    assert letters[0].total == Decimal("100.00")


def test_escalations_page(client_as, users, unit_a):
    make_bill(unit_a, "100.00", period=date(2024, 1, 1), due=timezone.localdate() - timedelta(days=100))
    services.run_reminder_ladder()
    page = client_as(users["manager"]).get(reverse("billing:escalations"))
    assert page.context["page"].object_list[0]["unit__code"] == "3-2-1101"


def test_meter_entry_for_a_building(client_as, users, unit_a, unit_a2, building_a, estate_a):
    m1 = MeterFactory(estate=estate_a, unit=unit_a, kind="water", initial_reading=Decimal("10"))
    m2 = MeterFactory(estate=estate_a, unit=unit_a2, kind="water", initial_reading=Decimal("10"))
    client = client_as(users["clerk"])
    url = reverse("billing:meter_entry") + f"?building={building_a.pk}&kind=water&period=2025-03"
    assert len(client.get(url).context["meters"]) == 2
    response = client.post(url, {f"reading-{m1.pk}": "20", f"reading-{m2.pk}": "5"})
    assert response.status_code == 400
    assert MeterReading.objects.get().meter == m1
    assert m2.pk in {m.pk for m in response.context["meters"] if m.error}


def test_portal_resident_sees_own_bills_only(client_as, resident, unit_a, unit_a2):
    mine = make_bill(unit_a, "10.00")
    theirs = make_bill(unit_a2, "20.00")
    client = client_as(resident)
    page = client.get(reverse("portal:billing_bills"))
    assert [b.pk for b in page.context["page"].object_list] == [mine.pk]
    assert client.get(reverse("portal:billing_bill", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal:billing_bill", args=[mine.pk])).status_code == 200


def test_portal_bills_page_counts_the_open_bills_once(
    client_as, resident, unit_a, unit_a2, django_assert_max_num_queries
):
    """The summary's count of open bills is the pages' count: session, user, units, summary, page."""
    for month in range(1, 23):
        make_bill(unit_a, "10.00", period=date(2024, 1, 1) + timedelta(days=31 * month))
    make_bill(unit_a2, "99.00")  # a neighbour's: neither counted nor summed
    client = client_as(resident)
    client.get(reverse("portal:billing_bills"))
    with django_assert_max_num_queries(5):
        page = client.get(reverse("portal:billing_bills"))
    assert page.context["page"].paginator.count == 22
    assert page.context["summary"]["outstanding"] == Decimal("220.00")
    assert len(client.get(reverse("portal:billing_bills") + "?page=2").context["page"].object_list) == 2
    assert client.get(reverse("portal:billing_bills") + "?page=3").status_code == 404


def test_portal_receipt_only_for_own_payments(client_as, users, resident, unit_a, unit_a2):
    mine = services.record_payment(
        idempotency_key=new_key(), unit=unit_a, amount="5.00", method="cash", actor=users["clerk"]
    ).payment
    theirs = services.record_payment(
        idempotency_key=new_key(), unit=unit_a2, amount="5.00", method="cash", actor=users["clerk"]
    ).payment
    client = client_as(resident)
    assert client.get(reverse("portal:billing_receipt", args=[mine.pk])).status_code == 200
    assert client.get(reverse("portal:billing_receipt", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal:billing_payments")).context["page"].paginator.count == 1


def test_portal_panel_lists_open_bills(rf, resident, unit_a, unit_a2, django_assert_max_num_queries):
    from billing.selectors import portal_panel_context
    from servicecenter.panels import _PORTAL_PANELS

    assert any(p.context is portal_panel_context for p in _PORTAL_PANELS)
    make_bill(unit_a, "12.34")
    make_bill(unit_a2, "56.78")
    request = rf.get("/portal/")
    request.user = resident
    with django_assert_max_num_queries(6):
        html = render_to_string(
            "portal/billing_panel.html", portal_panel_context(request, resident), request=request
        )
    assert "12.34" in html and "56.78" not in html


@pytest.mark.parametrize("count", [2, 7])
def test_portal_panel_totals_every_open_bill_but_lists_five(rf, resident, unit_a, count):
    from billing.selectors import portal_panel_context

    for month in range(1, count + 1):
        make_bill(unit_a, "10.10", period=date(2024, month, 1))
    request = rf.get("/portal/")
    request.user = resident
    context = portal_panel_context(request, resident)
    assert context["open_count"] == count and context["sees_bills"]
    assert context["outstanding"] == Decimal("10.10") * count
    assert len(context["open_bills"]) == min(count, 5)


def test_unit_page_panel(rf, users, unit_a, django_assert_max_num_queries):
    from billing.selectors import unit_panel_context
    from servicecenter.panels import _UNIT_PANELS

    assert any(p.context is unit_panel_context and p.permission == "billing.view_bill" for p in _UNIT_PANELS)
    for month in range(1, 13):
        make_bill(unit_a, "12.34", period=date(2024, month, 1))
        services.record_payment(
            idempotency_key=new_key(), unit=unit_a, amount="1.00", method="cash", actor=users["clerk"]
        )
    request = rf.get("/")
    request.user = users["frontdesk"]
    with django_assert_max_num_queries(10):  # 5 for the account, the rest the user's permissions
        html = render_to_string(
            "billing/_unit_panel.html", unit_panel_context(request, unit_a), request=request
        )
    assert 'data-testid="billing-panel"' in html and "12.34" in html


def test_cashier_post_without_a_key_is_400_and_writes_nothing(client_as, users, unit_a):
    make_bill(unit_a, "100.00")
    response = client_as(users["clerk"]).post(
        reverse("billing:cashier"), {"unit": unit_a.pk, "amount": "100.00", "method": "cash"}
    )
    assert response.status_code == 400
    assert "This form has expired" in response.content.decode()
    assert not Payment.objects.exists()
