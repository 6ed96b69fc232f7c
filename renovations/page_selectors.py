"""Screen-shaped reads for the renovation desk pages: the lists (filtered in the database, one
query per page whatever its length), the renovation and violation pages, the unit page section.
The core reads (what is owed, the timeline, the rules) stay in `renovations.selectors`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from renovations.models import (
    Deduction,
    Patrol,
    Renovation,
    RenovationCharge,
    RenovationWorker,
    Violation,
)

Status = Renovation.Status


def review_statuses(user) -> list[str]:
    """The review steps this user decides: engineering review (engineer), manager review."""
    statuses = []
    if user.has_perm("renovations.review_renovation_engineering"):
        statuses.append(Status.ENGINEERING_REVIEW)
    if user.has_perm("renovations.approve_renovation"):
        statuses.append(Status.MANAGER_REVIEW)
    return statuses


# The list's tabs: which statuses each shows.
LIST_VIEWS = {
    "active": Renovation.ACTIVE,
    "review": Renovation.UNDER_REVIEW,
    "approved": (Status.APPROVED,),
    "closing": (Status.ACCEPTED, Status.SECOND_INSPECTION, Status.REFUNDED),
    "all": None,
}


@dataclass(frozen=True)
class ListFilters:
    view: str = "active"
    status: str = ""
    estate: int | None = None
    building: int | None = None
    regular: bool | None = None
    q: str = ""


def renovations_for_desk_list(*, user, filters: ListFilters, today: date) -> QuerySet[Renovation]:
    """The desk list: the user's estates, the tab and filters applied in the database, and today's
    patrol (its result, or None when there is none) annotated on each row."""
    todays = Patrol.objects.filter(renovation=OuterRef("pk"), date=today)
    rows = (
        Renovation.objects.visible_to(user)
        .select_related("unit", "unit__building", "owner", "estate")
        .annotate(
            today_patrol=Subquery(todays.values("result")[:1]),
            today_patrol_id=Subquery(todays.values("pk")[:1]),
        )
    )
    if filters.view == "mine":
        rows = rows.filter(status__in=review_statuses(user))
    elif LIST_VIEWS.get(filters.view) is not None:
        rows = rows.filter(status__in=LIST_VIEWS[filters.view])
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.estate:
        rows = rows.filter(estate_id=filters.estate)
    if filters.building:
        rows = rows.filter(unit__building_id=filters.building)
    if filters.regular is not None:
        rows = rows.filter(is_regular=filters.regular)
    if filters.q:
        text = filters.q.strip()
        rows = rows.filter(Q(number__icontains=text) | Q(unit__code__icontains=text))
    if filters.view == "active":
        return rows.order_by("unit__code", "pk")
    return rows.order_by("-created_at", "-pk")


def renovation_for_page(*, user, pk: int) -> Renovation:
    """One renovation with everything its page shows, in a fixed number of queries; 404 when it
    is outside the user's reach."""
    renovation = (
        Renovation.objects.visible_to(user)
        .select_related("unit", "unit__building", "owner", "estate", "created_by", "agreement_signed_by")
        .prefetch_related(
            "scope_items",
            Prefetch(
                "workers",
                queryset=RenovationWorker.objects.select_related("current_pass").order_by("removed_at", "pk"),
            ),
            Prefetch("charges", queryset=RenovationCharge.objects.select_related("bill", "deposit_account")),
            Prefetch("deductions", queryset=Deduction.objects.select_related("violation", "proposed_by")),
            "documents__uploaded_by",
            "inspections__inspector",
            Prefetch("patrols", queryset=Patrol.objects.select_related("assignee", "patrolled_by")),
            Prefetch("violations", queryset=Violation.objects.order_by("-found_at")),
            "events__actor",
        )
        .filter(pk=pk)
        .first()
    )
    if renovation is None:
        raise Http404(_("No such renovation."))
    return renovation


def renovations_of_unit(*, user, unit, limit: int = 10) -> list[Renovation]:
    """The unit page's section: the unit's latest renovations, one query."""
    return list(Renovation.objects.visible_to(user).filter(unit=unit).order_by("-created_at", "-pk")[:limit])


# --- patrols ------------------------------------------------------------------------------------


