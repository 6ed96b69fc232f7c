"""From the end of the works to the close: completion requested, the acceptance inspection
(passed: the passes revoked, the unit no longer renovating, the second inspection due; or defects
to fix), the second inspection (二次验收), itemised deductions and the deposit refund posted
through billing (deposit − deductions), and the close."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services as billing
from billing.models import IdempotencyRecord
from renovations.models import Deduction, Inspection, Renovation, RenovationCharge, Violation
from renovations.selectors import deposit_held, rules_for
from renovations.services._common import (
    PERM,
    RenovationStatus,
    check,
    lock,
    now_or,
    require_estate,
    require_reason,
    transition,
    write_event,
)
from renovations.services.passes import revoke_worker_passes
from residents import services as residents
from residents.models import Unit
from servicecenter.exceptions import DomainError
from servicecenter.money import ZERO, MoneyError, parse_money

# Deductions may be proposed from the permit until the refund.
DEDUCTION_STATES = (
    *Renovation.ACTIVE,
    RenovationStatus.ACCEPTED,
    RenovationStatus.SECOND_INSPECTION,
)
DEDUCTION_PERMISSIONS = ("inspect_renovation", "manage_renovation_violation", "approve_renovation_refund")


@transaction.atomic
def request_completion(
    *, renovation: Renovation, actor, note: str = "", now: datetime | None = None
) -> Renovation:
    """The owner reports the works finished and asks for the acceptance inspection."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "request_completion", actor, now=now)
    transition(
        renovation,
        "request_completion",
        actor=actor,
        now=now,
        note=(note or "").strip(),
        fields={"completion_requested_at": now},
    )
    return renovation


def _inspection(renovation: Renovation, *, kind: str, result: str, findings: str, actor, now) -> Inspection:
    return Inspection.objects.create(
        renovation=renovation, kind=kind, result=result, findings=findings, inspector=actor, inspected_at=now
    )


@transaction.atomic
def pass_acceptance(
    *, renovation: Renovation, actor, findings: str = "", now: datetime | None = None
) -> Inspection:
    """The acceptance inspection (竣工验收) passed: the worker passes are revoked, the unit gets
    back the state it had before the works, and the second inspection falls due after the
    estate's number of days."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "accept", actor, now=now)
    findings = (findings or "").strip()
    inspection = _inspection(
        renovation,
        kind=Inspection.Kind.ACCEPTANCE,
        result=Inspection.Result.PASSED,
        findings=findings,
        actor=actor,
        now=now,
    )
    due = timezone.localdate(now) + timedelta(days=rules_for(renovation.estate_id).second_inspection_days)
    transition(
        renovation,
        "accept",
        actor=actor,
        now=now,
        note=findings,
        fields={"accepted_at": now, "second_inspection_due": due},
    )
    revoke_worker_passes(renovation=renovation, actor=actor, reason=_("Works accepted"), now=now)
    other_works = (
        Renovation.objects.filter(unit_id=renovation.unit_id, status__in=Renovation.ACTIVE)
        .exclude(pk=renovation.pk)
        .exists()
    )
    if not other_works:
        unit = Unit.objects.get(pk=renovation.unit_id)
        state = renovation.unit_state_before or Unit.State.OCCUPIED
        if state == Unit.State.RENOVATING:
            state = Unit.State.OCCUPIED
        residents.set_unit_state(unit=unit, state=state, actor=actor, now=now)
    return inspection


@transaction.atomic
def fail_acceptance(
    *, renovation: Renovation, actor, findings: str, now: datetime | None = None
) -> Inspection:
    """Defects to fix: the works go on (passes stay valid) until completion is requested again."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "fail_acceptance", actor, now=now)
    findings = require_reason(findings, message=_("Describe the defects to fix."))
    inspection = _inspection(
        renovation,
        kind=Inspection.Kind.ACCEPTANCE,
        result=Inspection.Result.DEFECTS,
        findings=findings,
        actor=actor,
        now=now,
    )
    transition(renovation, "fail_acceptance", actor=actor, now=now, note=findings)
    return inspection


