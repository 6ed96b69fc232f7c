"""The built-in payment simulator: a stand-in gateway for development, demos and tests. No real
money moves. It keeps its own ledger (`SimulatorCharge`), shows the payer a page (clearly marked
"Payment simulator — no real money") where they pay or cancel, and signs its notifications the way
real gateways do: HMAC-SHA256 over the canonical fields (sorted `key=value` pairs joined by `&`,
without `sign`), with `PAYMENT_SIMULATOR_SECRET`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.gateway import (
    CLOSED,
    PAID,
    PENDING,
    UNKNOWN,
    Checkout,
    GatewayState,
    InvalidSignature,
    OrderRequest,
    PaymentGateway,
    RefundResult,
)
from billing.models import PaymentMethod, SimulatorCharge
from servicecenter.money import to_money

SIGNED_FIELDS = ("amount", "order_no", "paid_at", "status", "transaction_id", "nonce")


def canonical(fields: Mapping[str, str]) -> str:
    return "&".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "sign")


def sign(fields: Mapping[str, str], *, secret: str | None = None) -> str:
    secret = settings.PAYMENT_SIMULATOR_SECRET if secret is None else secret
    return hmac.new(secret.encode(), canonical(fields).encode(), hashlib.sha256).hexdigest()


def signed_notification(charge: SimulatorCharge, *, status: str | None = None, **override) -> dict[str, str]:
    """The notification the simulator sends for its charge (tests use it to play the gateway)."""
    fields = {
        "order_no": charge.order_no,
        "amount": f"{charge.amount:.2f}",
        "status": status or (PAID if charge.status == SimulatorCharge.Status.PAID else CLOSED),
        "transaction_id": charge.transaction_id,
        "paid_at": charge.paid_at.isoformat() if charge.paid_at else "",
        "nonce": secrets.token_hex(8),
    }
    fields.update({k: str(v) for k, v in override.items()})
    fields["sign"] = sign(fields)
    return fields


class SimulatorGateway(PaymentGateway):
    code = "simulator"
    label = _("Payment simulator — no real money")
    payment_method = PaymentMethod.ONLINE
    is_simulator = True

    def create_order(self, request: OrderRequest) -> Checkout:
        SimulatorCharge.objects.get_or_create(
            order_no=request.order_no,
            defaults={
                "amount": request.amount,
                "description": request.description[:200],
                "notify_url": request.notify_url[:300],
                "return_url": request.return_url[:300],
                "created_at": timezone.now(),
            },
        )
        url = reverse("portal:billing_simulator", kwargs={"order_no": request.order_no})
        return Checkout(redirect_url=url, qr_payload=url)

    def parse_notification(self, data: Mapping[str, str], *, body: bytes = b"") -> GatewayState:
        fields = {key: str(data.get(key, "")) for key in (*SIGNED_FIELDS, "sign")}
        if not fields["sign"] or not hmac.compare_digest(sign(fields), fields["sign"]):
            raise InvalidSignature
        try:
            amount = to_money(fields["amount"])
            paid_at = datetime.fromisoformat(fields["paid_at"]) if fields["paid_at"] else None
        except ValueError:
            raise InvalidSignature from None
        return GatewayState(
            order_no=fields["order_no"],
            state=fields["status"] if fields["status"] in (PAID, CLOSED) else UNKNOWN,
            amount=amount,
            transaction_id=fields["transaction_id"],
            paid_at=paid_at,
            raw=fields,
        )

    def query_order(self, order_no: str) -> GatewayState:
        charge = SimulatorCharge.objects.filter(order_no=order_no).first()
        if charge is None:
            return GatewayState(order_no=order_no, state=UNKNOWN)
        state = {
            SimulatorCharge.Status.PAID: PAID,
            SimulatorCharge.Status.CANCELLED: CLOSED,
        }.get(charge.status, PENDING)
        return GatewayState(
            order_no=order_no,
            state=state,
            amount=charge.amount,
            transaction_id=charge.transaction_id,
            paid_at=charge.paid_at,
        )

    def close_order(self, order_no: str) -> None:
        SimulatorCharge.objects.filter(order_no=order_no, status=SimulatorCharge.Status.PENDING).update(
            status=SimulatorCharge.Status.CANCELLED
        )

    def refund(self, *, order_no: str, refund_no: str, amount: Decimal, reason: str) -> RefundResult:
        with transaction.atomic():
            charge = SimulatorCharge.objects.select_for_update().get(order_no=order_no)
            charge.refunded += amount
            charge.save(update_fields=["refunded"])
        return RefundResult(refund_id=f"SIMR{refund_no}")

    # --- the payer's side (the simulator page) ---

    def pay(self, charge: SimulatorCharge, *, now: datetime | None = None) -> bool:
        """The payer pays on the simulator page. False if the charge is no longer payable."""
        with transaction.atomic():
            locked = SimulatorCharge.objects.select_for_update().get(pk=charge.pk)
            if locked.status != SimulatorCharge.Status.PENDING:
                return locked.status == SimulatorCharge.Status.PAID
            locked.status = SimulatorCharge.Status.PAID
            locked.paid_at = now or timezone.now()
            locked.transaction_id = f"SIM{secrets.token_hex(10).upper()}"
            locked.save(update_fields=["status", "paid_at", "transaction_id"])
        charge.refresh_from_db()
        return True

    def cancel(self, charge: SimulatorCharge) -> None:
        self.close_order(charge.order_no)
        charge.refresh_from_db()
