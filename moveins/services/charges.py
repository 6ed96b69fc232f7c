"""The move-in charges: billed when the documents are done (the fees and the months of service
fee in advance as one-off bills, each once; the deposits taken at the cashier into billing's
deposit ledger), paid or waived by a manager, checked before the inspection and again before the
keys."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services as billing
from billing.models import ChargeItem, DepositAccount, DepositMovement, IdempotencyRecord
from moveins.models import ChargeRule, MoveIn, MoveInCharge
from moveins.selectors import charges_outstanding
from moveins.services._common import (
    MoveInStatus,
    check,
    lock,
    now_or,
    require_estate,
    require_reason,
    transition,
    write_event,
)
from residents.models import Unit
from servicecenter.exceptions import DomainError
from servicecenter.money import ZERO, to_money

MOVE_IN_FEE_ITEM = "movein_fee"
# A deposit is taken once billed and at the latest before the keys.
DEPOSIT_DUE_STATES = (
    MoveInStatus.FEES,
    MoveInStatus.INSPECTION,
    MoveInStatus.RECTIFICATION,
    MoveInStatus.KEYS,
)


class ChargesOwed(DomainError):
    """The charges are not settled: the answer lists what is owed (`details["owed"]`: name,
    amount, paid, outstanding of each line) so that the desk can say it to the owner."""

    status_code = 409


def require_settled(move_in: MoveIn) -> None:
    """Refuse (409, with what is owed) unless every charge is paid or a manager waived them."""
    if move_in.fees_waived_at is not None:
        return
    owed = charges_outstanding(move_in)
    if owed:
        total = to_money(sum((line.outstanding for line in owed), ZERO))
        raise ChargesOwed(
            _("The move-in charges must be paid (or waived by a manager) first; still owed: %(lines)s.")
            % {"lines": "; ".join(f"{line.name} {line.outstanding}" for line in owed)},
            code="charges_unpaid",
            details={"owed": [line.as_dict() for line in owed], "total_owed": str(total)},
        )


def move_in_reference(move_in: MoveIn) -> str:
    return f"movein:{move_in.pk}"


def fee_item(estate_id: int) -> ChargeItem:
    """The estate's one-off charge item for move-in charges (made the first time it is needed)."""
    ChargeItem.objects.bulk_create(
        [
            ChargeItem(
                estate_id=estate_id,
                code=MOVE_IN_FEE_ITEM,
                # Data, like the estate's other charge items: in Chinese, whatever the request's language.
                name="入伙费用",
                kind=ChargeItem.Kind.ONE_OFF,
                basis=ChargeItem.Basis.ONE_OFF,
                late_fee_applies=False,
                sort_order=85,
            )
        ],
        ignore_conflicts=True,
    )
    return ChargeItem.objects.get(estate_id=estate_id, code=MOVE_IN_FEE_ITEM)


def monthly_service_fee(unit: Unit, *, day) -> Decimal:
    """One month of the unit's property service fee at the rates in effect on `day`, in full (the
    months paid in advance are for after the keys, when no vacant-unit discount applies)."""
    items = [
        item
        for item in ChargeItem.objects.filter(
            estate_id=unit.estate_id,
            kind=ChargeItem.Kind.PROPERTY_FEE,
            is_active=True,
            basis__in=(ChargeItem.Basis.PER_AREA_MONTH, ChargeItem.Basis.PER_UNIT_MONTH),
            applies_to__in=(ChargeItem.AppliesTo.ALL_UNITS, ChargeItem.AppliesTo.ELEVATOR_BUILDINGS),
        )
        if (not item.unit_use or item.unit_use == unit.use)
        and (item.applies_to != ChargeItem.AppliesTo.ELEVATOR_BUILDINGS or unit.building.has_elevator)
    ]
    rates = billing.rates_on(items, day)
    total = ZERO
    for item in items:
        if item.pk not in rates:
            continue
        quantity = unit.area if item.basis == ChargeItem.Basis.PER_AREA_MONTH else Decimal(1)
        total += rates[item.pk] * quantity
    return to_money(total)


def _bill_charges(move_in: MoveIn, *, actor, now: datetime) -> list[MoveInCharge]:
    """One charge line per active rule of the estate: fees and service months billed at once (the
    source reference makes a repeat return the first bill), deposits taken at the cashier."""
    made = []
    have = set(move_in.charges.values_list("name", flat=True))
    today = timezone.localdate(now)
    unit = Unit.objects.select_related("building").get(pk=move_in.unit_id)
    for rule in ChargeRule.objects.filter(estate_id=move_in.estate_id, is_active=True):
        if rule.name in have:
            continue
        if rule.kind == ChargeRule.Kind.SERVICE_MONTHS:
            monthly = monthly_service_fee(unit, day=today)
            if monthly <= ZERO:
                raise DomainError(
                    _(
                        "The unit has no property service fee rate, so “%(name)s” cannot be "
                        "charged; set the rate in billing first."
                    )
                    % {"name": rule.name},
                    code="no_service_fee_rate",
                )
            amount = to_money(monthly * rule.months)
            description = f"{rule.name} {move_in.number} ({monthly}×{rule.months})"
        else:
            amount = to_money(rule.amount)
            description = f"{rule.name} {move_in.number}"
        if amount <= ZERO:
            continue
        bill = None
        if rule.kind != ChargeRule.Kind.DEPOSIT:
            bill = billing.create_one_off_bill(
                unit=unit,
                charge_item=fee_item(move_in.estate_id),
                amount=amount,
                actor=actor,
                description=description,
                source_reference=f"{move_in_reference(move_in)}:{rule.pk}",
                now=now,
            )
        made.append(
            MoveInCharge.objects.create(
                move_in=move_in,
                rule=rule,
                kind=rule.kind,
                name=rule.name,
                amount=amount,
                bill=bill,
                created_at=now,
            )
        )
    return made


