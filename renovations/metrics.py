"""Renovation figures (违章发现率、及时处理率、处理成功率, patrol completion) and the patrol lists.

`violation_metrics` counts one calendar month (servicecenter.periods) in the database: two
aggregate queries (violations, patrols) plus one for the group labels, whatever the size. Each
rate is a number from 0 to 1, or None when its denominator is empty; its definition is the
docstring of the function of the same name below.

The cohorts: the violations found in the month (by `found_at`, local time) and the patrols dated
in the month. Dismissed violations (the check found nothing) are not violations and are counted
nowhere.

Grouping (`by`): "estate"; "zone": the patrol's zone, for a violation the zone of the patrol that
found it, else of its unit's building now; "housekeeper": the patrol's housekeeper, for a
violation the one of the patrol that found it, else of its unit's zone now. Rows with no zone or
housekeeper have key None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext

from renovations.models import Patrol, Violation
from residents.models import Estate
from servicecenter.periods import add_months, month_bounds, month_start
from staff.models import Zone

GROUPS = ("estate", "zone", "housekeeper")
_ZONE = "unit__building__zone_building__zone"


@dataclass(frozen=True)
class ViolationMetrics:
    key: int | None  # the estate, zone or housekeeper; None for the whole selection or no group
    label: str
    month: str
    violations: int
    found_by_patrol: int
    rectified: int
    rectified_on_time: int
    escalated: int
    patrols_due: int
    patrols_done: int
    violation_discovery_rate: float | None
    timely_handling_rate: float | None
    success_rate: float | None
    patrol_completion_rate: float | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def violation_discovery_rate(figures: dict) -> float | None:
    """违章发现率. Numerator: violations found by a patrol (source "patrol"). Denominator: every
    violation found in the month, whatever its state, dismissed ones left out (a check that found
    nothing was no violation)."""
    return _rate(figures["found_by_patrol"], figures["violations"])


def timely_handling_rate(figures: dict) -> float | None:
    """及时处理率. Numerator: violations rectified by their deadline (the local date of
    `rectified_at` on or before `rectify_by`; rectified with no deadline set counts as on time).
    Denominator: violations closed, i.e. rectified or escalated (an escalated one was not put
    right in time). Violations still open or rectifying are not judged yet."""
    return _rate(figures["rectified_on_time"], figures["rectified"] + figures["escalated"])


def success_rate(figures: dict) -> float | None:
    """处理成功率. Numerator: violations rectified. Denominator: violations closed (rectified or
    escalated to the enforcement office)."""
    return _rate(figures["rectified"], figures["rectified"] + figures["escalated"])


def patrol_completion_rate(figures: dict) -> float | None:
    """Patrol completion. Numerator: patrols done (recorded OK or violation found). Denominator:
    patrols due: those of the month's days that have ended (done, missed, or still due and not yet
    swept) plus today's already done. Today's patrol still due, and later days, are not due yet."""
    return _rate(figures["patrols_done"], figures["patrols_due"])


def _violation_group(by: str | None):
    if by == "estate":
        return F("estate_id")
    if by == "zone":
        return Coalesce(F("patrol__zone_id"), F(f"{_ZONE}_id"))
    if by == "housekeeper":
        return Coalesce(F("patrol__assignee_id"), F(f"{_ZONE}__housekeeper_id"))
    raise ValueError(by)


def _patrol_group(by: str | None):
    return {"estate": F("estate_id"), "zone": F("zone_id"), "housekeeper": F("assignee_id")}[by]


def _grouped(queryset: QuerySet, group, aggregates: dict) -> dict:
    if group is None:
        return {None: queryset.aggregate(**aggregates)}
    return {
        row.pop("group_key"): row
        for row in queryset.annotate(group_key=group).values("group_key").annotate(**aggregates).order_by()
    }


def _labels(by: str | None, keys: list[int]) -> dict[int, str]:
    if by is None or not keys:
        return {}
    if by == "estate":
        return dict(Estate.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "zone":
        return dict(Zone.objects.filter(pk__in=keys).values_list("pk", "name"))
    return {
        pk: f"{last}{first}".strip() or username
        for pk, first, last, username in get_user_model()
        .objects.filter(pk__in=keys)
        .values_list("pk", "first_name", "last_name", "username")
    }


def violation_metrics(
    *, estate_ids, month: date, by: str | None = None, now: datetime | None = None
) -> ViolationMetrics | list[ViolationMetrics]:
    """The renovation figures of the estates `estate_ids` for the calendar month `month`: one
    `ViolationMetrics` for all of them together (`by` None), or a list of rows, one per estate,
    zone or housekeeper (`by`), sorted by label with the row of no zone/housekeeper last.
    `now` decides which patrols are due yet (see `patrol_completion_rate`)."""
    if by is not None and by not in GROUPS:
        raise ValueError(by)
    month = month_start(month)
    today = timezone.localdate(now or timezone.now())
    start, end = month_bounds(month)
    estate_ids = list(estate_ids)
    violations = (
        Violation.objects.filter(estate_id__in=estate_ids, found_at__gte=start, found_at__lt=end)
        .exclude(status=Violation.Status.DISMISSED)
        .annotate(rectified_date=TruncDate("rectified_at", tzinfo=timezone.get_current_timezone()))
    )
    rectified = Q(status=Violation.Status.RECTIFIED)
    violation_rows = _grouped(
        violations,
        _violation_group(by) if by else None,
        {
            "violations": Count("pk"),
            "found_by_patrol": Count("pk", filter=Q(source=Violation.Source.PATROL)),
            "rectified": Count("pk", filter=rectified),
            "rectified_on_time": Count(
                "pk", filter=rectified & (Q(rectify_by__isnull=True) | Q(rectified_date__lte=F("rectify_by")))
            ),
            "escalated": Count("pk", filter=Q(status=Violation.Status.ESCALATED)),
        },
    )
    done = Q(result__in=(Patrol.Result.OK, Patrol.Result.VIOLATION))
    patrols = Patrol.objects.filter(estate_id__in=estate_ids, date__gte=month, date__lt=add_months(month, 1))
    patrol_rows = _grouped(
        patrols,
        _patrol_group(by) if by else None,
        {
            "patrols_done": Count("pk", filter=done),
            "patrols_due": Count("pk", filter=done | Q(result=Patrol.Result.MISSED) | Q(date__lt=today)),
        },
    )
    keys = list(dict.fromkeys([*violation_rows, *patrol_rows]))
    labels = _labels(by, [key for key in keys if key is not None])
    unset = {
        None: "",
        "estate": "",
        "zone": gettext("No zone"),
        "housekeeper": gettext("No housekeeper"),
    }[by]
    zero = {"violations": 0, "found_by_patrol": 0, "rectified": 0, "rectified_on_time": 0, "escalated": 0}
    rows = []
    for key in keys or [None]:
        figures = {**zero, "patrols_due": 0, "patrols_done": 0}
        figures.update({k: v or 0 for k, v in violation_rows.get(key, {}).items()})
        figures.update({k: v or 0 for k, v in patrol_rows.get(key, {}).items()})
        rows.append(
            ViolationMetrics(
                key=key,
                label=labels.get(key, unset) if key is not None else unset,
                month=f"{month:%Y-%m}",
                **figures,
                violation_discovery_rate=violation_discovery_rate(figures),
                timely_handling_rate=timely_handling_rate(figures),
                success_rate=success_rate(figures),
                patrol_completion_rate=patrol_completion_rate(figures),
            )
        )
    if by is None:
        return rows[0]
    return sorted(rows, key=lambda row: (row.key is None, row.label))


# --- the patrol lists ---------------------------------------------------------------------------


def _patrol_list(user) -> QuerySet[Patrol]:
    return Patrol.objects.visible_to(user).select_related(
        "renovation", "renovation__unit", "renovation__unit__building", "zone", "assignee"
    )


def patrols_for_day(*, user, day: date, only_mine: bool = False) -> QuerySet[Patrol]:
    """The day's patrols in the user's estates (a housekeeper's own with `only_mine`), still due
    first, then by zone and unit."""
    patrols = _patrol_list(user).filter(date=day)
    if only_mine:
        patrols = patrols.filter(assignee=user)
    still_due_first = Case(When(result=Patrol.Result.PENDING, then=Value(0)), default=Value(1))
    return patrols.order_by(
        still_due_first, "zone__name", "renovation__unit__building__code", "renovation_id"
    )


def missed_patrols(*, user, now: datetime | None = None) -> QuerySet[Patrol]:
    """Patrols not done on their day, in the user's estates, latest first: those marked missed
    and those of an earlier day still due (the sweep has not run yet)."""
    today = timezone.localdate(now or timezone.now())
    return (
        _patrol_list(user)
        .filter(Q(result=Patrol.Result.MISSED) | Q(result=Patrol.Result.PENDING, date__lt=today))
        .order_by("-date", "zone__name", "renovation_id")
    )
