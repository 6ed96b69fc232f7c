"""Screen-shaped reads for fee collection: accounts, arrears, journals, statements.

Definitions used by every report (one place):

* **Outstanding** of a bill: amount − paid, for open and partially paid bills (void and
  written-off bills owe nothing).
* **Arrears** (欠费): outstanding on bills whose due date has passed. Aged by days past the due
  date into ≤30, 31–90, 91–180, 181–365 and >365 days.
* **Current-period vs old arrears** (当期/陈欠): arrears on bills of the current year (the year of
  the as-of date) vs arrears on bills of earlier years.
* **Collection rate** (收缴率): see `collection_rate`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.models import (
    Allocation,
    ArrearsSnapshot,
    Bill,
    BillEvent,
    ChargeItem,
    CollectionCall,
    DepositAccount,
    DepositMovement,
    Payment,
    PaymentMethod,
    PaymentReversal,
    PrepaidMovement,
    Reminder,
    UnitArrears,
)
from residents.models import Building, Occupancy, Unit, resident_bill_unit_ids
from residents.selectors import parse_archive_query
from servicecenter.money import ZERO, to_money
from servicecenter.periods import month_bounds, month_start

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
OUTSTANDING = F("amount") - F("amount_paid")

AGEING_BUCKETS: list[tuple[str, int, int | None]] = [
    # key, from days overdue, to days overdue (inclusive; None = no upper bound)
    ("d0_30", 1, 30),
    ("d31_90", 31, 90),
    ("d91_180", 91, 180),
    ("d181_365", 181, 365),
    ("over_365", 366, None),
]


def collection_rate(*, charged: Decimal, collected: Decimal) -> Decimal | None:
    """Collection rate (收缴率) of a period = collected for the period ÷ charged for the period.

    *Charged for the period*: the amounts of the period's bills that were not voided (written-off
    bills were charged and count). *Collected for the period*: what was allocated to those bills
    by payments received within the period (from cash, cards, transfers or the prepaid balance),
    less allocations of payments voided or refunded within the period. Payments after the period
    count as old arrears collected in the month they arrive. Returned as a percentage with two
    decimals, or None when nothing was charged.
    """
    if not charged:
        return None
    return to_money(collected * 100 / charged)


def money_values(row: dict) -> dict:
    """Round a row's sums to cents. PostgreSQL sums NUMERIC exactly; SQLite sums as floating point,
    which leaves 2822107.44999999 where 2822107.45 is meant."""
    for key, value in row.items():
        if isinstance(value, Decimal):
            row[key] = to_money(value)
    return row


def _sum(expr, **filters):
    return Coalesce(
        Sum(expr, filter=Q(**filters) if filters else None), Value(ZERO), output_field=MONEY_FIELD
    )


def arrears_aggregates(today: date) -> dict:
    """The aggregate expressions of an arrears row (use with .aggregate() or .annotate())."""
    year_start = date(today.year, 1, 1)
    expressions = {
        "outstanding": _sum(OUTSTANDING),
        "arrears": _sum(OUTSTANDING, due_date__lt=today),
        "not_yet_due": _sum(OUTSTANDING, due_date__gte=today),
        "current_arrears": _sum(OUTSTANDING, due_date__lt=today, period__gte=year_start),
        "old_arrears": _sum(OUTSTANDING, due_date__lt=today, period__lt=year_start),
        "overdue_bills": Count("pk", filter=Q(due_date__lt=today)),
    }
    for key, low, high in AGEING_BUCKETS:
        filters = {"due_date__lte": today - timedelta(days=low)}
        if high is not None:
            filters["due_date__gte"] = today - timedelta(days=high)
        expressions[key] = _sum(OUTSTANDING, **filters)
    return expressions


@dataclass
class ArrearsReport:
    as_of: date
    totals: dict
    buildings: list[dict]


def summary_is_current(*, estate, today: date) -> bool:
    """Whether the estate's arrears summary holds `today`'s figures: the nightly sweep stamped the
    estate for `today`, and every unit that owes was recomputed for `today` (a service given an
    earlier or later `now` dates its row so). Otherwise the reports sum the bills themselves, so
    that they give the same figures either way (two small queries)."""
    if not ArrearsSnapshot.objects.filter(estate=estate, as_of=today).exists():
        return False
    return not (
        UnitArrears.objects.filter(estate=estate, open_bills__gt=0)
        .filter(Q(as_of__lt=today) | Q(as_of__gt=today))
        .exists()
    )


def _summary_values(*, overdue_only: bool = False) -> dict:
    """The summary's columns under the names of `arrears_aggregates`. Restricted to overdue bills,
    a unit's outstanding is its arrears and nothing is not yet due, as when the bills are summed."""
    values = {key: F(name) for key, name in UnitArrears.REPORT_FIELDS.items()}
    if overdue_only:
        values["outstanding"] = F("total_arrears")
        values["not_yet_due"] = Value(ZERO, output_field=MONEY_FIELD)
    return values


