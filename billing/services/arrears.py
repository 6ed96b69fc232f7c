"""Arrears and reminders: the housekeeper's fee-collection calls and their outcomes, the reminder
ladder (notices, SMS reminders, letters, call tasks, escalations), and dialling a resident from
a call task."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    Bill,
    BillingPolicy,
    CollectionCall,
    Reminder,
)
from billing.services._common import _require_perm
from residents.models import Estate, Occupancy, Person, SensitiveAccessLog, Unit
from residents.services import TaskCall, TaskNotFound, reveal_phone_for_task
from servicecenter.exceptions import DomainError
from servicecenter.money import to_money

# --- Calls and the reminder ladder ------------------------------------------------------------


@transaction.atomic
def record_call_outcome(
    *,
    unit: Unit,
    actor,
    outcome: str,
    promised_date: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> CollectionCall:
    """The housekeeper's fee-collection call to a unit: promised (with a date), refused or
    unreachable. Kept as a history row; the unit's pending call tasks show the latest outcome."""
    _require_perm(actor, "billing.record_call_outcome", _("You are not allowed to record call outcomes."))
    now = now or timezone.now()
    if outcome not in Reminder.Outcome.values:
        raise DomainError(_("Choose the outcome of the call."), code="invalid_outcome")
    if outcome == Reminder.Outcome.PROMISED:
        if promised_date is None:
            raise DomainError(
                _("Enter the date the resident promised to pay by."), code="promised_date_required"
            )
        if promised_date < timezone.localdate(now):
            raise DomainError(_("The promised date is in the past."), code="promised_date_past")
    else:
        promised_date = None
    tasks = list(
        Reminder.objects.select_for_update()
        .filter(unit=unit, stage=Reminder.Stage.CALL, bill__status__in=Bill.UNPAID_STATUSES)
        .order_by("pk")
    )
    if not tasks:
        raise DomainError(_("This unit has no open fee-collection call."), code="no_open_call")
    call = CollectionCall.objects.create(
        estate_id=unit.estate_id,
        unit=unit,
        outcome=outcome,
        promised_date=promised_date,
        note=note[:300],
        actor=actor,
        created_at=now,
    )
    Reminder.objects.filter(pk__in=[t.pk for t in tasks]).update(
        outcome=outcome,
        promised_date=promised_date,
        outcome_note=note[:300],
        outcome_by=actor,
        outcome_at=now,
    )
    return call


LADDER: list[tuple[str, int | None]] = [
    # (stage, days after the due date; None = when the bill is issued)
    (Reminder.Stage.NOTICE, None),
    (Reminder.Stage.REMINDER, 7),
    (Reminder.Stage.LETTER, 30),
    (Reminder.Stage.CALL, 60),
    (Reminder.Stage.ESCALATION, 90),
]
RESIDENT_STAGES = {
    # stage: (notification kind, channels)
    Reminder.Stage.NOTICE: ("billing_notice", ()),
    Reminder.Stage.REMINDER: ("billing_reminder", ("sms",)),
    Reminder.Stage.LETTER: ("billing_letter", ()),
}


@dataclass
class LadderResult:
    created: dict[str, int] = field(default_factory=dict)
    notifications: int = 0


