"""Repeat repairs (返修): found among the tickets, then worked through by the manager.

A repair is a *repeat* when the same unit (or, for a repair of a public area, the same public
location) had another repair of the same category registered within `REPEAT_WINDOW` before it:
30×24 hours, measured between the two `created_at` instants, earlier one included. An earlier
repair registered exactly 720 hours before counts; one registered a second earlier does not.
Elapsed hours rather than 30 calendar days so that the rule is the same whatever the time of day
and the month's length. Only the nearest earlier repair is paired with each repeat, so that a
fault reported five times in a month is four records the manager reads in order, not ten.
Cancelled tickets (duplicates, mistakes) are neither repeats nor earlier repairs.

Detection is derived from rows only and idempotent: a pair is recorded once (a unique
constraint), so the nightly task and the manager's "detect now" may run as often as they like.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards.models import RepeatRepair
from dashboards.workflows import REPEAT_REPAIR
from servicecenter.exceptions import DomainError
from servicecenter.scoping import access_for
from tickets.models import RootCause, Ticket

User = get_user_model()

REPEAT_WINDOW = timedelta(days=30)  # 30 × 24 hours
# The nightly run looks at repairs registered in the last 40 days: a week of missed nights is
# made up by the next run.
NIGHTLY_LOOKBACK = timedelta(days=40)
MAX_TEXT = 2000


def _repairs() -> QuerySet:
    return Ticket.objects.filter(kind=Ticket.Kind.REPAIR).exclude(status=Ticket.Status.CANCELLED)


def _earlier(place: str, column: str) -> Subquery:
    """The nearest earlier repair of the same category at the same place, within the window."""
    earlier = (
        _repairs()
        .filter(
            **{place: OuterRef(place)},
            category_id=OuterRef("category_id"),
            created_at__gte=OuterRef("created_at") - REPEAT_WINDOW,
        )
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
        )
        .order_by("-created_at", "-pk")
        .values(column)[:1]
    )
    return Subquery(earlier)


def repeat_pairs(*, since: datetime | None = None, estate_id: int | None = None) -> list[dict]:
    """Every repeat among the repairs registered from `since` (all time if None), each with its
    nearest earlier repair: dicts of the repeat's columns and `previous_id`, `previous_at`. Two
    queries (unit repairs; public-area repairs) whatever the number of tickets."""
    found = []
    for place, extra in (
        ("unit_id", {"unit__isnull": False}),
        ("public_location_id", {"unit__isnull": True}),
    ):
        rows = _repairs().filter(**extra, **{f"{place}__isnull": False})
        if since is not None:
            rows = rows.filter(created_at__gte=since)
        if estate_id is not None:
            rows = rows.filter(estate_id=estate_id)
        rows = (
            rows.annotate(previous_id=_earlier(place, "pk"), previous_at=_earlier(place, "created_at"))
            .filter(previous_id__isnull=False)
            .order_by()
            .values(
                "pk",
                "estate_id",
                "category_id",
                "unit_id",
                "public_location_id",
                "created_at",
                "previous_id",
                "previous_at",
            )
        )
        found.extend(rows)
    return found


def detect_repeat_repairs(
    *, since: datetime | None = None, estate_id: int | None = None, now: datetime | None = None
) -> int:
    """Record every repeat pair not yet recorded; returns how many were new. Safe to run twice,
    or at the same time as another run (the unique constraint keeps the first)."""
    now = now or timezone.now()
    pairs = repeat_pairs(since=since, estate_id=estate_id)
    if not pairs:
        return 0
    known = set(
        RepeatRepair.objects.filter(ticket_id__in=[p["pk"] for p in pairs]).values_list(
            "ticket_id", "previous_id"
        )
    )
    new = [
        RepeatRepair(
            estate_id=p["estate_id"],
            ticket_id=p["pk"],
            previous_id=p["previous_id"],
            category_id=p["category_id"],
            unit_id=p["unit_id"],
            public_location_id=None if p["unit_id"] else p["public_location_id"],
            gap=p["created_at"] - p["previous_at"],
            detected_at=now,
        )
        for p in pairs
        if (p["pk"], p["previous_id"]) not in known
    ]
    RepeatRepair.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def detect_recent_repeat_repairs(*, now: datetime | None = None) -> int:
    """The nightly run: repairs registered in the last `NIGHTLY_LOOKBACK`, every estate."""
    now = now or timezone.now()
    return detect_repeat_repairs(since=now - NIGHTLY_LOOKBACK, now=now)


# --- working through a repeat -------------------------------------------------------------------


def _lock(repeat: RepeatRepair) -> RepeatRepair:
    return RepeatRepair.objects.select_for_update().get(pk=repeat.pk)


def _require_estate(actor, estate_id: int) -> None:
    access = access_for(actor)
    if access.all_estates:
        return
    if not access.is_staff_member or estate_id not in access.estate_ids:
        raise PermissionDenied(_("You do not work in this estate."))


def _text(value: str | None, *, required_message: str, code: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(required_message, code=code)
    if len(text) > MAX_TEXT:
        raise DomainError(_("Keep it under %(max)d characters.") % {"max": MAX_TEXT}, code="too_long")
    return text


def _start(repeat: RepeatRepair, action: str, actor, now: datetime) -> RepeatRepair:
    repeat = _lock(repeat)
    REPEAT_REPAIR.check(repeat, action, actor, now=now)
    _require_estate(actor, repeat.estate_id)
    return repeat


@transaction.atomic
def acknowledge_repeat_repair(
    *, repeat: RepeatRepair, actor, note: str = "", now: datetime | None = None
) -> RepeatRepair:
    now = now or timezone.now()
    repeat = _start(repeat, "acknowledge", actor, now)
    REPEAT_REPAIR.transition(
        repeat, "acknowledge", actor=actor, note=(note or "").strip()[:MAX_TEXT], now=now
    )
    return repeat


def action_owners(*, estate_id: int) -> QuerySet:
    """Who may own a root-cause action: active staff members of the estate."""
    return (
        User.objects.filter(is_active=True, staff_profile__estates=estate_id).distinct().order_by("username")
    )


@transaction.atomic
def assign_repeat_repair_action(
    *,
    repeat: RepeatRepair,
    actor,
    root_cause: RootCause,
    action_description: str,
    owner,
    due_date: date,
    now: datetime | None = None,
) -> RepeatRepair:
    """The root-cause action (纠正预防措施): why it came back, what is to be done about it, who
    does it and by when. The owner is a staff member of the estate; the due date not past."""
    now = now or timezone.now()
    repeat = _start(repeat, "assign_action", actor, now)
    description = _text(
        action_description, required_message=_("Say what is to be done."), code="action_required"
    )
    if root_cause is None or not root_cause.is_active:
        raise DomainError(_("Choose a root cause in use."), code="root_cause_required")
    if owner is None or not action_owners(estate_id=repeat.estate_id).filter(pk=owner.pk).exists():
        raise DomainError(_("The owner must be a staff member of this estate."), code="owner_not_in_estate")
    if due_date is None or due_date < timezone.localdate(now):
        raise DomainError(_("The due date cannot be in the past."), code="due_date_past")
    REPEAT_REPAIR.transition(
        repeat,
        "assign_action",
        actor=actor,
        note=f"{root_cause}: {description} ({owner.get_username()}, {due_date.isoformat()})",
        now=now,
        fields={
            "root_cause": root_cause,
            "action_description": description,
            "action_owner": owner,
            "action_due_date": due_date,
        },
    )
    return repeat


@transaction.atomic
def close_repeat_repair(
    *, repeat: RepeatRepair, actor, outcome: str, now: datetime | None = None
) -> RepeatRepair:
    now = now or timezone.now()
    repeat = _start(repeat, "close", actor, now)
    outcome = _text(outcome, required_message=_("Say what the action achieved."), code="outcome_required")
    REPEAT_REPAIR.transition(
        repeat, "close", actor=actor, note=outcome, now=now, fields={"outcome": outcome, "closed_at": now}
    )
    return repeat


@transaction.atomic
def dismiss_repeat_repair(
    *, repeat: RepeatRepair, actor, reason: str, now: datetime | None = None
) -> RepeatRepair:
    """Not the same fault after all (a different tap in the same kitchen): closed with the reason."""
    now = now or timezone.now()
    repeat = _start(repeat, "dismiss", actor, now)
    reason = _text(reason, required_message=_("Give the reason."), code="reason_required")
    REPEAT_REPAIR.transition(
        repeat, "dismiss", actor=actor, note=reason, now=now, fields={"outcome": reason, "closed_at": now}
    )
    return repeat