@transaction.atomic
def pass_second_inspection(
    *, renovation: Renovation, actor, findings: str = "", now: datetime | None = None
) -> Inspection:
    """The second inspection (二次验收, when it is due) passed: the refund may be approved."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "pass_second_inspection", actor, now=now)
    findings = (findings or "").strip()
    inspection = _inspection(
        renovation,
        kind=Inspection.Kind.SECOND,
        result=Inspection.Result.PASSED,
        findings=findings,
        actor=actor,
        now=now,
    )
    transition(renovation, "pass_second_inspection", actor=actor, now=now, note=findings)
    return inspection


@transaction.atomic
def fail_second_inspection(
    *, renovation: Renovation, actor, findings: str, now: datetime | None = None
) -> Inspection:
    """Defects found at the second inspection: recorded (often with a deduction proposed); the
    renovation stays accepted until an inspection passes."""
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "fail_second_inspection", actor, now=now)
    findings = require_reason(findings, message=_("Describe the defects found."))
    inspection = _inspection(
        renovation,
        kind=Inspection.Kind.SECOND,
        result=Inspection.Result.DEFECTS,
        findings=findings,
        actor=actor,
        now=now,
    )
    transition(renovation, "fail_second_inspection", actor=actor, now=now, note=findings)
    return inspection


# --- deductions and the refund ----------------------------------------------------------------------


def _require_deduction_rights(actor, renovation: Renovation) -> None:
    if actor is None or not any(actor.has_perm(f"{PERM}{name}") for name in DEDUCTION_PERMISSIONS):
        raise PermissionDenied(_("You are not allowed to propose deposit deductions."))
    require_estate(actor, renovation.estate_id)


def _pending_total(renovation: Renovation) -> Decimal:
    total = renovation.deductions.filter(movement__isnull=True).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


@transaction.atomic
def propose_deduction(
    *,
    renovation: Renovation,
    actor,
    amount,
    reason: str,
    violation: Violation | None = None,
    now: datetime | None = None,
) -> Deduction:
    """An item to take off the deposit at the refund (a damaged corridor, a violation's fine), with
    its reason and, usually, its violation. All of them together may not exceed the deposit held."""
    now = now_or(now)
    _require_deduction_rights(actor, renovation)
    renovation = lock(renovation)
    if renovation.status not in DEDUCTION_STATES:
        raise DomainError(
            _("Deductions are proposed between the permit and the refund."), code="deduction_not_allowed"
        )
    try:
        amount = parse_money(amount, allow_zero=False)
    except MoneyError as error:
        raise DomainError(error.message, code=error.code) from None
    reason = require_reason(reason, message=_("Give the reason for the deduction."))
    if violation is not None and violation.renovation_id != renovation.pk:
        raise DomainError(_("The violation belongs to another renovation."), code="wrong_renovation")
    held = deposit_held(renovation)
    if _pending_total(renovation) + amount > held:
        raise DomainError(
            _("Deductions of %(deducted)s would be more than the %(held)s deposit held.")
            % {"deducted": _pending_total(renovation) + amount, "held": held},
            code="deductions_exceed_deposit",
        )
    deduction = Deduction.objects.create(
        renovation=renovation,
        violation=violation,
        amount=amount,
        reason=reason[:300],
        proposed_by=actor,
        proposed_at=now,
    )
    write_event(renovation, action="propose_deduction", actor=actor, now=now, note=f"{amount} {reason}")
    return deduction


@transaction.atomic
def withdraw_deduction(*, deduction: Deduction, actor, now: datetime | None = None) -> None:
    """Take back a proposed deduction (not one already posted at the refund)."""
    now = now_or(now)
    _require_deduction_rights(actor, deduction.renovation)
    renovation = lock(deduction.renovation)
    deduction = Deduction.objects.select_for_update().get(pk=deduction.pk)
    if deduction.movement_id is not None:
        raise DomainError(_("This deduction is already posted with the refund."), code="deduction_posted")
    write_event(
        renovation,
        action="withdraw_deduction",
        actor=actor,
        now=now,
        note=f"{deduction.amount} {deduction.reason}",
    )
    deduction.delete()


def _replayed_refund(renovation: Renovation, key: str) -> bool:
    charge = renovation.charges.filter(kind=RenovationCharge.Kind.DEPOSIT).first()
    if charge is None or charge.deposit_account_id is None or not key:
        return False
    return IdempotencyRecord.objects.filter(
        estate_id=renovation.estate_id, key=key[:100], deposit_movement__account_id=charge.deposit_account_id
    ).exists()


@transaction.atomic
def approve_refund(
    *, renovation: Renovation, actor, method: str, idempotency_key: str, now: datetime | None = None
) -> Renovation:
    """The manager approves the deposit refund: deposit − the itemised deductions, posted through
    billing (each deduction a ledger row and revenue on the deposit-deduction item, the rest given
    back). Once only: the same request again returns the renovation as it is; any other second
    refund is refused."""
    now = now_or(now)
    renovation = lock(renovation)
    if renovation.status == RenovationStatus.REFUNDED and _replayed_refund(renovation, idempotency_key or ""):
        return renovation
    check(renovation, "approve_refund", actor, now=now)
    deductions = list(renovation.deductions.filter(movement__isnull=True).order_by("pk"))
    total = sum((d.amount for d in deductions), ZERO)
    charge = renovation.charges.filter(kind=RenovationCharge.Kind.DEPOSIT).first()
    held = deposit_held(renovation)
    if total > held:
        raise DomainError(
            _("Deductions of %(deducted)s are more than the %(held)s deposit held.")
            % {"deducted": total, "held": held},
            code="deductions_exceed_deposit",
        )
    note = _("Deposit %(held)s − deductions %(deducted)s = refund %(refund)s") % {
        "held": held,
        "deducted": total,
        "refund": held - total,
    }
    if held > 0:
        settlement = billing.refund_deposit(
            account=charge.deposit_account,
            actor=actor,
            method=method,
            idempotency_key=idempotency_key,
            deductions=[(d.amount, d.reason) for d in deductions],
            now=now,
        )
        for deduction, movement in zip(deductions, settlement.deductions, strict=True):
            deduction.movement = movement
            deduction.save(update_fields=["movement"])
    transition(renovation, "approve_refund", actor=actor, now=now, note=note, fields={"refunded_at": now})
    return renovation


@transaction.atomic
def close_renovation(
    *, renovation: Renovation, actor, note: str = "", now: datetime | None = None
) -> Renovation:
    now = now_or(now)
    renovation = lock(renovation)
    check(renovation, "close", actor, now=now)
    transition(
        renovation, "close", actor=actor, now=now, note=(note or "").strip(), fields={"closed_at": now}
    )
    return renovation
