"""Reads for move-out and moving requests: what the unit owes, the release pass's window and the
gate's notes, the desk list (filtered in the database, one query per page) and one request's
page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.selectors import UnitOwed, unit_owed
from frontdesk.models import MoveOut, MoveOutEvent
from residents.models import Occupancy, Unit


def pass_window(moveout: MoveOut) -> tuple[datetime, datetime]:
    """The planned day's time window, local time: what the release pass is valid for."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(moveout.planned_date, moveout.window_start), tz)
    end = timezone.make_aware(datetime.combine(moveout.planned_date, moveout.window_end), tz)
    return start, end


def amounts_owed(moveout: MoveOut, *, now: datetime | None = None) -> UnitOwed:
    """What stands between the unit and its release pass. Someone leaving for good settles every
    bill issued to the unit (结清费用); moving goods is held up only by arrears, bills past their
    due date (billing's definition)."""
    today = timezone.localdate(now or timezone.now())
    return unit_owed(unit=moveout.unit, today=today, overdue_only=moveout.kind != MoveOut.Kind.MOVE_OUT)


def owed_rows(owed: UnitOwed, *, today: date) -> list[dict]:
    """The bills owed as the 409 body, the page and the event note list them."""
    return [
        {
            "bill": bill.pk,
            "item": bill.charge_item.name,
            "period": bill.period_label,
            "due_date": bill.due_date,
            "outstanding": bill.outstanding,
            "is_overdue": bill.is_overdue(today),
        }
        for bill in owed.bills
    ]


def gate_notes(moveout: MoveOut) -> str:
    """Printed on the release pass and shown at the gate: what goes out, in which vehicle, with
    how many helpers."""
    parts = [_("Items: %(items)s") % {"items": " ".join(moveout.items.split())}]
    if moveout.vehicle_plate:
        parts.append(_("Vehicle: %(plate)s") % {"plate": moveout.vehicle_plate})
    if moveout.helpers:
        parts.append(_("Helpers: %(count)s") % {"count": moveout.helpers})
    return "; ".join(parts)


def occupants_of_unit(unit: Unit, *, today: date) -> QuerySet[Occupancy]:
    """Who may ask: the unit's current occupants (the archive), owners first."""
    return (
        Occupancy.objects.current(on=today)
        .filter(unit=unit)
        .select_related("person")
        .order_by("role", "start_date", "pk")
    )


@dataclass(frozen=True)
class ListFilters:
    status: str = ""
    kind: str = ""
    estate: int | None = None
    planned_from: date | None = None
    planned_until: date | None = None
    q: str = ""
    open_only: bool = False


def moveouts_for_list(*, user) -> QuerySet[MoveOut]:
    """The requests the user may see, with what a row shows, newest first."""
    return (
        MoveOut.objects.visible_to(user)
        .select_related("estate", "unit", "person", "release_pass")
        .order_by("-created_at", "-pk")
    )


def moveouts_for_desk_list(*, user, filters: ListFilters) -> QuerySet[MoveOut]:
    rows = moveouts_for_list(user=user)
    if filters.open_only:
        rows = rows.filter(status__in=MoveOut.OPEN)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.estate:
        rows = rows.filter(estate_id=filters.estate)
    if filters.planned_from:
        rows = rows.filter(planned_date__gte=filters.planned_from)
    if filters.planned_until:
        rows = rows.filter(planned_date__lte=filters.planned_until)
    if filters.q:
        rows = rows.filter(search_q(filters.q))
    return rows


def search_q(text: str) -> Q:
    """Number, unit code, requester's name or vehicle plate (never a part of a phone number)."""
    text = text.strip()
    return (
        Q(number__icontains=text)
        | Q(unit__code__icontains=text)
        | Q(person__name__icontains=text)
        | Q(vehicle_plate__icontains=text.replace(" ", "").upper())
    )


def moveout_for_page(*, user, pk: int) -> MoveOut:
    """One request with its timeline, within the user's reach; Http404 otherwise."""
    moveout = (
        MoveOut.objects.visible_to(user)
        .select_related(
            "estate",
            "unit",
            "unit__building",
            "person",
            "occupancy",
            "release_pass",
            "created_by",
            "approved_by",
            "arrears_override_by",
        )
        .prefetch_related(Prefetch("events", queryset=MoveOutEvent.objects.select_related("actor")))
        .filter(pk=pk)
        .first()
    )
    if moveout is None:
        raise Http404(_("No such move-out or moving request."))
    return moveout
