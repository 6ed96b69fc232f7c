"""Screen-shaped reads of the archive. Every selector takes the viewing user and scopes by it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from residents.models import ArchiveDocument, Occupancy, Person, Unit
from servicecenter.validators import normalize_mobile

_UNIT_CODE_RE = re.compile(r"^[0-9A-Za-z]+(-[0-9A-Za-z]+)+$")


@dataclass
class SearchResults:
    units: list[Unit]
    persons: list[Person]

    @property
    def is_empty(self) -> bool:
        return not (self.units or self.persons)


def search_archive(*, user, query: str, limit: int = 20) -> SearchResults:
    """Find units and people by unit code (3-2-1101), phone (full or last digits) or name."""
    query = query.strip()
    units = Unit.objects.visible_to(user).select_related("estate", "building")
    persons = Person.objects.visible_to(user).select_related("estate")
    digits = normalize_mobile(query)
    if _UNIT_CODE_RE.match(query):
        units = units.filter(code__istartswith=query)
        persons = persons.filter(occupancies__unit__code__istartswith=query).distinct()
    elif digits.isdigit() and len(digits) >= 4:
        units = units.filter(occupancies__person__mobile__contains=digits).distinct()
        persons = persons.filter(Q(mobile__contains=digits) | Q(other_phones__contains=digits))
    else:
        units = units.filter(Q(code__istartswith=query) | Q(occupancies__person__name__icontains=query)).distinct()
        persons = persons.filter(name__icontains=query)
    return SearchResults(units=list(units.order_by("code")[:limit]), persons=list(persons.order_by("name")[:limit]))


def units_for_list(*, user) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user).select_related("estate", "building").order_by("estate__code", "code")


def persons_for_list(*, user) -> QuerySet[Person]:
    return Person.objects.visible_to(user).select_related("estate").order_by("name", "pk")


def unit_for_page(*, user, pk: int) -> Unit:
    """One unit with its occupants and documents, or Unit.DoesNotExist when out of the user's reach."""
    return (
        Unit.objects.visible_to(user)
        .select_related("estate", "building")
        .prefetch_related(
            Prefetch(
                "occupancies",
                queryset=Occupancy.objects.select_related("person").order_by("end_date", "role", "start_date"),
            ),
            Prefetch("documents", queryset=ArchiveDocument.objects.select_related("uploaded_by")),
        )
        .get(pk=pk)
    )
