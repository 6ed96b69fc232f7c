"""Reads for move-ins: what is still owed, the defects awaiting rectification, lists, the page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404

from billing.models import DepositMovement
from moveins.models import ChargeRule, Defect, MoveIn, MoveInEvent
from servicecenter.money import ZERO, to_money

# A defect whose ticket is in one of these states waits for no more work: the re-inspection
# looks at the unit itself (a cancelled ticket too: nothing more will come of it).
TICKET_DONE_STATES = ("resolved", "closed", "cancelled")


@dataclass(frozen=True)
class OwedLine:
    """A charge of a move-in not yet fully paid: its name, the amount, what is paid and what is
    still outstanding."""

    name: str
    amount: Decimal
    paid: Decimal
    outstanding: Decimal

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "amount": str(self.amount),
            "paid": str(self.paid),
            "outstanding": str(self.outstanding),
        }


def charges_outstanding(move_in: MoveIn) -> list[OwedLine]:
    """The move-in's charges not yet paid: each fee until its bill is paid (a voided or written-off
    bill is owed no more), each deposit until billing's deposit ledger holds it. Empty when all is
    paid, and before the charges are billed. A waiver is not looked at here: the guard allows
    either."""
    owed = []
    for charge in move_in.charges.select_related("bill", "deposit_account"):
        if charge.kind == ChargeRule.Kind.DEPOSIT:
            received = ZERO
            if charge.deposit_account is not None:
                received = (
                    charge.deposit_account.movements.filter(kind=DepositMovement.Kind.RECEIVED).aggregate(
                        total=Sum("amount")
                    )["total"]
                    or ZERO
                )
            amount, paid = charge.amount, min(received, charge.amount)
            missing = charge.amount - received
        elif charge.bill is not None:
            amount, paid = charge.bill.amount, charge.bill.amount_paid
            missing = charge.bill.outstanding
        else:
            amount, paid, missing = charge.amount, ZERO, charge.amount
        if missing > ZERO:
            owed.append(
                OwedLine(
                    name=charge.name,
                    amount=to_money(amount),
                    paid=to_money(paid),
                    outstanding=to_money(missing),
                )
            )
    return owed


def defects_awaiting_rectification(move_in: MoveIn) -> QuerySet:
    """The move-in's open defects whose repair ticket is not finished yet (resolved or closed)."""
    return (
        Defect.objects.filter(move_in=move_in, closed_at__isnull=True)
        .exclude(ticket__status__in=TICKET_DONE_STATES)
        .select_related("ticket")
    )


def move_ins_for_list(*, user) -> QuerySet:
    """The move-ins the user may see (their estates; a resident: their own units), newest first,
    with what a list row shows."""
    return MoveIn.objects.visible_to(user).select_related(
        "estate", "unit", "unit__building", "owner", "batch", "slot"
    )


def move_in_for_page(*, user, pk: int) -> MoveIn:
    """One move-in for its page; 404 when it does not exist or the user may not see it."""
    move_in = (
        MoveIn.objects.visible_to(user)
        .select_related(
            "estate",
            "unit",
            "unit__building",
            "owner",
            "batch",
            "slot",
            "created_by",
            "keys_handed_by",
            "fees_waived_by",
        )
        .filter(pk=pk)
        .first()
    )
    if move_in is None:
        raise Http404
    return move_in


def timeline(move_in: MoveIn) -> list[MoveInEvent]:
    """Every step of the move-in, oldest first, with who did it."""
    return list(move_in.events.select_related("actor").order_by("created_at", "pk"))
