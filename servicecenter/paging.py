"""The one paginator of the project: strict page numbers and sizes, Django's Paginator for desk
lists, and the light page for lists too large to count.

Page numbers and sizes are ASCII digits, from 1 up: `page=abc`, `page=-1`, `page=0`, `page=１２`
or a number past MAX_PAGE_NUMBER is an error, never quietly page 1. The API answers 400 with a
translated `detail` (see `servicecenter.api`); a desk page answers with the 404 page, as Django's
ListView does, both for a malformed number and for a page past the end of the list.

A COUNT(*) over hundreds of thousands of tickets costs more than the page itself. The page
fetches one row more than it shows to know whether there is a next page, and the total is
counted only up to a cap (a bounded subquery): "1000+" is all a person needs to know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.paginator import EmptyPage, Page, Paginator
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

COUNT_CAP = 1000


MAX_PAGE_NUMBER = 100_000  # beyond it the OFFSET alone would be a denial of service


class InvalidPageNumber(ValueError):
    """A page number or size that is not a whole number in range. `message` is translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _strict_positive_int(value, *, maximum: int) -> int | None:
    text = str(value)
    # isdecimal() and int() accept full-width and other Unicode digits: only ASCII counts here.
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if 1 <= number <= maximum else None


def page_number(value, *, default: int = 1) -> int:
    """The page asked for; `default` when the parameter is absent or empty."""
    if value is None or value == "":
        return default
    number = _strict_positive_int(value, maximum=MAX_PAGE_NUMBER)
    if number is None:
        raise InvalidPageNumber(
            _("The page number must be a whole number from 1 to %(max)d.") % {"max": MAX_PAGE_NUMBER}
        )
    return number


def page_size(value, *, default: int, maximum: int) -> int:
    """The page size asked for, 1..`maximum`; `default` when absent or empty."""
    if value is None or value == "":
        return default
    number = _strict_positive_int(value, maximum=maximum)
    if number is None:
        raise InvalidPageNumber(
            _("The page size must be a whole number from 1 to %(max)d.") % {"max": maximum}
        )
    return number


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


class CountedPaginator(Paginator):
    """Django's Paginator with the total counted by `count()`: for a list whose rows join tables
    that the number of rows does not depend on (a COUNT over the joined rows costs more)."""

    def __init__(self, object_list, per_page, *, count: Callable[[], int], **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count()


# --- desk pages -------------------------------------------------------------------------------


def paginate(request: HttpRequest, object_list, *, per_page: int, count: int | None = None) -> Page:
    """One page of a desk list, counted by Django's Paginator. A malformed page number or one past
    the end is the 404 page (Django's ListView convention): such links are typed or tampered
    with, never produced by the page's own links, which drop `page` when a filter changes.
    `count`: the number of rows of `object_list` when the page has counted them already."""
    try:
        number = page_number(request.GET.get("page"))
        paginator = Paginator(object_list, per_page)
        if count is not None:
            paginator.count = count  # a cached_property: set, it is not counted again
        return paginator.page(number)
    except (InvalidPageNumber, EmptyPage) as error:
        raise Http404(getattr(error, "message", _("That page does not exist."))) from None


def paginate_light(request: HttpRequest, queryset, *, per_page: int, count: bool = True) -> LightPage:
    """`light_page` for a desk list, with the same 404 for a malformed page or one past the end."""
    try:
        page = light_page(queryset, request.GET.get("page"), per_page=per_page, count=count)
    except InvalidPageNumber as error:
        raise Http404(error.message) from None
    if page.number > 1 and not page.object_list:
        raise Http404(_("That page does not exist."))
    return page
