"""The per-unit arrears summary (`UnitArrears`): recomputed from the bills, never adjusted by
arithmetic, so that it is as right as the ledger it sums.

Every service that changes what a unit owes (a bill issued, voided, waived, written off or
reissued; a payment recorded, applied, voided or refunded; a late fee charged) calls
`refresh_unit_arrears` with the units it touched, inside its own transaction. The ageing bands
move with the date, so `refresh_all_unit_arrears` (the nightly sweep) recomputes every unit of
an estate for the new day and then stamps the estate's `ArrearsSnapshot`; the arrears report reads
the summary only for a day the estate is stamped for (`selectors.arrears_report`).

Concurrency: each refresh first locks the units' rows (the lock of a unit's account, taken first
by the payment services too) and only then sums the bills. Under READ COMMITTED the sum is a new
statement, so it sees every transaction that refreshed the unit before it; whichever transaction
refreshes a unit last writes a row computed from all the writes committed before it and its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from billing.models import ArrearsSnapshot, Bill, UnitArrears
from billing.selectors import arrears_aggregates
from billing.services._common import BATCH
from residents.models import Estate, Unit
from servicecenter.money import ZERO, to_money


def compute_unit_arrears(unit_ids: Sequence[int], *, today: date) -> dict[int, dict]:
    """Each unit's summary values on `today`, summed from its unpaid bills (one query). Units
    without unpaid bills owe nothing and get zeros."""
    found = {
        row.pop("unit_id"): row
        for row in Bill.objects.unpaid()
        .filter(unit_id__in=list(unit_ids))
        .values("unit_id")
        .annotate(**arrears_aggregates(today), open_bills=Count("pk"), oldest_due_date=Min("due_date"))
        .order_by()
    }
    values = {}
    for unit_id in unit_ids:
        row = found.get(unit_id)
        values[unit_id] = {
            field_name: _clean(row[key]) if row else (0 if key == "overdue_bills" else ZERO)
            for key, field_name in UnitArrears.REPORT_FIELDS.items()
        }
        values[unit_id]["open_bills"] = row["open_bills"] if row else 0
        values[unit_id]["oldest_due_date"] = row["oldest_due_date"] if row else None
    return values


def _clean(value):
    # SQLite sums as floating point; PostgreSQL sums NUMERIC exactly. Cents either way.
    return value if isinstance(value, int) else to_money(value)


def refresh_unit_arrears(unit_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Recompute the summary rows of these units from their bills, as of `now`'s date. Call it in
    the transaction that changed the bills, after the change. Returns the units refreshed."""
    ids = sorted({int(pk) for pk in unit_ids if pk is not None})
    if not ids:
        return 0
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            places = {
                unit_id: (estate_id, building_id)
                for unit_id, estate_id, building_id in Unit.objects.select_for_update()
                .filter(pk__in=chunk)
                .order_by("pk")
                .values_list("pk", "estate_id", "building_id")
            }
            values = compute_unit_arrears(list(places), today=today)
            UnitArrears.objects.bulk_create(
                [
                    UnitArrears(
                        estate_id=places[unit_id][0],
                        building_id=places[unit_id][1],
                        unit_id=unit_id,
                        as_of=today,
                        refreshed_at=now,
                        **row,
                    )
                    for unit_id, row in values.items()
                ],
                update_conflicts=True,
                unique_fields=["unit"],
                update_fields=["estate", "building", "as_of", "refreshed_at", *UnitArrears.COMPUTED_FIELDS],
                batch_size=BATCH,
            )
    return len(ids)


def refresh_all_unit_arrears(*, now: datetime | None = None, estate_ids: Sequence[int] | None = None) -> int:
    """The nightly sweep: every unit of every estate (or of `estate_ids`) recomputed for `now`'s
    date, a batch of units per transaction, then the estate stamped as summarised for the day.
    Safe to run twice, and while payments are taken (each batch locks its units)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    estates = Estate.objects.order_by("pk")
    if estate_ids is not None:
        estates = estates.filter(pk__in=list(estate_ids))
    refreshed = 0
    for estate_id in estates.values_list("pk", flat=True):
        unit_ids = list(Unit.objects.filter(estate_id=estate_id).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(unit_ids), BATCH):
            refreshed += refresh_unit_arrears(unit_ids[start : start + BATCH], now=now)
        ArrearsSnapshot.objects.update_or_create(
            estate_id=estate_id, defaults={"as_of": today, "refreshed_at": now}
        )
    return refreshed


@dataclass
class ArrearsCheck:
    """Units whose summary row differs from their bills: unit id → (field, stored, recomputed)."""

    as_of: date
    checked: int = 0
    differences: dict[int, list[tuple[str, object, object]]] = field(default_factory=dict)
    fixed: int = 0


def check_unit_arrears(
    *, now: datetime | None = None, estate_ids: Sequence[int] | None = None, fix: bool = False
) -> ArrearsCheck:
    """Compare every unit's summary row with a fresh sum of its bills. A row is compared as of its
    own date (a row of an earlier day is not wrong, only not yet swept); a missing row counts as
    zeros. With `fix`, the differing units are recomputed as of `now`'s date."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = ArrearsCheck(as_of=today)
    units = Unit.objects.order_by("pk")
    if estate_ids is not None:
        units = units.filter(estate_id__in=list(estate_ids))
    unit_ids = list(units.values_list("pk", flat=True))
    for start in range(0, len(unit_ids), BATCH):
        chunk = unit_ids[start : start + BATCH]
        stored = {row.unit_id: row for row in UnitArrears.objects.filter(unit_id__in=chunk)}
        buildings = dict(Unit.objects.filter(pk__in=chunk).values_list("pk", "building_id"))
        by_day: dict[date, list[int]] = {}
        for unit_id in chunk:
            row = stored.get(unit_id)
            by_day.setdefault(row.as_of if row else today, []).append(unit_id)
        for day, ids in by_day.items():
            for unit_id, expected in compute_unit_arrears(ids, today=day).items():
                row = stored.get(unit_id)
                diffs = [
                    (name, getattr(row, name) if row else None, value)
                    for name, value in expected.items()
                    if row is None or getattr(row, name) != value
                ]
                if row is not None and row.building_id != buildings[unit_id]:
                    diffs.append(("building_id", row.building_id, buildings[unit_id]))
                if row is None and not expected["open_bills"]:
                    diffs = []  # no row and nothing owed: nothing to correct
                if diffs:
                    result.differences[unit_id] = diffs
        result.checked += len(chunk)
    if fix and result.differences:
        result.fixed = refresh_unit_arrears(result.differences, now=now)
    return result
