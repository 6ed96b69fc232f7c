"""Screen-shaped reads for the move-in desk pages, the unit page panel and the portal: the list
(filtered in the database, a fixed number of queries per page), the move-in page with everything
its steps show, the unit's move-ins. The core reads (what is owed, the defects awaiting repair)
are `moveins.selectors`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from moveins.models import (
    ChecklistItem,
    Defect,
    HandedKey,
    Inspection,
    MoveIn,
    MoveInCharge,
    MoveInEvent,
    OpeningReading,
)


@dataclass(frozen=True)
class ListFilters:
    status: str = ""
    estate: int | None = None
    batch: int | None = None
    building: int | None = None
    q: str = ""


def move_ins_for_desk_list(*, user, filters: ListFilters) -> QuerySet[MoveIn]:
    """The desk list: the user's estates, filters applied in the database, the open defects
    counted in the same query; today's appointments first, then the latest."""
    open_defects = (
        Defect.objects.filter(move_in=OuterRef("pk"), closed_at__isnull=True)
        .order_by()
        .values("move_in")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        MoveIn.objects.visible_to(user)
        .select_related("unit", "unit__building", "owner", "estate", "batch", "slot")
        .annotate(open_defects=Subquery(open_defects[:1]))
    )
    if filters.status == "open":
        rows = rows.filter(status__in=MoveIn.OPEN)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.estate:
        rows = rows.filter(estate_id=filters.estate)
    if filters.batch:
        rows = rows.filter(batch_id=filters.batch)
    if filters.building:
        rows = rows.filter(unit__building_id=filters.building)
    if filters.q:
        text = filters.q.strip()
        rows = rows.filter(
            Q(number__icontains=text) | Q(unit__code__icontains=text) | Q(owner__name__icontains=text)
        )
    return rows.order_by("-scheduled_for", "-created_at", "-pk")


def move_in_for_page(*, user, pk: int) -> MoveIn:
    """One move-in with everything its page shows, in a fixed number of queries; 404 when it is
    outside the user's reach."""
    move_in = (
        MoveIn.objects.visible_to(user)
        .select_related(
            "unit",
            "unit__building",
            "owner",
            "estate",
            "batch",
            "slot",
            "created_by",
            "fees_waived_by",
            "keys_handed_by",
        )
        .prefetch_related(
            Prefetch(
                "checklist",
                queryset=ChecklistItem.objects.select_related("done_by", "document").order_by(
                    "sort_order", "pk"
                ),
            ),
            Prefetch("charges", queryset=MoveInCharge.objects.select_related("bill", "deposit_account")),
            Prefetch("inspections", queryset=Inspection.objects.select_related("inspected_by")),
            Prefetch(
                "defects",
                queryset=Defect.objects.select_related("ticket", "category", "closed_by").prefetch_related(
                    "photos"
                ),
            ),
            Prefetch(
                "opening_readings",
                queryset=OpeningReading.objects.select_related("meter", "reading", "recorded_by"),
            ),
            Prefetch("keys", queryset=HandedKey.objects.order_by("pk")),
            Prefetch(
                "events", queryset=MoveInEvent.objects.select_related("actor").order_by("created_at", "pk")
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if move_in is None:
        raise Http404(_("No such move-in."))
    return move_in


def move_ins_of_unit(*, user, unit, limit: int = 5) -> list[MoveIn]:
    """The unit page's panel: the unit's latest move-ins, one query."""
    return list(
        MoveIn.objects.visible_to(user)
        .filter(unit=unit)
        .select_related("owner")
        .order_by("-created_at", "-pk")[:limit]
    )


def meters_with_last_reading(unit) -> list:
    """The unit's active meters, each with its last reading value (or its initial reading)."""
    from billing.models import Meter, MeterReading

    last = MeterReading.objects.filter(meter=OuterRef("pk")).order_by("-period", "-reading_date", "-pk")
    meters = list(
        Meter.objects.filter(unit=unit, replaced_on__isnull=True)
        .annotate(
            last_value=Subquery(last.values("value")[:1]),
            last_date=Subquery(last.values("reading_date")[:1]),
            last_period=Subquery(last.values("period")[:1]),
        )
        .order_by("kind", "pk")
    )
    for meter in meters:
        if meter.last_value is None:
            meter.last_value = meter.initial_reading
    return meters


def move_ins_for_portal(*, user) -> list[MoveIn]:
    """The resident's own move-ins: the units they occupy today, where they are the owner."""
    return list(
        MoveIn.objects.visible_to(user)
        .filter(owner__user=user)
        .select_related("unit", "estate")
        .prefetch_related(
            Prefetch("charges", queryset=MoveInCharge.objects.select_related("bill", "deposit_account")),
            Prefetch("defects", queryset=Defect.objects.select_related("ticket")),
        )
        .order_by("-created_at", "-pk")
    )


def move_in_for_portal(*, user, pk: int) -> MoveIn:
    move_in = (
        MoveIn.objects.visible_to(user)
        .filter(owner__user=user)
        .select_related("unit", "estate", "slot", "batch")
        .prefetch_related(
            Prefetch("charges", queryset=MoveInCharge.objects.select_related("bill", "deposit_account")),
            Prefetch("defects", queryset=Defect.objects.select_related("ticket")),
            Prefetch("keys", queryset=HandedKey.objects.order_by("pk")),
            Prefetch("checklist", queryset=ChecklistItem.objects.order_by("sort_order", "pk")),
        )
        .filter(pk=pk)
        .first()
    )
    if move_in is None:
        raise Http404(_("No such move-in."))
    return move_in


def bookable_slots(*, move_in: MoveIn, now) -> list:
    """The slots the owner may book for a scheduled move-in, in one query: the future slots of
    the move-in's batch (or, before it has one, of every batch of its estate still running that
    takes the unit's building), each with `booked` (open move-ins in it) and `free` places. The
    slot already booked is listed too. Nothing once the owner has come."""
    from django.db.models import Exists

    from moveins.models import MoveInBatch, MoveInSlot

    if move_in.status != MoveIn.Status.SCHEDULED:
        return []
    slots = MoveInSlot.objects.filter(starts_at__gt=now)
    if move_in.batch_id:
        slots = slots.filter(batch_id=move_in.batch_id)
    else:
        takes_building = MoveInBatch.buildings.through.objects.filter(
            moveinbatch_id=OuterRef("batch_id"), building_id=move_in.unit.building_id
        )
        any_building = MoveInBatch.buildings.through.objects.filter(moveinbatch_id=OuterRef("batch_id"))
        slots = slots.filter(batch__estate_id=move_in.estate_id).filter(
            Exists(takes_building) | ~Exists(any_building)
        )
    rows = list(
        slots.select_related("batch")
        .annotate(booked=Count("move_ins", filter=Q(move_ins__status__in=MoveIn.OPEN)))
        .order_by("starts_at", "pk")[:200]
    )
    for slot in rows:
        slot.free = max(slot.capacity - slot.booked, 0)
        slot.is_mine = slot.pk == move_in.slot_id
    return rows


def checklist_progress(move_in: MoveIn) -> tuple[int, int]:
    """(lines done, lines) of the move-in's checklist, from the prefetched lines when there are."""
    lines = list(move_in.checklist.all())
    return sum(1 for line in lines if line.done_at), len(lines)
