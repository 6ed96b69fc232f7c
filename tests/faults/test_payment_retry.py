"""A payment request killed with its web server in the middle of its transaction, then retried
with the same Idempotency-Key against a restarted server: one payment, and receipt numbers with
no gap (the dead request's number went back with its rollback)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from decimal import Decimal

import psycopg2
import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from billing import services
from billing.models import Bill, IdempotencyRecord, Payment, Receipt, ReceiptCounter
from tests.billing.conftest import make_bill
from tests.faults.processes import processes, wait_until

__all__ = ["processes"]  # the fixture, imported for the test below

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

KEY = "till-3-payment-0042"


def pay(base: str, token: str, body: dict, *, timeout: float = 30) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        f"{base}/api/payments/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": KEY,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


def lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def lock_receipt_counter(counter: ReceiptCounter):
    """Hold the estate's receipt counter row from another connection: a payment that reaches its
    receipt number waits there, inside its transaction (unit, bills and key already written)."""
    s = connection.settings_dict
    holder = psycopg2.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
    )
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT last_number FROM billing_receiptcounter WHERE id = %s FOR UPDATE", [counter.pk]
        )
    return holder


def test_payment_killed_mid_transaction_and_retried_posts_once_with_gapless_receipts(
    processes, users, unit_a
):
    clerk = users["clerk"]
    token = Token.objects.create(user=clerk).key
    bill = make_bill(unit_a, "100.00")
    earlier = services.record_payment(
        unit=unit_a, amount="20.00", method="cash", actor=clerk, idempotency_key="earlier-payment"
    ).payment
    counter = ReceiptCounter.objects.get()
    body = {"unit": unit_a.pk, "amount": "30.00", "method": "cash", "bills": [bill.pk]}

    env = processes.env()
    server, base = processes.web("web-1", env=env)
    holder = lock_receipt_counter(counter)
    outcome: dict = {}

    def first_attempt():
        try:
            outcome["response"] = pay(base, token, body)
        except OSError as error:  # the server died under the request
            outcome["error"] = error

    client = threading.Thread(target=first_attempt, daemon=True)
    try:
        client.start()
        wait_until(
            lambda: lock_waiters() >= 1,
            timeout=20,
            what="the payment to wait for a receipt number",
            details=processes.logs,
        )
        server.kill()
        client.join(timeout=20)
        assert not client.is_alive()
        assert "error" in outcome, outcome  # the till saw no answer: it will retry
    finally:
        holder.rollback()
        holder.close()
    assert not IdempotencyRecord.objects.filter(key=KEY).exists() and Payment.objects.count() == 1

    _, base = processes.web("web-2", env=env)
    status, headers, retried = pay(base, token, body)
    assert status == 201, retried
    status, headers, again = pay(base, token, body)
    assert status == 200 and headers.get("Idempotent-Replayed") == "true", again
    assert again["id"] == retried["id"]

    payment = Payment.objects.get(pk=retried["id"])
    assert Payment.objects.exclude(pk=earlier.pk).get() == payment
    assert payment.amount == Decimal("30.00")
    assert IdempotencyRecord.objects.get(key=KEY).payment == payment
    assert list(Receipt.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]
    assert payment.receipt.sequence == 2 and earlier.receipt.sequence == 1
    counter.refresh_from_db()
    assert counter.last_number == 2
    bill.refresh_from_db()
    assert bill.amount_paid == Decimal("50.00") and bill.status == Bill.Status.PARTIALLY_PAID
