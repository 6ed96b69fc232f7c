"""Reads for household visits: a unit's last visits, whether a household is quiet (沉默客户), and
the housekeeper's list of households due a visit."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from relations.models import ImportantHousehold, Visit
from residents.models import Occupancy, Unit
from staff.models import Zone
from tickets.models import Callback, Ticket

QUIET_MONTHS = 6
# An important household is due a visit when its last one is older than this.
IMPORTANT_VISIT_DAYS = 30
# Tickets registered by staff on their own account are not the household getting in touch.
STAFF_CHANNELS = (Ticket.Channel.STAFF_RELAY, Ticket.Channel.PATROL)
SORTS = {
    "unit": ("code", "pk"),
    "-unit": ("-code", "-pk"),
    "last_visit": (F("last_visit_on").asc(nulls_first=True), "code", "pk"),
    "-last_visit": (F("last_visit_on").desc(nulls_last=True), "code", "pk"),
}


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, or the last day of that month (31 August → 28/29 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def quiet_cutoff(today: date) -> date:
    """A household is quiet when it had no contact on or after this day."""
    return months_before(today, QUIET_MONTHS)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def contact_since(since: date):
    """An Exists() per unit (OuterRef "pk"): was there any contact with the household on or after
    `since`? Contact means any of:
      - a visit logged by staff (home visit, phone call, talk at the desk), by its visit date;
      - a ticket of the unit the household reported: any channel but those where staff register
        work on their own account (passed on by staff, patrol), by its registration time;
      - a callback on a ticket of the unit that reached the resident (completed), by its time.
    Fee-collection calls are not counted: they are the centre chasing money, not a conversation
    the household had with the centre."""
    start = _start_of(since)
    return (
        Exists(Visit.objects.filter(unit=OuterRef("pk"), visited_on__gte=since))
        | Exists(
            Ticket.objects.filter(unit=OuterRef("pk"), created_at__gte=start).exclude(
                channel__in=STAFF_CHANNELS
            )
        )
        | Exists(
            Callback.objects.filter(
                ticket__unit=OuterRef("pk"), status=Callback.Status.COMPLETED, completed_at__gte=start
            )
        )
    )


def is_quiet(*, unit: Unit, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return not Unit.objects.filter(pk=unit.pk).filter(contact_since(quiet_cutoff(today))).exists()


def _last_visit_on():
    return Subquery(
        Visit.objects.filter(unit=OuterRef("pk"))
        .values("unit")
        .annotate(last=Max("visited_on"))
        .values("last")[:1]
    )


def households(*, today: date | None = None) -> QuerySet[Unit]:
    """Units with someone living in them today, annotated with `last_visit_on`, `is_important` and
    `is_quiet` (no contact since `quiet_cutoff`)."""
    today = today or timezone.localdate()
    return (
        Unit.objects.filter(Exists(Occupancy.objects.current(today).filter(unit=OuterRef("pk"))))
        .annotate(
            last_visit_on=_last_visit_on(),
            is_important=Exists(ImportantHousehold.objects.active().filter(unit=OuterRef("pk"))),
            has_contact=contact_since(quiet_cutoff(today)),
        )
        .select_related("building")
    )


@dataclass(frozen=True)
class DueRow:
    unit: Unit
    last_visit_on: date | None
    is_important: bool
    is_quiet: bool
    never_visited: bool
    days_since_visit: int | None
    important_overdue: bool


def zones_for(user) -> QuerySet[Zone]:
    return Zone.objects.visible_to(user).select_related("estate", "housekeeper").order_by("estate_id", "name")


def households_due(
    *, user, zone: Zone, today: date | None = None, sort: str = "last_visit"
) -> QuerySet[Unit]:
    """The households of the zone due a visit: important ones not visited in
    IMPORTANT_VISIT_DAYS days, quiet ones (see `contact_since`), and those never visited. Only the
    zone's units the user may see; ordered by `sort` (SORTS)."""
    today = today or timezone.localdate()
    overdue_before = today - timedelta(days=IMPORTANT_VISIT_DAYS)
    rows = (
        households(today=today)
        .filter(pk__in=Unit.objects.visible_to(user).values("pk"))
        .filter(building__zone_building__zone=zone)
        .filter(
            Q(last_visit_on__isnull=True)
            | Q(is_important=True, last_visit_on__lt=overdue_before)
            | Q(has_contact=False)
        )
    )
    return rows.order_by(*SORTS.get(sort, SORTS["last_visit"]))


def due_row(unit: Unit, today: date) -> DueRow:
    last = unit.last_visit_on
    days = (today - last).days if last else None
    return DueRow(
        unit=unit,
        last_visit_on=last,
        is_important=unit.is_important,
        is_quiet=not unit.has_contact,
        never_visited=last is None,
        days_since_visit=days,
        important_overdue=unit.is_important and (days is None or days > IMPORTANT_VISIT_DAYS),
    )


def visits_for_list(*, user) -> QuerySet[Visit]:
    return Visit.objects.visible_to(user).select_related("unit", "visited_by", "follow_up_ticket")


def visits_of_unit(*, unit: Unit, limit: int = 5) -> list[Visit]:
    return list(Visit.objects.filter(unit=unit).select_related("visited_by", "follow_up_ticket")[:limit])


def important_flag_of(unit: Unit) -> ImportantHousehold | None:
    return ImportantHousehold.objects.active().filter(unit=unit).select_related("flagged_by").first()