def _summary_sums() -> dict:
    """The report's sums over summary rows. Most units owe only bills not yet due (this month's):
    their arrears columns are all zero, so those columns are summed over overdue units alone,
    which spares PostgreSQL nine NUMERIC additions for most of 50k rows."""
    overdue = Q(overdue_bill_count__gt=0)
    sums = {}
    for key, name in UnitArrears.REPORT_FIELDS.items():
        if key in ("outstanding", "not_yet_due"):
            sums[key] = Sum(name)
        elif key == "overdue_bills":
            sums[key] = Coalesce(Sum(name, filter=overdue), Value(0))
        else:
            sums[key] = Coalesce(Sum(name, filter=overdue), Value(ZERO), output_field=MONEY_FIELD)
    return sums


def arrears_report(*, estate, today: date, from_summary: bool | None = None) -> ArrearsReport:
    """One row per building and the estate's totals, their sum: from the arrears summary when it
    is current for `today` (issue #16), else from the unpaid bills. `from_summary`: what
    `summary_is_current` answered already in this request (asked if None)."""
    if from_summary is None:
        from_summary = summary_is_current(estate=estate, today=today)
    if from_summary:
        owing = UnitArrears.objects.filter(estate=estate, open_bills__gt=0)
        rows = list(
            owing.values("building_id")
            .annotate(**_summary_sums(), units=Count("pk", filter=Q(overdue_bill_count__gt=0)))
            .order_by()
        )
        for row in rows:
            row["unit__building_id"] = row.pop("building_id")
        units_in_arrears = {row["unit__building_id"]: row.pop("units") for row in rows}
    else:
        unpaid = Bill.objects.unpaid().filter(estate=estate)
        rows = list(unpaid.values("unit__building_id").annotate(**arrears_aggregates(today)).order_by())
        units_in_arrears = dict(
            Unit.objects.filter(
                pk__in=unpaid.filter(due_date__lt=today).values("unit_id"),
            )
            .values("building_id")
            .annotate(units=Count("pk"))
            .values_list("building_id", "units")
        )
    return _building_rows(rows, units_in_arrears, today=today)


def _building_rows(rows: list[dict], units_in_arrears: dict, *, today: date) -> ArrearsReport:
    # The aggregate groups by building id alone and counts units in arrears apart: grouping by the
    # building's text columns together with COUNT(DISTINCT unit) made PostgreSQL sort every unpaid
    # bill of the estate (hundreds of thousands of wide rows) before grouping.
    names = {
        b.pk: (b.code, b.name)
        for b in Building.objects.filter(pk__in=[row["unit__building_id"] for row in rows]).only(
            "code", "name"
        )
    }
    keys = [*arrears_aggregates(today)]
    buildings = []
    for row in rows:
        code, name = names[row["unit__building_id"]]
        # The same keys in the same order whichever way the figures were read.
        building = {"unit__building_id": row["unit__building_id"], **{key: row[key] for key in keys}}
        building.update(
            unit__building__code=code,
            unit__building__name=name,
            units=units_in_arrears.get(row["unit__building_id"], 0),
        )
        buildings.append(money_values(building))
    buildings.sort(key=lambda row: row["unit__building__code"])
    totals = {key: sum((b[key] for b in buildings), ZERO if key != "overdue_bills" else 0) for key in keys}
    return ArrearsReport(as_of=today, totals=totals, buildings=buildings)


