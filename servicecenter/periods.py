"""Calendar months, the one way: a month is the date of its first day (`date(2025, 3, 1)`), typed as
`YYYY-MM`, and covers the local-time instants [start, end) of `month_bounds`. Billing periods, the
monthly KPIs and the manager's callback sampling all count months with these."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time

from django.utils import timezone

from servicecenter.validators import EARLIEST_DATE, LATEST_DATE


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def previous_month(now: datetime) -> date:
    """The month before the one `now` falls in, in local time."""
    return add_months(timezone.localdate(now), -1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of `month`'s calendar month as aware local datetimes, for `__gte`/`__lt`."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(month_start(month), time.min), tz)
    end = timezone.make_aware(datetime.combine(add_months(month, 1), time.min), tz)
    return start, end


def month_ended_by(month: date, moment: datetime) -> bool:
    """Had `month`'s calendar month ended (local time) at `moment`? A stored month's figures
    computed by then are the month's; computed earlier, they are a snapshot of a running month."""
    return moment >= month_bounds(month)[1]


def overlap_days(first: date, last: date, start: date | None, end: date | None) -> int:
    """Days of [first, last] inside [start, end] (open ends count as unbounded)."""
    lo = max(first, start) if start else first
    hi = min(last, end) if end else last
    return (hi - lo).days + 1 if hi >= lo else 0


def parse_month(value: str) -> date | None:
    """'2025-03' (or '2025-03-01') → date(2025, 3, 1); anything else → None, including months
    outside the kernel's date range (year 1 would break `add_months`) and non-ASCII digits."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})(?:-[0-9]{1,2})?", (value or "").strip(), re.ASCII)
    if match is None:
        return None
    try:
        month = date(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None
    return month if EARLIEST_DATE <= month <= LATEST_DATE else None
