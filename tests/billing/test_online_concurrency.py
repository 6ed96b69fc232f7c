"""The notification and the resident's return page arrive together: the order posts once
(PostgreSQL only: the order's row lock under real concurrency, threads on their own connections)."""

import pytest

from billing.gateway.simulator import SimulatorGateway, signed_notification
from billing.models import Allocation, Payment, PaymentOrder, SimulatorCharge
from billing.services import online
from tests.billing.concurrency_helpers import run_together
from tests.billing.conftest import make_bill, new_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_notification_and_return_post_once(unit_a, resident):
    bills = [make_bill(unit_a, "100.00", code="property"), make_bill(unit_a, "20.00", code="water")]
    order = online.create_bills_order(user=resident, bills=bills, idempotency_key=new_key())
    charge = SimulatorCharge.objects.get(order_no=order.order_no)
    SimulatorGateway().pay(charge)
    fields = signed_notification(charge)

    def work(index):
        if index % 2:
            return online.receive_notification(gateway_code="simulator", data=fields)
        return online.refresh_order(order=PaymentOrder.objects.get(pk=order.pk)).status

    results = run_together(4, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Payment.objects.count() == 1
    assert Allocation.objects.count() == 2
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID and order.payment_id