def arrears_totals(*, estate, today: date, from_summary: bool | None = None) -> dict:
    """The estate's totals of `arrears_report` (the same keys, values and order) without its rows
    per building. From the summary, the arrears columns are summed over the units with an overdue
    bill alone (a few thousand rows, by the partial index), and the outstanding total is their
    arrears plus what is not yet due (each row's outstanding is exactly that sum); only the
    not-yet-due column is summed over every owing unit, from a covering index. Two queries."""
    if from_summary is None:
        from_summary = summary_is_current(estate=estate, today=today)
    if not from_summary:
        return arrears_report(estate=estate, today=today, from_summary=False).totals
    keys = [*arrears_aggregates(today)]
    overdue = money_values(
        UnitArrears.objects.filter(estate=estate, overdue_bill_count__gt=0).aggregate(
            **{
                key: Coalesce(Sum(name), Value(0)) if key == "overdue_bills" else _sum(name)
                for key, name in UnitArrears.REPORT_FIELDS.items()
                if key not in ("outstanding", "not_yet_due")
            }
        )
    )
    not_yet_due = to_money(
        UnitArrears.objects.filter(estate=estate, open_bills__gt=0).aggregate(
            total=_sum("total_not_yet_due")
        )["total"]
    )
    totals = {**overdue, "not_yet_due": not_yet_due, "outstanding": overdue["arrears"] + not_yet_due}
    return {key: totals[key] for key in keys}


def _summary_rows(*, estate, building_id: int | None, overdue_only: bool) -> QuerySet[UnitArrears]:
    owing = UnitArrears.objects.filter(estate=estate)
    owing = owing.filter(overdue_bill_count__gt=0) if overdue_only else owing.filter(open_bills__gt=0)
    if building_id:
        owing = owing.filter(building_id=building_id)
    return owing


def arrears_unit_count(
    *,
    estate,
    today: date,
    building_id: int | None = None,
    overdue_only: bool = True,
    from_summary: bool | None = None,
) -> int:
    """How many rows `arrears_by_unit` has. From the summary, counted without the joins the rows
    need for the unit and building codes (every summary row has its unit and building)."""
    if from_summary is None:
        from_summary = summary_is_current(estate=estate, today=today)
    if from_summary:
        return _summary_rows(estate=estate, building_id=building_id, overdue_only=overdue_only).count()
    return arrears_by_unit(
        estate=estate, today=today, building_id=building_id, overdue_only=overdue_only, from_summary=False
    ).count()


def arrears_by_unit(
    *,
    estate,
    today: date,
    building_id: int | None = None,
    overdue_only: bool = True,
    from_summary: bool | None = None,
) -> QuerySet:
    """One row per unit with arrears, largest first (a values() queryset, paginate it): from the
    arrears summary when it is current for `today`, else from the unpaid bills."""
    if from_summary is None:
        from_summary = summary_is_current(estate=estate, today=today)
    if from_summary:
        owing = _summary_rows(estate=estate, building_id=building_id, overdue_only=overdue_only)
        # With any bill overdue, the oldest unpaid bill is an overdue one: its due date is the
        # oldest overdue date too.
        return owing.values(
            "unit_id",
            "unit__code",
            "unit__building__code",
            **_summary_values(overdue_only=overdue_only),
            oldest_due=F("oldest_due_date"),
        ).order_by("-arrears", "unit__code")
    unpaid = Bill.objects.unpaid().filter(estate=estate)
    if building_id:
        unpaid = unpaid.filter(unit__building_id=building_id)
    if overdue_only:
        unpaid = unpaid.filter(due_date__lt=today)
    return (
        unpaid.values("unit_id", "unit__code", "unit__building__code")
        .annotate(**arrears_aggregates(today), oldest_due=Min("due_date"))
        .order_by("-arrears", "unit__code")
    )


# --- A unit's account -------------------------------------------------------------------------


@dataclass
class UnitAccount:
    unit: Unit
    open_bills: list[Bill]
    outstanding: Decimal
    overdue: Decimal
    prepaid_balance: Decimal
    recent_payments: list[Payment]
    deposits: list[dict] = field(default_factory=list)


