"""From approval to works: the charges (the deposit through billing's deposit ledger, the fees as
one-off bills, each taken once), the signed agreement, a manager's waiver, the permit (working
hours frozen, worker passes, the unit renovating) and the start of the works."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services as billing
from billing.models import ChargeItem, DepositAccount, DepositMovement, IdempotencyRecord
from renovations.models import Renovation, RenovationCharge, RenovationDocument
from renovations.selectors import rules_for, working_hours_text
from renovations.services._common import (
    RenovationStatus,
    check,
    lock,
    now_or,
    require_reason,
    store_document,
    transition,
)
from renovations.services.passes import issue_worker_passes
from residents import services as residents
from residents.models import Unit
from servicecenter.exceptions import DomainError
from servicecenter.workflow import SYSTEM

ChargeKind = RenovationCharge.Kind
FEE_ITEM_CODES = {ChargeKind.RUBBISH: "renovation_rubbish", ChargeKind.PASS_CARDS: "renovation_pass_cards"}


def renovation_reference(renovation: Renovation) -> str:
    return f"renovation:{renovation.pk}"


def fee_item(estate_id: int, kind: str) -> ChargeItem:
    """The estate's one-off charge item for a renovation fee (made the first time it is needed)."""
    ChargeItem.objects.bulk_create(
        [
            ChargeItem(
                estate_id=estate_id,
                code=FEE_ITEM_CODES[kind],
                name=str(ChargeKind(kind).label),
                kind=ChargeItem.Kind.ONE_OFF,
                basis=ChargeItem.Basis.ONE_OFF,
                late_fee_applies=False,
                sort_order=80,
            )
        ],
        ignore_conflicts=True,
    )
    return ChargeItem.objects.get(estate_id=estate_id, code=FEE_ITEM_CODES[kind])


def _create_charges(renovation: Renovation, *, actor, now: datetime) -> list[RenovationCharge]:
    """The deposit and the fees of the estate's rules: the fees billed at once (one bill per fee
    and renovation: the source reference makes a repeat return the first), the deposit taken
    at the cashier (`take_renovation_deposit`)."""
    rules = rules_for(renovation.estate_id)
    workers = renovation.workers.filter(removed_at__isnull=True).count()
    amounts = {
        ChargeKind.DEPOSIT: rules.deposit_amount,
        ChargeKind.RUBBISH: rules.rubbish_fee,
        ChargeKind.PASS_CARDS: rules.pass_card_fee * workers,
    }
    made = []
    for kind, amount in amounts.items():
        if amount <= 0 or renovation.charges.filter(kind=kind).exists():
            continue
        bill = None
        if kind != ChargeKind.DEPOSIT:
            description = f"{ChargeKind(kind).label} {renovation.number}"
            if kind == ChargeKind.PASS_CARDS:
                description += f" ×{workers}"
            bill = billing.create_one_off_bill(
                unit=renovation.unit,
                charge_item=fee_item(renovation.estate_id, kind),
                amount=amount,
                actor=actor,
                description=description,
                source_reference=f"{renovation_reference(renovation)}:{kind}",
                now=now,
            )
        made.append(
            RenovationCharge.objects.create(
                renovation=renovation, kind=kind, amount=amount, bill=bill, created_at=now
            )
        )
    return made


