"""Online payment gateways: the interface every adapter implements, and the configured one.

The flow is the one WeChat Pay and Alipay use:

1. `create_order(request)`: we send our order number, the amount and a description; the gateway
   answers with a URL to send the payer to (H5/web pay) or a QR payload (native pay).
2. The payer pays on the gateway's side. The gateway then POSTs an **asynchronous signed
   notification** to our public URL `/payments/notify/<code>/` (server to server, no session, no
   CSRF token). `parse_notification` checks the signature and returns what it says; `acknowledge`
   builds the reply the gateway expects (else it retries the notification).
3. Notifications can be lost: `query_order` asks the gateway for an order's state (the resident's
   return page does it, and the sweep `billing.tasks.sweep_online_payments` for orders left
   pending); `close_order` closes an expired order at the gateway so it can no longer be paid.
4. `refund` gives (part of) a paid order back.

Plugging in a real gateway: write a subclass of `PaymentGateway` (e.g. `myco.pay.WeChatPay`) with a
unique `code` (it is the last part of the notify URL), the billing `payment_method` its payments
are recorded with (`wechat`, `alipay`), and the five methods, reading its merchant id, keys and
certificates from settings or the environment; then set `PAYMENT_GATEWAY = "myco.pay.WeChatPay"`.
Nothing else changes: the services, pages, API and sweep speak only this interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class GatewayError(Exception):
    """The gateway could not be reached or refused a request (the caller retries later)."""


class InvalidSignature(Exception):  # noqa: N818  (the gateway's own word)
    """A notification whose signature does not verify: refused and logged, never acted on."""


@dataclass(frozen=True)
class OrderRequest:
    order_no: str
    amount: Decimal
    description: str
    notify_url: str  # absolute: the gateway calls it
    return_url: str  # where the payer's browser comes back to
    expires_at: datetime


@dataclass(frozen=True)
class Checkout:
    """Where to send the payer: a URL to redirect to, or a QR payload to show (or both)."""

    redirect_url: str = ""
    qr_payload: str = ""


# What a gateway says about an order (a notification or a status query).
PAID = "paid"
PENDING = "pending"
CLOSED = "closed"  # cancelled, expired or failed at the gateway: no money taken
UNKNOWN = "unknown"  # the gateway has never heard of it


@dataclass(frozen=True)
class GatewayState:
    order_no: str
    state: str  # PAID, PENDING, CLOSED or UNKNOWN
    amount: Decimal | None = None
    transaction_id: str = ""
    paid_at: datetime | None = None
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    accepted: bool = True


class PaymentGateway(ABC):
    """The interface. Subclasses implement every abstract method (an adapter that misses one fails
    when it is loaded, not at the first payment); none of them touches our database."""

    code: str = ""
    label: str = ""
    payment_method: str = ""
    is_simulator: bool = False

    @abstractmethod
    def create_order(self, request: OrderRequest) -> Checkout: ...

    @abstractmethod
    def parse_notification(self, data: Mapping[str, str], *, body: bytes = b"") -> GatewayState:
        """The notification's content if its signature verifies, else `InvalidSignature`."""
        ...

    def acknowledge(self, *, accepted: bool) -> tuple[str, str]:
        """The (body, content type) to answer a notification with."""
        return ("success" if accepted else "fail"), "text/plain"

    @abstractmethod
    def query_order(self, order_no: str) -> GatewayState: ...

    @abstractmethod
    def close_order(self, order_no: str) -> None: ...

    @abstractmethod
    def refund(self, *, order_no: str, refund_no: str, amount: Decimal, reason: str) -> RefundResult: ...


@cache
def _load(path: str) -> PaymentGateway:
    gateway = import_string(path)()
    if not isinstance(gateway, PaymentGateway) or not gateway.code or not gateway.payment_method:
        raise TypeError(f"{path} is not a PaymentGateway with a code and a payment method")
    return gateway


def get_gateway(code: str | None = None) -> PaymentGateway:
    """The configured gateway (`settings.PAYMENT_GATEWAY`); `LookupError` if `code` names another."""
    gateway = _load(settings.PAYMENT_GATEWAY)
    if code is not None and code != gateway.code:
        raise LookupError(code)
    return gateway