def patrols_for_desk(*, user, day: date, missed: bool = False) -> QuerySet[Patrol]:
    """The day's patrols (`renovations.metrics.patrols_for_day`) with the user's own first, then
    those still due; or (missed) every patrol not done on its day, latest first."""
    from renovations.metrics import missed_patrols, patrols_for_day

    if missed:
        return missed_patrols(user=user).select_related("patrolled_by")
    mine_first = Case(When(assignee=user, then=Value(0)), default=Value(1), output_field=IntegerField())
    due_first = Case(
        When(result=Patrol.Result.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        patrols_for_day(user=user, day=day)
        .select_related("patrolled_by")
        .annotate(mine=mine_first, due=due_first)
        .order_by("mine", "due", "zone__name", "renovation__unit__code", "pk")
    )


def patrol_for_page(*, user, pk: int) -> Patrol:
    patrol = (
        Patrol.objects.visible_to(user)
        .select_related("renovation", "renovation__unit", "assignee", "patrolled_by", "estate")
        .filter(pk=pk)
        .first()
    )
    if patrol is None:
        raise Http404(_("No such patrol."))
    return patrol


# --- violations ---------------------------------------------------------------------------------

UNSETTLED = (Violation.Status.OPEN, Violation.Status.RECTIFYING)


def violations_for_desk(
    *, user, status: str = "", kind: str = "", overdue: bool = False, today: date
) -> QuerySet[Violation]:
    rows = Violation.objects.visible_to(user).select_related("unit", "renovation", "found_by")
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if overdue:
        rows = rows.filter(status__in=UNSETTLED, rectify_by__lt=today)
    return rows.order_by("-found_at", "-pk")


def violation_for_page(*, user, pk: int) -> Violation:
    violation = (
        Violation.objects.visible_to(user)
        .select_related("unit", "renovation", "found_by", "patrol", "ticket", "estate")
        .prefetch_related("events__actor", "documents", "deductions")
        .filter(pk=pk)
        .first()
    )
    if violation is None:
        raise Http404(_("No such violation."))
    return violation


def is_overdue(violation: Violation, today: date) -> bool:
    return violation.status in UNSETTLED and violation.rectify_by is not None and violation.rectify_by < today


# --- the resident portal --------------------------------------------------------------------------


def renovations_for_portal(*, user) -> list[Renovation]:
    """The renovations of the units the resident occupies today, newest first (one query)."""
    return list(
        Renovation.objects.visible_to(user)
        .select_related("unit", "estate")
        .order_by("-created_at", "-pk")[:50]
    )


def renovation_for_portal(*, user, pk: int) -> Renovation:
    """One renovation of the resident's own unit with what the portal page shows (the scope, the
    workers and their passes, the charges, the owner's own plans and photos, the timeline), in a
    fixed number of queries; 404 for anyone else's."""
    from renovations.models import RenovationDocument, RenovationEvent

    renovation = (
        Renovation.objects.visible_to(user)
        .select_related("unit", "estate", "owner")
        .prefetch_related(
            "scope_items",
            Prefetch(
                "workers",
                queryset=RenovationWorker.objects.filter(removed_at__isnull=True)
                .select_related("current_pass")
                .order_by("pk"),
            ),
            Prefetch("charges", queryset=RenovationCharge.objects.select_related("bill", "deposit_account")),
            Prefetch(
                "documents",
                queryset=RenovationDocument.objects.filter(
                    kind__in=[RenovationDocument.Kind.PLAN, RenovationDocument.Kind.PHOTO]
                ).order_by("uploaded_at", "pk"),
            ),
            Prefetch("events", queryset=RenovationEvent.objects.order_by("created_at", "pk")),
        )
        .filter(pk=pk)
        .first()
    )
    if renovation is None:
        raise Http404(_("No such renovation."))
    return renovation


def owned_units_for_portal(*, user, today: date) -> list:
    """The units the resident owns or co-owns today (who may apply for a renovation), each with
    `owner` (the resident's own archive entry): one query."""
    from residents.models import Occupancy

    occupancies = (
        Occupancy.objects.current(on=today)
        .filter(person__user=user, role__in=Occupancy.BILL_ROLES)
        .select_related("unit", "unit__estate", "unit__building", "person")
        .order_by("unit__estate__code", "unit__code")
    )
    units = []
    for occupancy in occupancies:
        unit = occupancy.unit
        unit.owner = occupancy.person
        units.append(unit)
    return units
