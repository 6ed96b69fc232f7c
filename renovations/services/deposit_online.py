"""Paying the renovation deposit (装修押金) online from the portal: an order through billing's
online payments (purpose `renovation_deposit`), posted by `take_renovation_deposit` when paid."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from billing.models import PaymentOrder
from billing.services import online
from renovations.models import Renovation, RenovationCharge
from renovations.services._common import RenovationStatus
from renovations.services.permits import renovation_reference, take_renovation_deposit
from servicecenter.exceptions import DomainError

PURPOSE = "renovation_deposit"


def pay_deposit_online(
    *, renovation: Renovation, user, idempotency_key: str, now: datetime | None = None
) -> PaymentOrder:
    """The order for the approved renovation's deposit; the resident is then sent to the gateway.
    `renovation` must come from `Renovation.objects.visible_to(user)`."""
    if renovation.status != RenovationStatus.APPROVED:
        raise DomainError(
            _("The deposit is taken after the approval and before the permit."), code="deposit_not_due"
        )
    charge = renovation.charges.filter(kind=RenovationCharge.Kind.DEPOSIT).first()
    if charge is None:
        raise DomainError(_("No deposit is due for this renovation."), code="no_deposit_due")
    if charge.deposit_account_id is not None:
        raise DomainError(_("The deposit for this renovation has already been taken."), code="deposit_taken")
    return online.create_payment_order(
        user=user,
        unit=renovation.unit,
        amount=charge.amount,
        purpose=PURPOSE,
        reference=renovation_reference(renovation),
        description=_("Renovation deposit %(number)s") % {"number": renovation.number},
        idempotency_key=idempotency_key,
        now=now,
    )


def post_online_deposit(order: PaymentOrder, *, method: str, now: datetime):
    """The paid order's handler: take the deposit into billing's deposit ledger, once (the key is
    the order's). A deposit taken at the desk meanwhile refuses it (staff refund the order)."""
    renovation = Renovation.objects.get(pk=int(order.reference.split(":", 1)[1]))
    take_renovation_deposit(
        renovation=renovation,
        actor=order.user,
        method=method,
        idempotency_key=online.payment_idempotency_key(order),
        now=now,
        paid_online=True,
    )
    return None


def register() -> None:
    online.register_paid_handler(PURPOSE, post_online_deposit, label="renovation deposit")
