"""Reads of management notices: the desk's list and read counts, the portal's current notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from relations.models import Notice, NoticeRead
from residents.models import Occupancy, Unit


@dataclass(frozen=True)
class NoticeFilters:
    status: str = ""
    estate: int | None = None
    urgent_only: bool = False
    current_on: date | None = None
    q: str = ""


def notices_for_desk_list(*, user, filters: NoticeFilters) -> QuerySet[Notice]:
    rows = Notice.objects.visible_to(user).select_related("estate").annotate(read_count=Count("reads"))
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.estate:
        rows = rows.filter(estate_id=filters.estate)
    if filters.urgent_only:
        rows = rows.filter(is_urgent=True)
    if filters.current_on:
        rows = rows.current(filters.current_on)
    if filters.q:
        rows = rows.filter(Q(title__icontains=filters.q) | Q(body__icontains=filters.q))
    return rows.order_by("-created_at", "-pk")


def notice_for_page(*, user, pk: int) -> Notice:
    notice = (
        Notice.objects.visible_to(user)
        .select_related("estate", "created_by")
        .prefetch_related("buildings")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404(_("No such notice."))
    return notice


def targeted_units(notice: Notice, *, today: date) -> QuerySet[Unit]:
    """The households a notice reaches: the units of its buildings (or estate) lived in today."""
    units = Unit.objects.filter(estate_id=notice.estate_id)
    building_ids = notice.buildings.values("pk")
    if notice.buildings.exists():
        units = units.filter(building__in=building_ids)
    return units.filter(Exists(Occupancy.objects.current(today).filter(unit=OuterRef("pk"))))


@dataclass(frozen=True)
class ReadCounts:
    readers: int  # people (logins) who opened it
    households_read: int  # targeted units of which someone living there opened it
    households: int  # targeted units lived in today

    @property
    def percent(self) -> int:
        return round(100 * self.households_read / self.households) if self.households else 0


def read_counts(notice: Notice, *, today: date | None = None) -> ReadCounts:
    """Three count queries, whatever the number of readers."""
    today = today or timezone.localdate()
    units = targeted_units(notice, today=today)
    readers = NoticeRead.objects.filter(notice=notice)
    read_units = units.filter(
        Exists(
            Occupancy.objects.current(today).filter(
                unit=OuterRef("pk"), person__user__in=readers.values("user_id")
            )
        )
    )
    return ReadCounts(readers=readers.count(), households_read=read_units.count(), households=units.count())


def notice_recipient_users(notice: Notice, *, today: date) -> list:
    """The active portal logins of the people who live in the notice's units today, each once."""
    user_model = get_user_model()
    people = Occupancy.objects.current(today).filter(unit__in=targeted_units(notice, today=today))
    return list(
        user_model.objects.filter(is_active=True, persons__in=people.values("person_id"))
        .distinct()
        .order_by("pk")
    )


def notices_for_resident(*, user, limit: int | None = None) -> list[Notice] | QuerySet[Notice]:
    """Current notices of the resident's buildings, urgent first, each marked read or not."""
    rows = Notice.objects.visible_to(user).with_read_by(user).order_by("-is_urgent", "-start_date", "-pk")
    return list(rows[:limit]) if limit else rows
