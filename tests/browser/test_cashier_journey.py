"""The cashier's minute: find the unit by type-ahead, take a partial payment, print the receipt;
and the resident reads the bill on a phone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Bill, ChargeItem, Payment
from tests.browser.conftest import shot
from tests.factories import OccupancyFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def open_bill(unit, amount="300.00"):
    item = ChargeItem.objects.create(
        estate=unit.estate,
        code="property",
        name="物业服务费",
        kind=ChargeItem.Kind.PROPERTY_FEE,
        basis=ChargeItem.Basis.PER_AREA_MONTH,
    )
    today = timezone.localdate()
    return Bill.objects.create(
        estate=unit.estate,
        unit=unit,
        charge_item=item,
        period=today.replace(day=1),
        amount=Decimal(amount),
        issue_date=today,
        due_date=today + timedelta(days=20),
    )


def test_clerk_takes_a_partial_payment_and_sees_the_receipt(page_as, live_server, users, unit_a):
    OccupancyFactory(
        unit=unit_a, person=PersonFactory(estate=unit_a.estate, name="李四", mobile="13800001111")
    )
    bill = open_bill(unit_a)
    page = page_as(users["clerk"], lang="en")
    page.goto(live_server.url + "/billing/cashier/")
    page.fill("#unit-q", "3-2-11")
    suggestion = page.locator("#unit-suggestions a", has_text="3-2-1101")
    suggestion.wait_for()
    assert "138****1111" in suggestion.inner_text() and "13800001111" not in page.content()
    suggestion.click()
    page.wait_for_selector("[data-testid=cashier-unit]")
    page.check(f"#bill-{bill.pk}")
    assert page.input_value("#id_amount") == "300.00"  # ticking a bill fills in what it owes
    page.fill("#id_amount", "120.00")
    page.select_option("#id_method", "wechat")
    shot(page, "cashier-en-1280")
    page.click("[data-testid=take-payment]")
    page.wait_for_selector("[data-testid=receipt]")
    payment = Payment.objects.get()
    assert page.inner_text("[data-testid=receipt-number]") == payment.receipt.number
    assert "120.00" in page.inner_text("[data-testid=receipt-amount]")
    bill.refresh_from_db()
    assert (bill.status, bill.amount_paid) == (Bill.Status.PARTIALLY_PAID, Decimal("120.00"))
    shot(page, "receipt-en-1280")
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_resident_sees_the_bill_on_a_phone(page_as, live_server, resident, unit_a, lang):
    open_bill(unit_a, "223.75")
    page = page_as(resident, lang=lang, width=360)
    page.goto(live_server.url + "/portal/bills/")
    row = page.locator("[data-testid=portal-bill]")
    row.wait_for()
    assert "223.75" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, f"portal-bills-{lang}-360")
