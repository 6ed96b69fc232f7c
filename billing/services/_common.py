"""What several fee-collection subdomains share: the input rules (amounts, reasons, permissions),
the bill's settling step, idempotency keys for money writes, the late-fee charge item, and the
status aliases and state tables."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing.models import (
    Bill,
    BillEvent,
    ChargeItem,
    IdempotencyRecord,
    Payment,
)
from billing.workflows import BILL, PAYMENT, SETTLE
from residents.models import Estate
from servicecenter.exceptions import DomainError
from servicecenter.money import ZERO, MoneyError, parse_money

logger = logging.getLogger("servicecenter.billing")

BATCH = 2000

BillStatus = Bill.Status
PaymentStatus = Payment.Status
# Compatibility: the state tables, read from the declarations in billing/workflows.py.
BILL_ALLOWED: dict[str, set[str]] = BILL.allowed()
PAYMENT_ALLOWED: dict[str, set[str]] = PAYMENT.allowed()


class IdempotencyConflict(DomainError):
    status_code = 409


# --- Input rules ------------------------------------------------------------------------------


def clean_amount(value, *, field_label: str | None = None) -> Decimal:
    """A positive amount of money with at most two decimals, or a translated DomainError.
    Nothing is rounded silently: 10.005 is refused, not turned into 10.01. The text rules (ASCII
    digits, no padding or exponent, the size) are the kernel's `parse_money`."""
    try:
        return parse_money(value, allow_zero=False)
    except MoneyError as error:
        raise DomainError(error.message, code=error.code) from None


def _require_perm(actor, perm: str, message: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(message)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason; it is kept with the record."), code="reason_required")
    return reason[:300]


def _status_for(amount: Decimal, paid: Decimal) -> str:
    if paid <= ZERO:
        return BillStatus.OPEN
    return BillStatus.PAID if paid >= amount else BillStatus.PARTIALLY_PAID


def _transition(bill: Bill, new_status: str, *, actor, now: datetime, note: str = "") -> BillEvent | None:
    """Move a locked bill to the status its payments give it (a system step of the workflow);
    return the unsaved event row, saved in bulk by the caller. The same status: no event."""
    if new_status == bill.status:
        return None
    return BILL.move(bill, SETTLE[new_status], actor=actor, now=now, note=note)


def late_fee_item(estate: Estate) -> ChargeItem:
    ChargeItem.objects.bulk_create(
        [
            ChargeItem(
                estate=estate,
                code="late_fee",
                name=str(ChargeItem.Kind.LATE_FEE.label),
                kind=ChargeItem.Kind.LATE_FEE,
                basis=ChargeItem.Basis.ONE_OFF,
                late_fee_applies=False,
                sort_order=99,
            )
        ],
        ignore_conflicts=True,
    )
    return ChargeItem.objects.get(estate=estate, code="late_fee")


def _fingerprint(**values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _require_idempotency_key(idempotency_key: str | None) -> str:
    """Every write that moves money carries a key, so a double click or a retried request cannot
    take or give back the money twice."""
    key = (idempotency_key or "").strip()
    if not key:
        raise DomainError(
            _(
                "This request has no idempotency key, so a retry could move the money twice. Reload the form and submit it again."
            ),
            code="idempotency_key_required",
        )
    return key[:100]


def _claim_idempotency_key(
    *, estate: Estate, key: str, fingerprint: str, actor, result: str
) -> tuple[IdempotencyRecord | None, object | None]:
    """(the new record, None) for a first request; (None, the first request's result) for a retry.
    `result` names the record's field that holds the result (payment, deposit_movement, ...)."""
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                estate=estate, key=key, fingerprint=fingerprint, actor=actor
            )
    except IntegrityError:
        # The first request with this key has committed (PostgreSQL waits for it on the unique index).
        existing = IdempotencyRecord.objects.select_related(result).get(estate=estate, key=key)
        earlier = getattr(existing, result)
        if existing.fingerprint != fingerprint or earlier is None:
            raise IdempotencyConflict(
                _("This idempotency key was already used for a different payment request."),
                code="idempotency_key_reused",
            ) from None
        return None, earlier
    return record, None