@transaction.atomic
def run_reminder_ladder(
    *, now: datetime | None = None, estate_ids: Sequence[int] | None = None
) -> LadderResult:
    """The daily reminder sweep: every unpaid bill that has reached a rung of the ladder and not yet
    had it gets it now: notice at issue, reminder at due + 7 (portal and SMS), formal letter at
    due + 30, a call task for the zone's housekeeper at due + 60, the manager's escalation list at
    due + 90.

    Each rung is a Reminder row inserted with `ignore_conflicts` against the unique (bill, stage)
    constraint, so a second run, or two runs at once, never repeat a rung; a bill paid before the
    sweep gets nothing more. When a bill reaches several rungs at once (a catch-up) only the
    highest is announced. Notifications are batched: one per resident per unit and rung, one per
    housekeeper and one per manager per run, each with a dedupe key.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = LadderResult()
    bills = Bill.objects.unpaid()
    if estate_ids is not None:
        bills = bills.filter(estate_id__in=list(estate_ids))
    disabled = list(BillingPolicy.objects.filter(reminders_enabled=False).values_list("estate_id", flat=True))
    if disabled:
        bills = bills.exclude(estate_id__in=disabled)

    announced: set[int] = set()
    to_announce: dict[str, list[tuple[int, int, int, int | None]]] = {}
    for stage, offset in reversed(LADDER):
        due = (
            bills.filter(issue_date__lte=today)
            if offset is None
            else bills.filter(due_date__lte=today - timedelta(days=offset))
        )
        due = due.filter(~Exists(Reminder.objects.filter(bill_id=OuterRef("pk"), stage=stage)))
        rows = list(due.values_list("pk", "unit_id", "estate_id", "unit__building_id").order_by("pk"))
        if not rows:
            result.created[stage] = 0
            continue
        assignees = _housekeepers_by_building({r[3] for r in rows}) if stage == Reminder.Stage.CALL else {}
        Reminder.objects.bulk_create(
            [
                Reminder(
                    bill_id=bill_id,
                    unit_id=unit_id,
                    estate_id=estate_id,
                    stage=stage,
                    created_at=now,
                    assignee_id=assignees.get(building_id),
                )
                for bill_id, unit_id, estate_id, building_id in rows
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
        # Only the rows this run inserted carry its timestamp; a concurrent run's rows do not.
        mine_qs = Reminder.objects.filter(stage=stage, created_at=now)
        if estate_ids is not None:
            mine_qs = mine_qs.filter(estate_id__in=list(estate_ids))
        mine = list(mine_qs.values_list("bill_id", "unit_id", "estate_id", "assignee_id"))
        result.created[stage] = len(mine)
        to_announce[stage] = [row for row in mine if row[0] not in announced]
        announced.update(row[0] for row in mine)
    for stage, rows in to_announce.items():
        if rows:
            result.notifications += _announce(stage=stage, rows=rows, now=now, today=today)
    return result


def _housekeepers_by_building(building_ids: set[int]) -> dict[int, int]:
    """The zone housekeeper of each building, asked once per building (not per unit)."""
    from staff.selectors import housekeeper_for_unit

    found = {}
    for building_id in building_ids:
        keeper = housekeeper_for_unit(Unit(building_id=building_id))
        if keeper is not None:
            found[building_id] = keeper.pk
    return found


def _announce(*, stage: str, rows: list[tuple[int, int, int, int | None]], now: datetime, today: date) -> int:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from staff.selectors import staff_users_of_estate
    from staff.services import notify

    User = get_user_model()
    sent = 0
    if stage in RESIDENT_STAGES:
        kind, channels = RESIDENT_STAGES[stage]
        bill_ids_by_unit: dict[int, list[int]] = defaultdict(list)
        estate_of_unit: dict[int, int] = {}
        for bill_id, unit_id, estate_id, _assignee in rows:
            bill_ids_by_unit[unit_id].append(bill_id)
            estate_of_unit[unit_id] = estate_id
        url = reverse("portal:billing_bills")
        unit_ids = sorted(bill_ids_by_unit)
        for start in range(0, len(unit_ids), 2000):
            chunk = unit_ids[start : start + 2000]
            recipients = _resident_users_by_unit(chunk, today)
            if not recipients:
                continue
            totals = {
                row["unit_id"]: row
                for row in Bill.objects.filter(pk__in=[b for u in recipients for b in bill_ids_by_unit[u]])
                .values("unit_id", "unit__code")
                .annotate(total=Sum("amount"), paid=Sum("amount_paid"), first_due=Min("due_date"))
            }
            for unit_id, users in recipients.items():
                info = totals.get(unit_id)
                if not info:
                    continue
                title, body = _resident_message(stage, info, count=len(bill_ids_by_unit[unit_id]))
                sent += len(
                    notify(
                        recipients=users,
                        kind=kind,
                        title=title,
                        body=body,
                        url=url,
                        estate=Estate(pk=estate_of_unit[unit_id]),
                        channels=channels,
                        dedupe_key=f"billing:{stage}:{unit_id}:{today:%Y%m%d}",
                        now=now,
                    )
                )
    elif stage == Reminder.Stage.CALL:
        units_by_keeper: dict[int, set[int]] = defaultdict(set)
        for _bill, unit_id, _estate, assignee_id in rows:
            if assignee_id:
                units_by_keeper[assignee_id].add(unit_id)
        url = reverse("billing:calls")
        for keeper in User.objects.filter(pk__in=list(units_by_keeper)).select_related("staff_profile"):
            count = len(units_by_keeper[keeper.pk])
            sent += len(
                notify(
                    recipients=[keeper],
                    kind="billing_call",
                    title=_("%(count)s units to call about unpaid fees") % {"count": count},
                    body=_("Their bills are 60 days overdue. Record each call's outcome on the call list."),
                    url=url,
                    dedupe_key=f"billing:call:{keeper.pk}:{today:%Y%m%d}",
                    now=now,
                )
            )
    elif stage == Reminder.Stage.ESCALATION:
        units_by_estate: dict[int, set[int]] = defaultdict(set)
        for _bill, unit_id, estate_id, _assignee in rows:
            units_by_estate[estate_id].add(unit_id)
        url = reverse("billing:escalations")
        for estate in Estate.objects.filter(pk__in=list(units_by_estate)):
            managers = list(
                staff_users_of_estate(estate=estate, role="manager").select_related("staff_profile")
            )
            count = len(units_by_estate[estate.pk])
            sent += len(
                notify(
                    recipients=managers,
                    kind="billing_escalation",
                    estate=estate,
                    title=_("%(count)s units escalated for unpaid fees") % {"count": count},
                    body=_("Their bills are 90 days overdue; see the escalation list."),
                    url=url,
                    dedupe_key=f"billing:escalation:{estate.pk}:{today:%Y%m%d}",
                    now=now,
                )
            )
    return sent


def _resident_users_by_unit(unit_ids: Sequence[int], today: date) -> dict[int, list]:
    """The payer's account for each unit: reminders carry amounts, and only the payer gets them
    (issue #8). A unit whose payer has no active account gets no resident notice; the ladder's
    staff steps (calls, escalation) still reach it."""
    from django.contrib.auth import get_user_model

    from residents.selectors import payers_by_unit

    payers = payers_by_unit(unit_ids, today=today)
    user_ids = {p.person.user_id for p in payers.values() if p.person.user_id}
    if not user_ids:
        return {}
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .select_related("staff_profile")
    }
    return {
        unit_id: [users[payer.person.user_id]]
        for unit_id, payer in payers.items()
        if payer.person.user_id in users
    }


def _resident_message(stage: str, info: dict, *, count: int) -> tuple[str, str]:
    outstanding = to_money(info["total"] - info["paid"])
    values = {"unit": info["unit__code"], "count": count, "amount": outstanding, "due": info["first_due"]}
    if stage == Reminder.Stage.NOTICE:
        return (
            _("New bills for %(unit)s") % values,
            _("%(count)s new bill(s), %(amount)s yuan in total, due by %(due)s.") % values,
        )
    if stage == Reminder.Stage.REMINDER:
        return (
            _("Payment reminder for %(unit)s") % values,
            _(
                "%(count)s bill(s) for %(unit)s, %(amount)s yuan, were due on %(due)s. Please pay at the service centre or online."
            )
            % values,
        )
    return (
        _("Formal payment reminder for %(unit)s") % values,
        _(
            "A formal reminder letter has been issued for %(count)s overdue bill(s) of %(unit)s (%(amount)s yuan). "
            "Please pay or contact the service centre."
        )
        % values,
    )


# --- Dialling from a fee-collection call ------------------------------------------------------

# Whom a fee-collection call is for: the owner pays the property fee; a tenant or shop tenant
# only when no owner is on file with a phone.
_FEE_CALL_ROLES = [
    Occupancy.Role.OWNER,
    Occupancy.Role.CO_OWNER,
    Occupancy.Role.TENANT,
    Occupancy.Role.SHOP_TENANT,
    Occupancy.Role.HOUSEHOLD_MEMBER,
]


def may_call_for_fee(user) -> bool:
    """Whether the calls page offers its Call button at all (the rows are the user's own tasks,
    or everyone's for those allowed to see them); `call_for_fee` checks the task itself."""
    return user.has_perm("billing.record_call_outcome")


def fee_call_person(unit: Unit) -> Person | None:
    """The occupant a fee-collection call for the unit rings: the unit's payer when they have a
    mobile, else the first current owner with one, else a tenant, else anyone living there."""
    from residents.selectors import payers_by_unit

    payer = payers_by_unit([unit.pk]).get(unit.pk)
    if payer is not None and payer.person.mobile:
        return payer.person
    occupancies = [
        o
        for o in Occupancy.objects.current().filter(unit=unit).select_related("person").order_by("pk")
        if o.person.mobile
    ]
    occupancies.sort(key=lambda o: _FEE_CALL_ROLES.index(o.role) if o.role in _FEE_CALL_ROLES else 99)
    return occupancies[0].person if occupancies else None


def call_for_fee(
    *, actor, unit: Unit, ip_address: str | None = None, now: datetime | None = None
) -> TaskCall:
    """The payer's full number for one fee-collection call, logged with the unit's call task as
    purpose. Housekeepers call the units of their own call list; those who may look at everyone's
    calls (billing reports) may call any unit on the list in their estates."""
    tasks = Reminder.objects.visible_to(actor).filter(
        unit_id=unit.pk, stage=Reminder.Stage.CALL, bill__status__in=Bill.UNPAID_STATUSES
    )
    if not actor.has_perm("billing.view_billing_reports"):
        tasks = tasks.filter(assignee=actor)
    if not may_call_for_fee(actor) or not tasks.exists():
        raise TaskNotFound(_("This unit has no open fee-collection call for you."), code="not_found")
    person = fee_call_person(unit)
    phone = reveal_phone_for_task(
        actor=actor,
        purpose=SensitiveAccessLog.Purpose.FEE_CALL,
        purpose_id=unit.pk,
        task=unit.code,
        person=person,
        phone=person.mobile if person else "",
        estate_id=unit.estate_id,
        ip_address=ip_address,
        now=now,
    )
    return TaskCall(name=person.name if person else "", phone=phone, task=unit.code)
