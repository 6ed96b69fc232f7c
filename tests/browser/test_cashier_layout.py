"""The cashier page on a phone and on a desk screen (issue #12): each bill's checkbox sits on its
own row, amounts line up on the right with thousands separators, and "select all overdue" ticks the
overdue bills and fills in their total."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Bill, ChargeItem
from tests.browser.conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)


def _bills(unit):
    item = ChargeItem.objects.create(
        estate=unit.estate,
        code="property",
        name="物业服务费",
        kind=ChargeItem.Kind.PROPERTY_FEE,
        basis=ChargeItem.Basis.PER_AREA_MONTH,
    )
    today = timezone.localdate()
    rows = []
    for months_ago, amount, overdue in ((3, "12345.60", True), (2, "980.00", True), (0, "300.00", False)):
        period = (today.replace(day=1) - timedelta(days=31 * months_ago)).replace(day=1)
        rows.append(
            Bill.objects.create(
                estate=unit.estate,
                unit=unit,
                charge_item=item,
                period=period,
                amount=Decimal(amount),
                issue_date=period,
                due_date=today - timedelta(days=10) if overdue else today + timedelta(days=20),
            )
        )
    return rows


@pytest.mark.parametrize("width", [360, 1280])
def test_checkboxes_sit_on_their_rows_and_overdue_bills_are_selected_at_once(
    page_as, live_server, users, unit_a, width
):
    bills = _bills(unit_a)
    page = page_as(users["clerk"], lang="zh-hans", width=width)
    page.goto(f"{live_server.url}/billing/cashier/?unit={unit_a.pk}")
    for bill in bills:
        box = page.locator(f"#bill-{bill.pk}").bounding_box()
        row = page.locator(f"tr:has(#bill-{bill.pk})").bounding_box()
        assert row["y"] <= box["y"] and box["y"] + box["height"] <= row["y"] + row["height"]
        name = page.locator(f"label[for=bill-{bill.pk}]").bounding_box()
        assert abs((box["y"] + box["height"] / 2) - (name["y"] + name["height"] / 2)) < 3
    amount = page.locator(f"tr:has(#bill-{bills[0].pk}) td.num").first
    assert amount.inner_text().strip() == "12,345.60"
    assert amount.evaluate("e => getComputedStyle(e).textAlign") == "right" or width == 360
    page.click("[data-testid=select-overdue]")
    assert [page.is_checked(f"#bill-{bill.pk}") for bill in bills] == [True, True, False]
    owed = [Decimal(page.get_attribute(f"#bill-{bill.pk}", "data-outstanding")) for bill in bills[:2]]
    assert Decimal(page.input_value("#id_amount")) == sum(owed) >= Decimal("13325.60")
    shot(page, f"cashier-select-overdue-zh-hans-{width}")