def unit_account(*, unit: Unit, today: date, payments: int = 10, bills: int | None = None) -> UnitAccount:
    """What the cashier and the unit page show: open bills, balance, recent payments, deposits.
    A fixed number of queries whatever the unit's history."""
    open_qs = (
        Bill.objects.unpaid()
        .filter(unit=unit)
        .select_related("charge_item")
        .order_by("due_date", "period", "pk")
    )
    open_bills = list(open_qs[:bills] if bills else open_qs)
    if bills and len(open_bills) >= bills:
        totals = money_values(
            Bill.objects.unpaid()
            .filter(unit=unit)
            .aggregate(outstanding=_sum(OUTSTANDING), overdue=_sum(OUTSTANDING, due_date__lt=today))
        )
    else:
        # Every unpaid bill is in the list: the totals need no second query.
        totals = {
            "outstanding": to_money(sum((b.amount - b.amount_paid for b in open_bills), ZERO)),
            "overdue": to_money(
                sum((b.amount - b.amount_paid for b in open_bills if b.due_date < today), ZERO)
            ),
        }
    balance = to_money(PrepaidMovement.objects.filter(unit=unit).aggregate(total=_sum("amount"))["total"])
    recent = list(
        Payment.objects.filter(unit=unit)
        .select_related("receipt", "received_by", "reversal")
        .order_by("-received_at", "-pk")[:payments]
    )
    deposits = list(
        DepositAccount.objects.filter(unit=unit)
        .annotate(
            received=_sum("movements__amount", movements__kind=DepositMovement.Kind.RECEIVED),
            paid_out=_sum(
                "movements__amount",
                movements__kind__in=[DepositMovement.Kind.DEDUCTION, DepositMovement.Kind.REFUND],
            ),
        )
        .values("pk", "purpose", "reference", "received", "paid_out")
    )
    for row in deposits:
        money_values(row)
        row["held"] = row["received"] - row["paid_out"]
        row["purpose_label"] = DepositAccount.Purpose(row["purpose"]).label
    return UnitAccount(
        unit=unit,
        open_bills=open_bills,
        outstanding=totals["outstanding"],
        overdue=totals["overdue"],
        prepaid_balance=balance,
        recent_payments=recent,
        deposits=deposits,
    )


@dataclass(frozen=True)
class UnitOwed:
    """What a unit owes now (`unit_owed`): its unpaid bills, oldest due first, each with its
    charge item, and the total outstanding on them."""

    bills: list[Bill]
    total: Decimal
    overdue_total: Decimal


def unit_owed(*, unit: Unit, today: date, overdue_only: bool = False) -> UnitOwed:
    """The unit's unpaid bills (open or partially paid; `overdue_only`: only those past their due
    date on `today`, i.e. its arrears) with the total outstanding. One query."""
    bills = Bill.objects.unpaid().filter(unit=unit)
    if overdue_only:
        bills = bills.filter(due_date__lt=today)
    rows = list(bills.select_related("charge_item").order_by("due_date", "period", "pk"))
    return UnitOwed(
        bills=rows,
        total=to_money(sum((bill.outstanding for bill in rows), ZERO)),
        overdue_total=to_money(sum((bill.outstanding for bill in rows if bill.is_overdue(today)), ZERO)),
    )


def unit_panel_context(request, unit: Unit) -> dict:
    account = unit_account(unit=unit, today=timezone.localdate(), bills=20)
    return {"account": account, "today": timezone.localdate()}


PORTAL_PANEL_BILLS = 5


def portal_panel_context(request, user) -> dict:
    # One query: the first bills, each row carrying the totals of all the open bills (window
    # aggregates are computed before the LIMIT), however many there are.
    shown = list(
        Bill.objects.visible_to(user)
        .unpaid()
        .select_related("charge_item", "unit")
        .annotate(
            open_outstanding=Window(Sum(OUTSTANDING, output_field=MONEY_FIELD)),
            open_count=Window(Count("pk")),
        )
        .order_by("due_date", "pk")[:PORTAL_PANEL_BILLS]
    )
    totals = {
        "outstanding": to_money(shown[0].open_outstanding) if shown else ZERO,
        "count": shown[0].open_count if shown else 0,
    }
    # A tenant or household member the owner has not granted the bills gets no fee panel at all,
    # not an empty one that reads as "nothing to pay". Open bills already prove the grant.
    sees_bills = bool(totals["count"]) or resident_sees_bills(user)
    return {
        "open_bills": shown[:PORTAL_PANEL_BILLS],
        "outstanding": totals["outstanding"],
        "open_count": totals["count"],
        "today": timezone.localdate(),
        "sees_bills": sees_bills,
    }


def portal_bills_summary(user) -> dict:
    """The top of the portal's bills page: what the resident has to pay and on how many open bills
    (the panel's figures, without its list), and whether they see bills at all. One query; two for
    someone with no open bill."""
    totals = money_values(
        Bill.objects.visible_to(user).unpaid().aggregate(outstanding=_sum(OUTSTANDING), count=Count("pk"))
    )
    return {
        "outstanding": totals["outstanding"],
        "open_count": totals["count"],
        "sees_bills": bool(totals["count"]) or resident_sees_bills(user),
    }


