"""Daily site patrols (装修巡查): each morning one patrol per active renovation for the housekeeper
of the zone (责任片区) that holds the unit's building; the housekeeper records it (OK, or a
violation found); a patrol still due after its day is marked missed, and the supervisor sees the
missed ones (`renovations.metrics.missed_patrols`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from renovations.models import Patrol, Renovation, RenovationDocument
from renovations.services.violations import attach_file, record_violation
from servicecenter.exceptions import DomainError
from staff.services import notify

RECORD = "renovations.record_renovation_patrol"
# What a patrol's `violation` may say; the rest (unit, renovation, source, patrol) is the patrol's.
VIOLATION_FIELDS = ("kind", "description", "stop_order", "rectify_by", "proposed_deduction", "photos")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def due_for_patrol(day):
    """The renovations patrolled on `day`: works may be going on (permitted, in progress, stopped,
    completion requested) and the day is inside the planned period."""
    return Renovation.objects.filter(
        status__in=Renovation.ACTIVE, planned_start__lte=day, planned_end__gte=day
    )


@transaction.atomic
def generate_daily_patrols(*, now: datetime | None = None) -> int:
    """Create today's patrols: one per renovation due and day (a unique constraint), each for the
    housekeeper of the zone holding the unit's building (none when the building has no zone or
    the zone no housekeeper: the supervisor sees it unassigned). Safe to run any number of times
    a day: renovations patrolled already are skipped and a concurrent run's rows are ignored.
    Each housekeeper is told once a day how many patrols are due. Returns the patrols created."""
    now = _now(now)
    today = timezone.localdate(now)
    zone = "unit__building__zone_building__zone"
    rows = list(
        due_for_patrol(today)
        .exclude(patrols__date=today)
        .values_list("pk", "estate_id", F(f"{zone}_id"), F(f"{zone}__housekeeper_id"))
    )
    Patrol.objects.bulk_create(
        [
            Patrol(
                renovation_id=pk, estate_id=estate_id, date=today, zone_id=zone_id, assignee_id=housekeeper_id
            )
            for pk, estate_id, zone_id, housekeeper_id in rows
        ],
        ignore_conflicts=True,
    )
    due = Counter(
        Patrol.objects.filter(date=today, result=Patrol.Result.PENDING, assignee__isnull=False).values_list(
            "assignee_id", flat=True
        )
    )
    if due:
        for user in get_user_model().objects.filter(pk__in=due):
            notify(
                recipients=[user],
                kind="renovation_patrols_due",
                title=_("Renovation patrols today: %(count)s") % {"count": due[user.pk]},
                body=_("Patrol the renovations in your zone and record what you find."),
                dedupe_key=f"renovation-patrols:{user.pk}:{today.isoformat()}",
                now=now,
            )
    return len(rows)


@transaction.atomic
def record_patrol(
    *,
    patrol: Patrol,
    actor,
    result: str,
    findings: str = "",
    photos: Iterable = (),
    violation: dict | None = None,
    now: datetime | None = None,
) -> Patrol:
    """Record a due patrol: the time, the findings, photos, and the result. `result` "violation"
    needs `violation`, the fields of `record_violation` (kind, description, stop_order,
    rectify_by, proposed_deduction, photos), which is recorded as found by this patrol."""
    now = _now(now)
    if actor is None or not actor.has_perm(RECORD):
        raise PermissionDenied(_("You are not allowed to record renovation patrols."))
    patrol = Patrol.objects.select_for_update(of=("self",)).select_related("renovation").get(pk=patrol.pk)
    if patrol.result != Patrol.Result.PENDING:
        raise DomainError(
            _("This patrol is already recorded as “%(result)s”.") % {"result": patrol.get_result_display()},
            code="patrol_recorded",
        )
    if patrol.date > timezone.localdate(now):
        raise DomainError(_("This patrol is not due yet."), code="patrol_not_due")
    if result not in (Patrol.Result.OK, Patrol.Result.VIOLATION):
        raise DomainError(_("Record the patrol as OK or as a violation found."), code="invalid_result")
    if result == Patrol.Result.VIOLATION and not (violation or {}).get("kind"):
        raise DomainError(_("Choose the type of violation found."), code="violation_required")
    if result == Patrol.Result.OK and violation:
        raise DomainError(_("A patrol that found a violation is not OK."), code="invalid_result")
    patrol.result = result
    patrol.findings = (findings or "").strip()
    patrol.patrolled_at = now
    patrol.patrolled_by = actor
    patrol.save(update_fields=["result", "findings", "patrolled_at", "patrolled_by"])
    for photo in photos or ():
        attach_file(
            renovation=patrol.renovation,
            actor=actor,
            kind=RenovationDocument.Kind.PATROL_PHOTO,
            uploaded=photo,
            patrol=patrol,
            now=now,
        )
    if result == Patrol.Result.VIOLATION:
        fields = {name: value for name, value in violation.items() if name in VIOLATION_FIELDS}
        fields["description"] = fields.get("description") or patrol.findings
        record_violation(
            unit=patrol.renovation.unit,
            actor=actor,
            source="patrol",
            renovation=patrol.renovation,
            patrol=patrol,
            now=now,
            **fields,
        )
    return patrol


def mark_missed_patrols(*, now: datetime | None = None) -> int:
    """Patrols still due after their day are missed (the supervisor's list, the completion
    figure). A sweep over rows: safe to run at any time, any number of times."""
    today = timezone.localdate(_now(now))
    return Patrol.objects.filter(result=Patrol.Result.PENDING, date__lt=today).update(
        result=Patrol.Result.MISSED
    )
