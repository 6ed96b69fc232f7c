"""Billing months. A period is stored as the first day of its month."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from servicecenter.validators import EARLIEST_DATE, LATEST_DATE


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def overlap_days(first: date, last: date, start: date | None, end: date | None) -> int:
    """Days of [first, last] inside [start, end] (open ends count as unbounded)."""
    lo = max(first, start) if start else first
    hi = min(last, end) if end else last
    return (hi - lo).days + 1 if hi >= lo else 0


def parse_period(value: str) -> date | None:
    """'2025-03' (or '2025-03-01') → date(2025, 3, 1); anything else → None, including months
    outside the kernel's date range (year 1 would break `add_months`) and non-ASCII digits."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})(?:-[0-9]{1,2})?", (value or "").strip(), re.ASCII)
    if match is None:
        return None
    try:
        period = date(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None
    return period if EARLIEST_DATE <= period <= LATEST_DATE else None


def month_bounds(period: date) -> tuple[date, date]:
    return month_start(period), month_end(period)


def next_day(day: date) -> date:
    return day + timedelta(days=1)