def resident_sees_bills(user) -> bool:
    """Whether the resident may see the bills of any unit they occupy today."""
    return Unit.objects.filter(pk__in=resident_bill_unit_ids(user)).exists()


def occupants_by_unit(unit_ids, *, today: date | None = None) -> dict[int, list[Occupancy]]:
    """Current occupants of each unit (one query); show only `person.mobile_masked`."""
    found: dict[int, list[Occupancy]] = defaultdict(list)
    for occupancy in (
        Occupancy.objects.current(today)
        .filter(unit_id__in=list(unit_ids))
        .select_related("person")
        .order_by("unit_id", "role", "pk")
    ):
        found[occupancy.unit_id].append(occupancy)
    return found


def search_units_for_cashier(*, user, query: str, limit: int = 10) -> list[dict]:
    """Type-ahead for the cashier: units by code prefix, occupant name or phone digits, with the
    occupants' names and masked phones. Two queries."""
    query = (query or "").strip()
    if len(query) < 1:
        return []
    parsed = parse_archive_query(query)
    units = Unit.objects.visible_to(user).select_related("estate").filter(parsed.unit_q())
    if parsed.kind == "phone":
        units |= Unit.objects.visible_to(user).select_related("estate").filter(code__istartswith=parsed.text)
    found = list(units.distinct().order_by("code", "pk")[:limit])
    people = occupants_by_unit([u.pk for u in found])
    return [
        {
            "id": unit.pk,
            "code": unit.code,
            "estate": unit.estate.name,
            "occupants": [
                {"name": o.person.name, "phone": o.person.mobile_masked, "role": o.get_role_display()}
                for o in people.get(unit.pk, [])
            ],
        }
        for unit in found
    ]


# --- Reminders, calls, escalations ------------------------------------------------------------


def call_tasks_for(*, user, assigned_to=None) -> QuerySet:
    """Units with open fee-collection calls (call stage reached, bill still unpaid), one row each."""
    qs = Reminder.objects.visible_to(user).filter(
        stage=Reminder.Stage.CALL, bill__status__in=Bill.UNPAID_STATUSES
    )
    if assigned_to is not None:
        qs = qs.filter(assignee=assigned_to)
    return (
        qs.values("unit_id", "unit__code", "estate__name", "assignee__username")
        .annotate(
            bills=Count("bill_id"),
            arrears=_sum(F("bill__amount") - F("bill__amount_paid")),
            since=Min("created_at"),
            last_outcome_at=Min("outcome_at"),
        )
        .order_by("since", "unit__code")
    )


def latest_calls_by_unit(unit_ids) -> dict[int, CollectionCall]:
    latest: dict[int, CollectionCall] = {}
    for call in (
        CollectionCall.objects.filter(unit_id__in=list(unit_ids))
        .select_related("actor")
        .order_by("unit_id", "-created_at")
    ):
        latest.setdefault(call.unit_id, call)
    return latest


def escalations_for(*, user) -> QuerySet:
    """Units on the manager's escalation list: escalation stage reached, bill still unpaid."""
    return (
        Reminder.objects.visible_to(user)
        .filter(stage=Reminder.Stage.ESCALATION, bill__status__in=Bill.UNPAID_STATUSES)
        .values("unit_id", "unit__code", "estate__name")
        .annotate(
            bills=Count("bill_id"),
            arrears=_sum(F("bill__amount") - F("bill__amount_paid")),
            since=Min("created_at"),
            oldest_due=Min("bill__due_date"),
        )
        .order_by("since", "unit__code")
    )


@dataclass
class ReminderLetter:
    unit: Unit
    occupants: list[Occupancy]
    bills: list[Bill]
    total: Decimal


