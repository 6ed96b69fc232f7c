"""A resident pays two bills online in the payment simulator (on a 360 px phone) and opens the
receipt."""

from datetime import date

import pytest

from billing.models import Bill, PaymentOrder
from tests.billing.conftest import make_bill
from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def test_resident_pays_two_bills_and_sees_the_receipt(page_as, live_server, resident, unit_a):
    first = make_bill(unit_a, "120.00", period=date(2025, 2, 1), code="property")
    second = make_bill(unit_a, "35.50", period=date(2025, 1, 1), code="water")
    page = page_as(resident, width=360)
    page.goto(f"{live_server.url}/portal/bills/")
    page.get_by_test_id("pay-online").click()
    assert page.get_by_test_id("pay-month").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "portal-pay-bills-en-360")
    for box in page.get_by_test_id("pay-bill").all():
        box.check()
    page.get_by_test_id("pay-selected").click()
    page.get_by_test_id("simulator-notice").wait_for()
    assert "no real money" in page.get_by_test_id("simulator-notice").inner_text()
    shot(page, "portal-pay-simulator-en-360")
    page.get_by_test_id("simulator-pay").click()
    outcome = page.get_by_test_id("order-outcome")
    assert outcome.get_attribute("data-status") == "paid"
    shot(page, "portal-pay-return-en-360")
    page.get_by_test_id("order-receipt").click()
    page.wait_for_url("**/receipt/")
    assert "155.50" in page.content()
    shot(page, "portal-pay-receipt-en-360")
    assert set(Bill.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"paid"}
    assert PaymentOrder.objects.get().status == PaymentOrder.Status.PAID