@transaction.atomic
def finish_documents(*, move_in: MoveIn, actor, note: str = "", now: datetime | None = None) -> MoveIn:
    """The required checklist lines are done: the charges of the estate's rules are billed
    (fees and months of service fee as one-off bills, deposits to be taken at the cashier)."""
    now = now_or(now)
    move_in = lock(move_in)
    check(move_in, "finish_documents", actor, now=now)
    _bill_charges(move_in, actor=actor, now=now)
    transition(move_in, "finish_documents", actor=actor, now=now, note=note)
    return move_in


def deposit_purpose(charge: MoveInCharge) -> str:
    """A key deposit (钥匙押金) is kept as such in the ledger; any other deposit as "other"."""
    if "钥匙" in charge.name or "key" in charge.name.lower():
        return DepositAccount.Purpose.KEY
    return DepositAccount.Purpose.OTHER


@transaction.atomic
def take_move_in_deposit(
    *, charge: MoveInCharge, method: str, actor, idempotency_key: str, now: datetime | None = None
) -> DepositMovement:
    """Take a move-in deposit into billing's deposit ledger (its own receipt), once: the same
    request again (its idempotency key) returns the first movement; another is refused."""
    now = now_or(now)
    move_in = lock(charge.move_in)
    require_estate(actor, move_in.estate_id)
    charge = MoveInCharge.objects.select_for_update().get(pk=charge.pk, move_in=move_in)
    if charge.kind != ChargeRule.Kind.DEPOSIT:
        raise DomainError(_("This charge is not a deposit; it is paid on its bill."), code="not_a_deposit")
    if move_in.status not in DEPOSIT_DUE_STATES:
        raise DomainError(
            _("The deposit is taken after the documents and before the keys."), code="deposit_not_due"
        )
    reference = f"{move_in_reference(move_in)}:{charge.pk}"
    if charge.deposit_account_id is not None:
        earlier = (
            IdempotencyRecord.objects.filter(
                estate_id=move_in.estate_id,
                key=(idempotency_key or "").strip()[:100],
                deposit_movement__account_id=charge.deposit_account_id,
            )
            .select_related("deposit_movement")
            .first()
        )
        if earlier is not None:
            return earlier.deposit_movement
        raise DomainError(_("This deposit has already been taken."), code="deposit_taken")
    movement = billing.receive_deposit(
        unit=move_in.unit,
        purpose=deposit_purpose(charge),
        amount=charge.amount,
        method=method,
        actor=actor,
        idempotency_key=idempotency_key,
        reference=reference,
        note=f"{charge.name} {move_in.number}",
        now=now,
    )
    charge.deposit_account_id = movement.account_id
    charge.save(update_fields=["deposit_account"])
    write_event(move_in, action="take_deposit", actor=actor, now=now, note=f"{charge.name} {charge.amount}")
    return movement


@transaction.atomic
def waive_move_in_fees(*, move_in: MoveIn, actor, reason: str, now: datetime | None = None) -> MoveIn:
    """A manager waives what is still owed (the reason is kept): the inspection and the keys no
    longer wait for it. Bills stay with billing (void or write them off there)."""
    now = now_or(now)
    move_in = lock(move_in)
    check(move_in, "waive_fees", actor, now=now)
    if move_in.fees_waived_at is not None:
        raise DomainError(_("The charges have already been waived."), code="already_waived")
    reason = require_reason(reason, message=_("Give the reason for the waiver; it is kept with the move-in."))
    transition(
        move_in,
        "waive_fees",
        actor=actor,
        now=now,
        note=reason,
        fields={"fees_waived_at": now, "fees_waived_by": actor, "fees_waiver_reason": reason[:300]},
    )
    return move_in


@transaction.atomic
def confirm_fees(*, move_in: MoveIn, actor, note: str = "", now: datetime | None = None) -> MoveIn:
    """The charges are paid (or waived): on to the inspection. Refused with what is owed."""
    now = now_or(now)
    move_in = lock(move_in)
    check(move_in, "confirm_fees", actor, now=now, skip=("charges_settled",))
    require_settled(move_in)
    transition(move_in, "confirm_fees", actor=actor, now=now, note=note)
    return move_in