def reminder_letters(*, user, building: Building, today: date) -> list[ReminderLetter]:
    """One formal reminder letter (催缴单) per unit of the building that reached the letter stage and
    still owes, listing all its overdue bills. Three queries."""
    unit_ids = (
        Reminder.objects.visible_to(user)
        .filter(stage=Reminder.Stage.LETTER, unit__building=building, bill__status__in=Bill.UNPAID_STATUSES)
        .values("unit_id")
    )
    bills = list(
        Bill.objects.overdue(today)
        .filter(unit_id__in=unit_ids)
        .select_related("unit", "charge_item")
        .order_by("unit__code", "due_date", "pk")
    )
    by_unit: dict[int, list[Bill]] = defaultdict(list)
    for bill in bills:
        by_unit[bill.unit_id].append(bill)
    people = occupants_by_unit(by_unit, today=today)
    return [
        ReminderLetter(
            unit=rows[0].unit,
            occupants=[
                o
                for o in people.get(unit_id, [])
                if o.role in (Occupancy.Role.OWNER, Occupancy.Role.CO_OWNER)
            ]
            or people.get(unit_id, []),
            bills=rows,
            total=sum((b.outstanding for b in rows), ZERO),
        )
        for unit_id, rows in by_unit.items()
    ]


# --- Cash journal and monthly statement -------------------------------------------------------


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, start + timedelta(days=1)


@dataclass
class CashJournal:
    day: date
    by_method: list[dict]
    by_clerk: list[dict]
    deposits_by_method: list[dict]
    refunds_by_method: list[dict]
    totals: dict


def cash_journal(*, estate, day: date) -> CashJournal:
    """Money taken and given back on one day (日报): by method and by clerk. Voided payments are
    shown and netted out; refunds, prepaid-balance pay-outs and deposit refunds are money out.
    Spending the prepaid balance moves no money and is not in the journal."""
    start, end = _day_bounds(day)
    taken = Payment.objects.filter(estate=estate, received_at__gte=start, received_at__lt=end).exclude(
        method=PaymentMethod.PREPAID
    )
    aggregates = {
        "count": Count("pk"),
        "gross": _sum("amount"),
        "voided": _sum("amount", reversal__kind=PaymentReversal.Kind.VOID),
    }
    by_method = list(taken.values("method").annotate(**aggregates).order_by("method"))
    by_clerk = list(
        taken.values("received_by__username", "received_by__first_name", "received_by__last_name")
        .annotate(**aggregates)
        .order_by("received_by__username")
    )
    deposits = list(
        DepositMovement.objects.filter(estate=estate, created_at__gte=start, created_at__lt=end)
        .values("method", "kind")
        .annotate(total=_sum("amount"), count=Count("pk"))
        .order_by("method", "kind")
    )
    refunds = defaultdict(lambda: ZERO)
    for method, total in (
        PaymentReversal.objects.filter(
            estate=estate, kind=PaymentReversal.Kind.REFUND, created_at__gte=start, created_at__lt=end
        )
        .values("refund_method")
        .annotate(total=_sum("amount"))
        .values_list("refund_method", "total")
    ):
        refunds[method] += to_money(total)
    for method, total in (
        PrepaidMovement.objects.filter(
            estate=estate, kind=PrepaidMovement.Kind.REFUND, created_at__gte=start, created_at__lt=end
        )
        .values("refund_method")
        .annotate(total=_sum("amount"))
        .values_list("refund_method", "total")
    ):
        refunds[method] += -to_money(total)
    labels = dict(PaymentMethod.choices)
    for row in (*by_method, *by_clerk, *deposits):
        money_values(row)
    for row in (*by_method, *by_clerk):
        row["net"] = row["gross"] - row["voided"]
    for row in by_method:
        row["label"] = labels.get(row["method"], row["method"])
    deposits_rows = [
        {
            **row,
            "label": labels.get(row["method"], row["method"]),
            "kind_label": DepositMovement.Kind(row["kind"]).label,
        }
        for row in deposits
    ]
    totals = {
        "count": sum(r["count"] for r in by_method),
        "gross": sum((r["gross"] for r in by_method), ZERO),
        "voided": sum((r["voided"] for r in by_method), ZERO),
        "net": sum((r["net"] for r in by_method), ZERO),
        "refunds": sum(refunds.values(), ZERO),
        "deposits_in": sum(
            (r["total"] for r in deposits if r["kind"] == DepositMovement.Kind.RECEIVED), ZERO
        ),
        "deposits_out": sum((r["total"] for r in deposits if r["kind"] == DepositMovement.Kind.REFUND), ZERO),
    }
    return CashJournal(
        day=day,
        by_method=by_method,
        by_clerk=by_clerk,
        deposits_by_method=deposits_rows,
        refunds_by_method=[
            {"method": m, "label": labels.get(m, m), "total": t} for m, t in sorted(refunds.items())
        ],
        totals=totals,
    )


