"""The working-hours text of the renovation rules: "08:00-12:00,14:00-18:00" (one or more periods
of a day, in order, not overlapping). Parsed here once, for the admin's check and for anyone who
needs the periods (whether a time falls inside them)."""

from __future__ import annotations

import re
from datetime import time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# What staff type with a Chinese input method: full-width comma, colon and dash, or a tilde.
_NORMALISE = str.maketrans(
    {"，": ",", "、": ",", "；": ",", ";": ",", "：": ":", "－": "-", "–": "-", "—": "-", "~": "-", "～": "-"}
)
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _clock(hours: str, minutes: str) -> time | None:
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return time.max
    if h > 23 or m > 59:
        return None
    return time(h, m)


def parse_working_hours(text: str) -> list[tuple[time, time]]:
    """The periods in `text`, in order; [] for an empty text (no work that day).

    Raises ValidationError with a message that shows the expected form."""
    periods: list[tuple[time, time]] = []
    cleaned = text.translate(_NORMALISE).replace(" ", "")
    if not cleaned:
        return periods
    for part in cleaned.split(","):
        match = _PERIOD.match(part)
        start = _clock(match[1], match[2]) if match else None
        end = _clock(match[3], match[4]) if match else None
        if start is None or end is None:
            raise ValidationError(
                _('"%(period)s" is not a period of time. Write the hours like 08:00-12:00,14:00-18:00.')
                % {"period": part},
                code="hours_format",
            )
        if end <= start:
            raise ValidationError(
                _('The period "%(period)s" ends before it starts.') % {"period": part}, code="hours_order"
            )
        if periods and start < periods[-1][1]:
            raise ValidationError(
                _("The periods must be in order and must not overlap: %(period)s.") % {"period": part},
                code="hours_overlap",
            )
        periods.append((start, end))
    return periods


def format_working_hours(periods: list[tuple[time, time]]) -> str:
    """The text stored on the rules for these periods: "08:00-12:00,14:00-18:00"."""

    def clock(value: time) -> str:
        return "24:00" if value == time.max else value.strftime("%H:%M")

    return ",".join(f"{clock(start)}-{clock(end)}" for start, end in periods)


def normalise_working_hours(text: str) -> str:
    """The text in its one stored form (zero-padded, ASCII punctuation, no spaces)."""
    return format_working_hours(parse_working_hours(text))
