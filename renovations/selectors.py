"""Reads for renovations: lists, pages, the rules in force, what is still owed, the figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404

from billing.models import DepositMovement
from billing.services import deposit_balance
from renovations.models import Renovation, RenovationCharge, RenovationEvent, RenovationRules
from residents.models import Estate
from servicecenter.money import ZERO, to_money


def rules_for(estate: Estate | int) -> RenovationRules:
    """The estate's renovation rules (the defaults until a manager sets them in the admin)."""
    estate_id = estate if isinstance(estate, int) else estate.pk
    rules = RenovationRules.objects.filter(estate_id=estate_id).first()
    return rules or RenovationRules(estate_id=estate_id)


def working_hours_text(rules: RenovationRules) -> str:
    """The allowed working hours as printed on the permit and the passes and answered at the gate,
    e.g. "Mon–Fri 08:00-12:00, 14:00-18:00; Sat–Sun 09:00-12:00 (quiet work only); no noisy work on
    public holidays"."""
    from django.utils.translation import gettext as _

    parts = [_("Mon–Fri %(hours)s") % {"hours": rules.weekday_hours.replace(",", ", ")}]
    if rules.weekend_hours:
        weekend = _("Sat–Sun %(hours)s") % {"hours": rules.weekend_hours.replace(",", ", ")}
        if not rules.noisy_work_at_weekends:
            weekend += " " + _("(quiet work only)")
        parts.append(weekend)
    else:
        parts.append(_("no work at weekends"))
    if not rules.noisy_work_on_holidays:
        parts.append(_("no noisy work on public holidays"))
    return "; ".join(parts)


# --- what is owed, lists, the page, the timeline --------------------------------------------------


@dataclass(frozen=True)
class Owed:
    """A charge still to be paid before the permit: its kind, its label and the amount owed."""

    kind: str
    label: str
    amount: Decimal


def charges_outstanding(renovation: Renovation) -> list[Owed]:
    """The charges of an approved renovation not yet paid: the deposit until it is in the deposit
    ledger, each fee until its bill is paid (a voided bill is owed no more). Empty when everything
    is paid (or before the approval, when nothing is charged yet). A waiver is not looked at
    here: the permit's guard allows either."""
    owed = []
    for charge in renovation.charges.select_related("bill", "deposit_account"):
        if charge.kind == RenovationCharge.Kind.DEPOSIT:
            received = ZERO
            if charge.deposit_account is not None:
                received = (
                    charge.deposit_account.movements.filter(kind=DepositMovement.Kind.RECEIVED).aggregate(
                        total=Sum("amount")
                    )["total"]
                    or ZERO
                )
            missing = charge.amount - received
        else:
            missing = charge.bill.outstanding if charge.bill is not None else charge.amount
        if missing > ZERO:
            owed.append(
                Owed(kind=charge.kind, label=str(charge.get_kind_display()), amount=to_money(missing))
            )
    return owed


def deposit_held(renovation: Renovation) -> Decimal:
    """What is held of the renovation's deposit in billing's ledger (received − deducted −
    refunded); zero when none was taken."""
    charge = (
        renovation.charges.filter(kind=RenovationCharge.Kind.DEPOSIT)
        .select_related("deposit_account")
        .first()
    )
    if charge is None or charge.deposit_account is None:
        return ZERO
    return deposit_balance(charge.deposit_account)


def renovations_for_list(*, user) -> QuerySet:
    """The renovations the user may see (their estates; a resident: their own units), newest
    first, with what a list row shows."""
    return Renovation.objects.visible_to(user).select_related("estate", "unit", "unit__building", "owner")


def renovation_for_page(*, user, pk: int) -> Renovation:
    """One renovation for its page; 404 when it does not exist or the user may not see it."""
    renovation = (
        Renovation.objects.visible_to(user)
        .select_related("estate", "unit", "unit__building", "owner", "created_by", "agreement_signed_by")
        .filter(pk=pk)
        .first()
    )
    if renovation is None:
        raise Http404
    return renovation


def timeline(renovation: Renovation) -> list[RenovationEvent]:
    """Every step of the renovation, oldest first (registration, changes, each review and
    resubmission, the permit, inspections, the refund), with who did it."""
    return list(renovation.events.select_related("actor").order_by("created_at", "pk"))