def journal_payments(*, estate, day: date) -> QuerySet:
    start, end = _day_bounds(day)
    return (
        Payment.objects.filter(estate=estate, received_at__gte=start, received_at__lt=end)
        .exclude(method=PaymentMethod.PREPAID)
        .select_related("receipt", "unit", "received_by", "reversal")
        .order_by("receipt__sequence")
    )


@dataclass
class StatementRow:
    item_id: int | None
    name: str
    charged: Decimal = ZERO
    collected_for_period: Decimal = ZERO
    collected_earlier_this_year: Decimal = ZERO
    collected_old_arrears: Decimal = ZERO
    outstanding_for_period: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        return collection_rate(charged=self.charged, collected=self.collected_for_period)


@dataclass
class MonthlyStatement:
    month: date
    rows: list[StatementRow]
    total: StatementRow
    prepaid_received: Decimal
    deposits_received: Decimal
    deposits_refunded: Decimal
    deposits_deducted: Decimal


def monthly_statement(*, estate, month: date) -> MonthlyStatement:
    """The month's statement per charge item: charged for the month, collected for the month (the
    basis of the collection rate), collected in the month for earlier months of the year and for
    earlier years (old arrears, 陈欠), still outstanding; plus prepaid and deposit movements, which
    are not revenue. A handful of queries."""
    month = month_start(month)
    start, end = month_bounds(month)
    year_start = date(month.year, 1, 1)
    items = {item.pk: item for item in ChargeItem.objects.filter(estate=estate)}
    rows: dict[int, StatementRow] = {}

    def row(item_id: int) -> StatementRow:
        if item_id not in rows:
            rows[item_id] = StatementRow(
                item_id=item_id, name=items[item_id].name if item_id in items else "?"
            )
        return rows[item_id]

    for item_id, charged, outstanding in (
        Bill.objects.charged()
        .filter(estate=estate, period=month)
        .values("charge_item_id")
        .annotate(
            charged=_sum("amount"),
            outstanding=_sum(OUTSTANDING, status__in=Bill.UNPAID_STATUSES),
        )
        .values_list("charge_item_id", "charged", "outstanding")
    ):
        row(item_id).charged = to_money(charged)
        row(item_id).outstanding_for_period = to_money(outstanding)

    def collected(filter_q: Q) -> dict[tuple[int, str], Decimal]:
        bucket = Case(
            When(bill__period=month, then=Value("period")),
            When(bill__period__gte=year_start, bill__period__lt=month, then=Value("year")),
            When(bill__period__lt=year_start, then=Value("old")),
            default=Value("advance"),
        )
        return {
            (r["bill__charge_item_id"], r["bucket"]): to_money(r["total"])
            for r in Allocation.objects.filter(estate=estate)
            .filter(filter_q)
            .annotate(bucket=bucket)
            .values("bill__charge_item_id", "bucket")
            .annotate(total=_sum("amount"))
        }

    received = collected(Q(payment__received_at__gte=start, payment__received_at__lt=end))
    reversed_ = collected(Q(payment__reversal__created_at__gte=start, payment__reversal__created_at__lt=end))
    for (item_id, bucket), total in received.items():
        _add_collected(row(item_id), bucket, total)
    for (item_id, bucket), total in reversed_.items():
        _add_collected(row(item_id), bucket, -total)

    ordered = sorted(
        rows.values(), key=lambda r: (items[r.item_id].sort_order if r.item_id in items else 999, r.name)
    )
    total = StatementRow(item_id=None, name="")
    for r in ordered:
        total.charged += r.charged
        total.collected_for_period += r.collected_for_period
        total.collected_earlier_this_year += r.collected_earlier_this_year
        total.collected_old_arrears += r.collected_old_arrears
        total.outstanding_for_period += r.outstanding_for_period
    prepaid = PrepaidMovement.objects.filter(
        estate=estate, kind=PrepaidMovement.Kind.OVERPAYMENT, created_at__gte=start, created_at__lt=end
    ).aggregate(t=_sum("amount"))["t"]
    prepaid = to_money(prepaid)
    deposits = dict(
        DepositMovement.objects.filter(estate=estate, created_at__gte=start, created_at__lt=end)
        .values("kind")
        .annotate(t=_sum("amount"))
        .values_list("kind", "t")
    )
    return MonthlyStatement(
        month=month,
        rows=ordered,
        total=total,
        prepaid_received=prepaid,
        deposits_received=to_money(deposits.get(DepositMovement.Kind.RECEIVED, ZERO)),
        deposits_refunded=to_money(deposits.get(DepositMovement.Kind.REFUND, ZERO)),
        deposits_deducted=to_money(deposits.get(DepositMovement.Kind.DEDUCTION, ZERO)),
    )


