"""Paying online: the simulator gateway's signed notifications, posting exactly once, the resident's
return page, the sweep, refunds, and a resident paying only their own bills."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from billing.gateway import PaymentGateway
from billing.gateway.simulator import SimulatorGateway, signed_notification
from billing.models import Bill, Payment, PaymentOrder, PaymentOrderEvent, PrepaidMovement, SimulatorCharge
from billing.services import online, prepaid_balance, record_payment
from billing.tasks import sweep_online_payments
from servicecenter.exceptions import DomainError
from tests.billing.conftest import make_bill, new_key

NOTIFY = "/payments/notify/simulator/"


@pytest.fixture
def bills(unit_a, resident):
    return [make_bill(unit_a, "100.00", code="property"), make_bill(unit_a, "50.50", code="water")]


@pytest.fixture
def order(bills, resident):
    return online.create_bills_order(user=resident, bills=bills, idempotency_key=new_key())


def paid_charge(order) -> SimulatorCharge:
    charge = SimulatorCharge.objects.get(order_no=order.order_no)
    SimulatorGateway().pay(charge)
    return charge


def test_order_covers_what_is_due_on_the_bills(order, bills):
    assert order.amount == Decimal("150.50")
    assert order.status == PaymentOrder.Status.PENDING
    assert set(order.bills.values_list("pk", flat=True)) == {b.pk for b in bills}
    assert order.checkout_url == reverse("portal:billing_simulator", kwargs={"order_no": order.order_no})


def test_same_key_gives_the_same_order(bills, resident):
    key = new_key()
    first = online.create_bills_order(user=resident, bills=bills, idempotency_key=key)
    again = online.create_bills_order(user=resident, bills=bills, idempotency_key=key)
    assert first.pk == again.pk
    with pytest.raises(DomainError):
        online.create_bills_order(user=resident, bills=bills[:1], idempotency_key=key)


def test_signed_notification_posts_the_payment_once(client, order, bills):
    charge = paid_charge(order)
    response = client.post(NOTIFY, signed_notification(charge))
    assert response.status_code == 200 and response.content == b"success"
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    assert order.payment.amount == Decimal("150.50")
    assert order.payment.method == "online"
    assert all(b.status == Bill.Status.PAID for b in Bill.objects.filter(pk__in=[b.pk for b in bills]))
    # A repeat (the gateway retries) is acknowledged and ignored.
    response = client.post(NOTIFY, signed_notification(charge))
    assert response.status_code == 200
    assert Payment.objects.filter(unit=order.unit).count() == 1
    assert order.events.filter(outcome="duplicate").count() == 1


def test_bad_signature_is_refused_and_logged(client, order):
    charge = paid_charge(order)
    fields = signed_notification(charge)
    fields["sign"] = "0" * 64
    response = client.post(NOTIFY, fields)
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PENDING and order.payment is None
    event = PaymentOrderEvent.objects.get(outcome="bad_signature")
    assert event.signature_ok is False and event.order == order


def test_tampered_amount_breaks_the_signature(client, order):
    charge = paid_charge(order)
    fields = signed_notification(charge)
    fields["amount"] = "1.00"
    assert client.post(NOTIFY, fields).status_code == 400
    assert not Payment.objects.exists()


def test_amount_differing_from_the_order_is_refused(client, order):
    charge = paid_charge(order)
    response = client.post(NOTIFY, signed_notification(charge, amount="150.00"))
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PENDING
    assert not Payment.objects.exists()
    assert order.events.filter(outcome="amount_mismatch", signature_ok=True).exists()


def test_unknown_gateway_is_404(client):
    assert client.post("/payments/notify/wechat/", {}).status_code == 404


def test_return_page_queries_the_gateway_and_posts(client_as, order, resident):
    paid_charge(order)  # the notification never came
    response = client_as(resident).get(reverse("portal:billing_order", kwargs={"order_no": order.order_no}))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    assert reverse("portal:billing_receipt", args=[order.payment_id]) in response.content.decode()
    # ... and the late notification does not post again.
    online.receive_notification(
        gateway_code="simulator", data=signed_notification(SimulatorCharge.objects.get())
    )
    assert Payment.objects.count() == 1


def test_bills_paid_at_the_desk_meanwhile_go_to_the_prepaid_balance(client, order, bills, users, unit_a):
    record_payment(
        unit=unit_a,
        amount="100.00",
        method="cash",
        actor=users["clerk"],
        bill_ids=[bills[0].pk],
        idempotency_key=new_key(),
    )
    charge = paid_charge(order)
    assert client.post(NOTIFY, signed_notification(charge)).status_code == 200
    bills[1].refresh_from_db()
    assert bills[1].status == Bill.Status.PAID
    assert prepaid_balance(unit_a.pk) == Decimal("100.00")


def test_cancelled_payment_closes_the_order(client, order):
    charge = SimulatorCharge.objects.get(order_no=order.order_no)
    SimulatorGateway().cancel(charge)
    assert client.post(NOTIFY, signed_notification(charge)).status_code == 200
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.CLOSED
    assert not Payment.objects.exists()


def test_sweep_posts_lost_notifications_and_closes_expired_orders(order, bills, resident, unit_a):
    later = make_bill(unit_a, "30.00", code="parking")
    stale = online.create_bills_order(user=resident, bills=[later], idempotency_key=new_key())
    paid_charge(order)
    soon = timezone.now() + timedelta(minutes=10)
    assert online.sweep_pending_orders(now=soon) == {"checked": 2, "paid": 1, "closed": 0}
    assert sweep_online_payments() == 0  # nothing more to do before the expiry
    PaymentOrder.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(minutes=40), expires_at=timezone.now() - timedelta(minutes=10)
    )
    assert sweep_online_payments() == 1
    stale.refresh_from_db()
    assert stale.status == PaymentOrder.Status.CLOSED
    assert SimulatorCharge.objects.get(order_no=stale.order_no).status == SimulatorCharge.Status.CANCELLED
    assert sweep_online_payments() == 0  # idempotent
    assert Payment.objects.count() == 1


def test_full_refund_reopens_the_bills(client, order, bills, users):
    client.post(NOTIFY, signed_notification(paid_charge(order)))
    online.refund_order(order=order, amount="150.50", reason="paid twice", actor=users["manager"])
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.REFUNDED
    assert order.payment.status == Payment.Status.REFUNDED
    assert Bill.objects.get(pk=bills[0].pk).status == Bill.Status.OPEN
    assert SimulatorCharge.objects.get().refunded == Decimal("150.50")


def test_partial_refund_comes_from_the_prepaid_balance(client, order, bills, users, unit_a):
    record_payment(
        unit=unit_a,
        amount="100.00",
        method="cash",
        actor=users["clerk"],
        bill_ids=[bills[0].pk],
        idempotency_key=new_key(),
    )
    client.post(NOTIFY, signed_notification(paid_charge(order)))
    online.refund_order(order=order, amount="100.00", reason="paid at the desk", actor=users["manager"])
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PARTIALLY_REFUNDED
    assert prepaid_balance(unit_a.pk) == Decimal("0.00")
    assert PrepaidMovement.objects.filter(kind="refund").count() == 1
    with pytest.raises(DomainError):
        online.refund_order(order=order, amount="60.00", reason="too much", actor=users["manager"])


def test_clerk_may_not_refund(client, order, users):
    from django.core.exceptions import PermissionDenied

    client.post(NOTIFY, signed_notification(paid_charge(order)))
    with pytest.raises(PermissionDenied):
        online.refund_order(order=order, amount="1.00", reason="x", actor=users["clerk"])


def test_unpaid_order_cannot_be_refunded(order, users):
    with pytest.raises(DomainError):
        online.refund_order(order=order, amount="1.00", reason="x", actor=users["manager"])


# --- portal pages --------------------------------------------------------------------------------


def test_bills_page_groups_by_month(client_as, resident, unit_a, django_assert_max_num_queries):
    from datetime import date

    for month in range(1, 7):
        make_bill(unit_a, "10.00", period=date(2025, month, 1), code=f"c{month}")
        make_bill(unit_a, "5.00", period=date(2025, month, 1), code=f"d{month}")
    client = client_as(resident)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("portal:billing_pay"))
    body = response.content.decode()
    assert body.count('data-testid="pay-month"') == 6
    assert "90.00" in body and "15.00" in body
    assert "Payment simulator — no real money" in body


def test_pay_a_month_then_simulator_then_receipt(client_as, resident, unit_a, bills):
    client = client_as(resident)
    month = f"{bills[0].period:%Y-%m}:{unit_a.pk}"
    response = client.post(reverse("portal:billing_pay"), {"month": month, "idempotency_key": new_key()})
    order = PaymentOrder.objects.get()
    assert response.url == order.checkout_url
    page = client.get(order.checkout_url)
    assert "Payment simulator — no real money" in page.content.decode()
    response = client.post(order.checkout_url, {"decision": "pay"})
    assert response.url == reverse("portal:billing_order", kwargs={"order_no": order.order_no})
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    receipt = client.get(reverse("portal:billing_receipt", args=[order.payment_id]))
    assert receipt.status_code == 200


def test_resident_cannot_pay_another_units_bills(client_as, resident, resident2, unit_a2):
    other = make_bill(unit_a2, "80.00")
    client = client_as(resident)
    response = client.post(reverse("portal:billing_pay"), {"bill": [other.pk], "idempotency_key": new_key()})
    assert response.status_code == 404
    assert not PaymentOrder.objects.exists()


def test_resident_cannot_see_another_residents_order(client_as, order, resident2):
    url = reverse("portal:billing_order", kwargs={"order_no": order.order_no})
    assert client_as(resident2).get(url).status_code == 404


def test_api_creates_an_order_and_reads_its_status(api_as, resident, bills):
    api = api_as(resident)
    response = api.post(
        "/api/payment-orders/",
        {"bills": [b.pk for b in bills]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=new_key(),
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "150.50"
    order = PaymentOrder.objects.get()
    paid_charge(order)
    status = api.get(f"/api/payment-orders/{order.pk}/").json()
    assert status["status"] == "paid" and status["receipt_number"]


def test_api_create_needs_a_key(api_as, resident, bills):
    response = api_as(resident).post("/api/payment-orders/", {"bills": [bills[0].pk]}, format="json")
    assert response.status_code == 400
    assert not PaymentOrder.objects.exists()


@override_settings(PAYMENT_SIMULATOR_AUTO_NOTIFY=False)
def test_simulator_without_auto_notify_leaves_it_to_the_return_page(client_as, resident, order):
    client = client_as(resident)
    client.post(order.checkout_url, {"decision": "pay"})
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PENDING
    client.get(reverse("portal:billing_order", kwargs={"order_no": order.order_no}))
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID


# --- the order workflow ---------------------------------------------------------------------------


def test_each_status_change_is_one_row_of_the_log(client, order, bills, users):
    from billing.workflows import PAYMENT_ORDER

    client.post(NOTIFY, signed_notification(paid_charge(order)))
    online.refund_order(order=order, amount="150.50", reason="paid twice", actor=users["manager"])
    changes = list(
        PAYMENT_ORDER.events_of(order).order_by("pk").values_list("from_status", "to_status", "actor")
    )
    assert changes == [("pending", "paid", None), ("paid", "refunded", users["manager"].pk)]
    posted = order.events.get(kind=PaymentOrderEvent.Kind.POSTED)
    assert posted.amount == Decimal("150.50") and posted.outcome == "posted"


def test_expired_order_is_closed_by_the_sweep_as_the_system(order):
    PaymentOrder.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(minutes=40), expires_at=timezone.now() - timedelta(minutes=10)
    )
    assert online.sweep_pending_orders()["closed"] == 1
    event = order.events.get(kind=PaymentOrderEvent.Kind.CLOSED)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "pending",
        "closed",
        None,
        "Expired unpaid.",
    )


def test_order_page_offers_the_refund_only_when_the_workflow_does(client, client_as, order, users):
    url = reverse("billing:online_order", args=[order.pk])
    refund = reverse("billing:online_refund", args=[order.pk])
    assert refund not in client_as(users["manager"]).get(url).content.decode()  # not paid yet
    client.post(NOTIFY, signed_notification(paid_charge(order)))
    assert refund in client_as(users["manager"]).get(url).content.decode()
    assert refund not in client_as(users["clerk"]).get(url).content.decode()  # no refund permission


class GatewayWithoutRefunds(PaymentGateway):
    """An adapter that forgot `refund` (and the rest): loading it must fail, not the first refund."""

    code = "incomplete"
    payment_method = "wechat"

    def create_order(self, request):
        raise AssertionError("never called")


def test_an_adapter_missing_a_method_is_refused_when_it_is_loaded():
    from billing.gateway import _load

    with pytest.raises(TypeError, match="abstract"):
        _load(f"{__name__}.GatewayWithoutRefunds")
