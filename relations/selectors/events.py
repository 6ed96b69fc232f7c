"""Reads of community events: the desk's list with head counts, the portal's events and households."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from relations.models import CommunityEvent, EventSignup
from residents.models import Occupancy, Person


@dataclass(frozen=True)
class EventFilters:
    status: str = ""
    estate: int | None = None
    upcoming_only: bool = False
    q: str = ""


def _with_head_count(rows):
    return rows.annotate(head_count=Count("signups", filter=Q(signups__cancelled_at__isnull=True)))


def events_for_desk_list(*, user, filters: EventFilters, now=None) -> QuerySet[CommunityEvent]:
    rows = _with_head_count(CommunityEvent.objects.visible_to(user).select_related("estate"))
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.estate:
        rows = rows.filter(estate_id=filters.estate)
    if filters.upcoming_only and now is not None:
        rows = rows.filter(ends_at__gte=now)
    if filters.q:
        rows = rows.filter(Q(title__icontains=filters.q) | Q(place__icontains=filters.q))
    return rows.order_by("-starts_at", "-pk")


def event_for_page(*, user, pk: int) -> CommunityEvent:
    event = (
        _with_head_count(CommunityEvent.objects.visible_to(user))
        .select_related("estate", "created_by")
        .prefetch_related("buildings")
        .filter(pk=pk)
        .first()
    )
    if event is None:
        raise Http404(_("No such event."))
    return event


def signups_of_event(event: CommunityEvent) -> QuerySet[EventSignup]:
    return EventSignup.objects.filter(community_event=event).active().select_related("person", "unit")


def events_for_resident(*, user) -> QuerySet[CommunityEvent]:
    return _with_head_count(CommunityEvent.objects.visible_to(user)).order_by("starts_at", "pk")


def household_members(user, *, today: date) -> QuerySet[Person]:
    """The people who live today in the units the user lives in (the user included)."""
    units = Occupancy.objects.current(today).filter(person__user=user).values("unit_id")
    people = Occupancy.objects.current(today).filter(unit__in=units).values("person_id")
    return Person.objects.filter(pk__in=people).order_by("name", "pk")


def household_units(user, person: Person, *, today: date) -> list[int]:
    """Ids of the units where both the user and the person live today (empty: not of their household)."""
    mine = Occupancy.objects.current(today).filter(person__user=user).values("unit_id")
    return list(
        Occupancy.objects.current(today)
        .filter(person=person, unit__in=mine)
        .order_by("unit_id")
        .values_list("unit_id", flat=True)
    )


def household_signups(event: CommunityEvent, *, user, today: date) -> list[EventSignup]:
    """The active sign-ups of the user's household for the event."""
    return list(signups_of_event(event).filter(person__in=household_members(user, today=today).values("pk")))