def _add_collected(row: StatementRow, bucket: str, amount: Decimal) -> None:
    if bucket == "period":
        row.collected_for_period += amount
    elif bucket == "year":
        row.collected_earlier_this_year += amount
    elif bucket == "old":
        row.collected_old_arrears += amount


# --- Lists ------------------------------------------------------------------------------------


def bills_for_list(*, user) -> QuerySet[Bill]:
    return (
        Bill.objects.visible_to(user)
        .select_related("unit", "charge_item", "estate")
        .order_by("-period", "unit__code", "pk")
    )


def payments_for_list(*, user) -> QuerySet[Payment]:
    return (
        Payment.objects.visible_to(user)
        .select_related("unit", "receipt", "received_by", "reversal", "estate")
        .order_by("-received_at", "-pk")
    )


def bill_for_page(*, user, pk: int) -> Bill:
    return (
        Bill.objects.visible_to(user)
        .select_related("unit", "charge_item", "estate", "created_by", "replaces", "replaced_by")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related(
                    "payment", "payment__receipt", "payment__reversal"
                ).order_by("pk"),
            ),
            Prefetch(
                "events", queryset=BillEvent.objects.select_related("actor").order_by("created_at", "pk")
            ),
        )
        .get(pk=pk)
    )


def payment_for_page(*, user, pk: int) -> Payment:
    return (
        Payment.objects.visible_to(user)
        .select_related(
            "unit", "unit__building", "estate", "receipt", "received_by", "reversal", "reversal__actor"
        )
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("bill", "bill__charge_item").order_by("pk"),
            ),
            "prepaid_movements",
        )
        .get(pk=pk)
    )


def latest_readings(meter_ids) -> dict:
    """Each meter's latest reading (one query)."""
    from billing.models import MeterReading

    latest: dict = {}
    for reading in MeterReading.objects.filter(meter_id__in=list(meter_ids)).order_by("meter_id", "-period"):
        latest.setdefault(reading.meter_id, reading)
    return latest


def prepaid_balances_for(*, user) -> list[dict]:
    """The prepaid balance of each unit the user may see (one query)."""
    return [
        money_values(row)
        for row in PrepaidMovement.objects.visible_to(user)
        .values("unit_id", "unit__code")
        .annotate(balance=_sum("amount"))
        .order_by("unit__code")
    ]


# --- Deposit ledger ---------------------------------------------------------------------------


@dataclass
class DepositLedgerRow:
    account: DepositAccount
    taken: Decimal
    deducted: Decimal
    refunded: Decimal
    movements: list[DepositMovement]

    @property
    def held(self) -> Decimal:
        return self.taken - self.deducted - self.refunded


@dataclass
class DepositLedger:
    unit: Unit
    rows: list[DepositLedgerRow]

    def _total(self, name: str) -> Decimal:
        return sum((getattr(row, name) for row in self.rows), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        return {name: self._total(name) for name in ("taken", "deducted", "refunded", "held")}


def deposit_ledger(*, unit: Unit) -> DepositLedger:
    """A unit's deposits (装修押金, key deposits): per account what was taken, deducted (revenue),
    refunded and is still held, with every movement. Two queries whatever the history."""
    accounts = list(
        DepositAccount.objects.filter(unit=unit)
        .prefetch_related(
            Prefetch(
                "movements",
                queryset=DepositMovement.objects.select_related("receipt", "actor", "bill").order_by(
                    "created_at", "pk"
                ),
            )
        )
        .order_by("created_at", "pk")
    )
    rows = []
    for account in accounts:
        movements = list(account.movements.all())

        def total(kind, movements=movements) -> Decimal:
            return to_money(sum((m.amount for m in movements if m.kind == kind), ZERO))

        rows.append(
            DepositLedgerRow(
                account=account,
                taken=total(DepositMovement.Kind.RECEIVED),
                deducted=total(DepositMovement.Kind.DEDUCTION),
                refunded=total(DepositMovement.Kind.REFUND),
                movements=movements,
            )
        )
    return DepositLedger(unit=unit, rows=rows)
