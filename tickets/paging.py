"""Pagination that never counts a whole table.

A COUNT(*) over hundreds of thousands of tickets costs more than the page itself. The page
fetches one row more than it shows to know whether there is a next page, and the total is
counted only up to a cap (a bounded subquery): "1000+" is all a person needs to know.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COUNT_CAP = 1000


def page_number(value, *, default: int = 1) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(1, number)


def capped_count(queryset, *, cap: int = COUNT_CAP) -> int | None:
    """The number of rows if at most `cap`, else None ("more than cap")."""
    found = queryset.order_by().values("pk")[: cap + 1].count()
    return found if found <= cap else None


@dataclass
class LightPage:
    object_list: list
    number: int
    per_page: int
    has_next: bool
    count: int | None = None  # None: more than COUNT_CAP
    cap: int = COUNT_CAP
    extra: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.object_list) - 1 if self.object_list else 0


def light_page(queryset, number, *, per_page: int = 25, count: bool = True) -> LightPage:
    """One page of the (ordered) queryset and, if asked, the capped total. Two queries at most;
    one when the first page is also the last."""
    number = page_number(number)
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    total = None
    if count:
        total = offset + len(rows) if not has_next and (rows or number == 1) else capped_count(queryset)
    return LightPage(object_list=rows, number=number, per_page=per_page, has_next=has_next, count=total)
