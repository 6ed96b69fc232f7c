"""SLA deadline arithmetic, kept pure (no database, no clock) so every rule is unit-tested.

Deadlines run on the wall clock (emergency repairs are 24×7; no working-hours calendar), except
that time a ticket spends on hold (waiting for the resident or for parts) does not count: a pause
that begins before the deadline pushes it back by the pause's length. A pause that begins after
the deadline has passed changes nothing: a missed deadline stays missed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Deadlines:
    response_due_at: datetime
    resolution_due_at: datetime
    response_warn_at: datetime
    resolution_warn_at: datetime


def extend_for_pause(deadline: datetime, pause_start: datetime, pause_end: datetime) -> datetime:
    """The deadline after one finished pause."""
    if pause_end <= pause_start or pause_start >= deadline:
        return deadline
    return deadline + (pause_end - pause_start)


def sla_deadline(
    *, opened_at: datetime, allowed_minutes: int, pauses: Iterable[tuple[datetime, datetime]] = ()
) -> datetime:
    """`opened_at` + the minutes allowed, pushed back by every finished pause (in time order)."""
    deadline = opened_at + timedelta(minutes=allowed_minutes)
    for start, end in sorted(pauses):
        deadline = extend_for_pause(deadline, start, end)
    return deadline


def warning_lead(*, allowed_minutes: int, lead_minutes: int) -> timedelta:
    """How long before a deadline the assignee is warned: the configured lead, but never more
    than a quarter of the time allowed (a 30-minute emergency is warned 7½ minutes before, not
    at once)."""
    return timedelta(minutes=min(lead_minutes, allowed_minutes / 4))


def complaint_response_minutes(*, category_minutes: int, reply_hours: int) -> int:
    """Complaints must be answered within the policy's hours (72 by default) even when the
    category would allow longer; a tighter category target still applies."""
    return min(category_minutes, reply_hours * 60)


def initial_deadlines(
    *, opened_at: datetime, response_minutes: int, resolution_minutes: int, lead_minutes: int
) -> Deadlines:
    response_due = sla_deadline(opened_at=opened_at, allowed_minutes=response_minutes)
    resolution_due = sla_deadline(opened_at=opened_at, allowed_minutes=resolution_minutes)
    return Deadlines(
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        response_warn_at=response_due
        - warning_lead(allowed_minutes=response_minutes, lead_minutes=lead_minutes),
        resolution_warn_at=resolution_due
        - warning_lead(allowed_minutes=resolution_minutes, lead_minutes=lead_minutes),
    )


def paused_minutes(pause_start: datetime, pause_end: datetime) -> int:
    return max(0, int((pause_end - pause_start).total_seconds() // 60))


def authority_resolution_minutes(
    *, opened_at: datetime, resolution_minutes: int, reply_deadline_at: datetime | None
) -> int:
    """The minutes allowed to resolve a ticket passed on by the 12345 hotline or an authority: the
    category's, unless the authority wants its answer sooner. The authority's date is the promise
    that counts (it grades the estate by it), so an earlier one wins; a later one changes nothing.
    Whole minutes, rounded down, so the deadline never falls after the authority's."""
    if reply_deadline_at is None:
        return resolution_minutes
    until_reply = int((reply_deadline_at - opened_at).total_seconds() // 60)
    return max(0, min(resolution_minutes, until_reply))


def within_reply_deadline(*, due: datetime, reply_deadline_at: datetime | None, now: datetime) -> datetime:
    """A resolution deadline moved later (by a pause, by a reopen) stops at the authority's reply
    deadline while that is still ahead: the authority's date does not wait for the resident or
    for parts. Once it has passed, the SLA's own deadline applies."""
    if reply_deadline_at is None or reply_deadline_at <= now:
        return due
    return min(due, reply_deadline_at)