@transaction.atomic
def approve_renovation(
    *, renovation: Renovation, actor, note: str = "", now: datetime | None = None
) -> Renovation:
    """The manager approves: the charges are set (the deposit, the rubbish removal fee and the
    pass cards for the workers listed) and the fees billed."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "approve", actor, now=now)
    _create_charges(renovation, actor=actor, now=now)
    transition(renovation, "approve", actor=actor, now=now, note=(note or "").strip())
    return renovation


@transaction.atomic
def take_renovation_deposit(
    *,
    renovation: Renovation,
    actor,
    method: str,
    idempotency_key: str,
    now: datetime | None = None,
    paid_online: bool = False,
) -> DepositMovement:
    """Take the renovation deposit (装修押金) into billing's deposit ledger, once: the same request
    again (its idempotency key) returns the first movement; another request is refused."""
    now = now_or(now)
    renovation = lock(renovation)
    if renovation.status != RenovationStatus.APPROVED:
        raise DomainError(
            _("The deposit is taken after the approval and before the permit."), code="deposit_not_due"
        )
    charge = renovation.charges.select_for_update().filter(kind=ChargeKind.DEPOSIT).first()
    if charge is None:
        raise DomainError(_("No deposit is due for this renovation."), code="no_deposit_due")
    if charge.deposit_account_id is not None:
        earlier = (
            IdempotencyRecord.objects.filter(
                estate_id=renovation.estate_id,
                key=(idempotency_key or "").strip()[:100],
                deposit_movement__account_id=charge.deposit_account_id,
            )
            .select_related("deposit_movement")
            .first()
        )
        if earlier is not None:
            return earlier.deposit_movement
        raise DomainError(_("The deposit for this renovation has already been taken."), code="deposit_taken")
    movement = billing.receive_deposit(
        unit=renovation.unit,
        purpose=DepositAccount.Purpose.RENOVATION,
        amount=charge.amount,
        method=method,
        actor=actor,
        idempotency_key=idempotency_key,
        reference=renovation_reference(renovation),
        note=renovation.number,
        now=now,
        paid_online=paid_online,
    )
    charge.deposit_account_id = movement.account_id
    charge.save(update_fields=["deposit_account"])
    return movement


@transaction.atomic
def record_agreement(
    *, renovation: Renovation, actor, scanned_copy, now: datetime | None = None
) -> RenovationDocument:
    """Record the renovation agreement (住宅装修管理协议) as signed: who recorded it, when, and the
    scanned copy (kept as the renovation's agreement document)."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "record_agreement", actor, now=now)
    if renovation.agreement_signed_at is not None:
        raise DomainError(_("The signed agreement is already recorded."), code="agreement_recorded")
    if scanned_copy is None:
        raise DomainError(
            _("Attach the scanned copy of the signed agreement."), code="agreement_copy_required"
        )
    document = store_document(
        renovation=renovation,
        kind=RenovationDocument.Kind.AGREEMENT,
        uploaded=scanned_copy,
        actor=actor,
        now=now,
    )
    transition(
        renovation,
        "record_agreement",
        actor=actor,
        now=now,
        note=document.original_name,
        fields={"agreement_signed_at": now, "agreement_signed_by": actor},
    )
    return document


@transaction.atomic
def waive_renovation_charges(
    *, renovation: Renovation, actor, reason: str, now: datetime | None = None
) -> Renovation:
    """A manager lets the permit be issued without the charges being paid, with the reason."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "waive_charges", actor, now=now)
    if renovation.fees_waived_at is not None:
        raise DomainError(_("The charges are already waived."), code="charges_waived")
    reason = require_reason(reason)
    transition(
        renovation,
        "waive_charges",
        actor=actor,
        now=now,
        note=reason,
        fields={"fees_waived_at": now, "fees_waived_by": actor, "fees_waiver_reason": reason[:300]},
    )
    return renovation


def _state_before_works(renovation: Renovation, unit: Unit) -> str:
    if unit.state != Unit.State.RENOVATING:
        return unit.state
    # Already renovating (an earlier renovation's works): keep what it found.
    earlier = (
        Renovation.objects.filter(unit_id=unit.pk, status__in=Renovation.ACTIVE)
        .exclude(pk=renovation.pk)
        .exclude(unit_state_before="")
        .values_list("unit_state_before", flat=True)
        .first()
    )
    return earlier or Unit.State.OCCUPIED


@transaction.atomic
def issue_permit(*, renovation: Renovation, actor, now: datetime | None = None) -> Renovation:
    """Issue the permit (装修许可证): only once the agreement is signed and the charges are paid
    or waived (the workflow's guards). The working hours in force are printed on it and frozen,
    each worker gets a pass for the permit period, and the unit becomes `renovating`."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "issue_permit", actor, now=now)
    if renovation.planned_end < timezone.localdate(now):
        raise DomainError(
            _("The planned period of this renovation is over; it needs a new application."),
            code="period_over",
        )
    unit = Unit.objects.select_for_update().get(pk=renovation.unit_id)
    transition(
        renovation,
        "issue_permit",
        actor=actor,
        now=now,
        fields={
            "permitted_at": now,
            "working_hours": working_hours_text(rules_for(renovation.estate_id)),
            "unit_state_before": _state_before_works(renovation, unit),
        },
    )
    issue_worker_passes(renovation=renovation, actor=actor, now=now)
    residents.set_unit_state(unit=unit, state=Unit.State.RENOVATING, actor=actor, now=now)
    return renovation


@transaction.atomic
def start_works(*, renovation: Renovation, actor, now: datetime | None = None) -> Renovation:
    """The works begin (on or after the planned start)."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "start_works", actor, now=now)
    if timezone.localdate(now) < renovation.planned_start:
        raise DomainError(
            _("The works may start on %(date)s, the planned start.") % {"date": renovation.planned_start},
            code="not_started_yet",
        )
    transition(renovation, "start_works", actor=actor, now=now, fields={"started_at": now})
    return renovation


def start_due_works(*, now: datetime | None = None) -> int:
    """The daily sweep: the works of every permit whose planned start has come are in progress.
    Safe to run twice; each renovation in its own transaction."""
    now = now_or(now)
    today = timezone.localdate(now)
    due = Renovation.objects.filter(status=RenovationStatus.PERMITTED, planned_start__lte=today).values_list(
        "pk", flat=True
    )
    started = 0
    for pk in list(due):
        with transaction.atomic():
            renovation = lock(Renovation(pk=pk))
            if renovation.status != RenovationStatus.PERMITTED:
                continue
            check(renovation, "start_on_schedule", SYSTEM, now=now)
            transition(renovation, "start_on_schedule", actor=SYSTEM, now=now, fields={"started_at": now})
            started += 1
    return started
