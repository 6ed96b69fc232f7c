"""Today at a glance: the live counts a manager checks first thing (open work by state and team,
SLA breaches, complaints near or past their 72-hour reply, callbacks due, patrols missed, staff on
duty, money taken today), each with the list behind it. Counted in the database: a fixed number
of queries per estate, whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment
from renovations import metrics as renovation_metrics
from residents.models import Estate
from servicecenter.money import to_money
from staff import selectors_rosters
from tickets.models import Callback, Ticket
from tickets.selectors import policy_for

# A complaint is "near" its reply limit in the last 12 hours before it.
NEAR_REPLY_LIMIT = timedelta(hours=12)
# Patrols missed over the last week, so that Monday shows the weekend's.
MISSED_PATROL_DAYS = 7


@dataclass
class Glance:
    estate: Estate
    open_by_status: dict[str, int] = field(default_factory=dict)
    open_by_team: list[tuple[str, int]] = field(default_factory=list)
    overdue: int = 0
    complaints_near_limit: int = 0
    complaints_past_limit: int = 0
    callbacks_due_today: int = 0
    callbacks_overdue: int = 0
    patrols_missed: int = 0
    staff_on_duty: int = 0
    money_today: Decimal = Decimal("0.00")
    links: dict[str, str] = field(default_factory=dict)

    @property
    def open_total(self) -> int:
        return sum(self.open_by_status.values())

    def as_dict(self) -> dict:
        return {
            "estate": self.estate.pk,
            "open_by_status": self.open_by_status,
            "open_by_team": [{"team": name, "count": n} for name, n in self.open_by_team],
            "overdue": self.overdue,
            "complaints_near_limit": self.complaints_near_limit,
            "complaints_past_limit": self.complaints_past_limit,
            "callbacks_due_today": self.callbacks_due_today,
            "callbacks_overdue": self.callbacks_overdue,
            "patrols_missed": self.patrols_missed,
            "staff_on_duty": self.staff_on_duty,
            "money_today": str(self.money_today),
            "links": self.links,
        }


def _url(name: str, **query) -> str:
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


def today_glance(*, estate: Estate, user, now: datetime | None = None) -> Glance:
    """The estate's live counts at `now`. Open tickets: new, assigned, in progress, reopened and on
    hold. Overdue: past the response or resolution deadline while the SLA clock runs
    (`TicketQuerySet.overdue`, the list's "overdue" view). Complaints near/past the limit: open
    complaints not yet answered whose reply limit (the estate's policy, 72 h by default) ends
    within 12 hours / has passed. Callbacks: pending ones due by the end of today / already past
    due. Patrols missed: `renovations.metrics.missed_patrols` of the last 7 days. Staff on duty:
    roster entries working now (`staff.selectors_rosters.on_duty`, on-call excluded). Money: the
    posted payments received today (local day), net of nothing: voids show on the journal."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    glance = Glance(estate=estate)
    tickets = Ticket.objects.filter(estate=estate)
    for status, team, count in (
        tickets.filter(status__in=Ticket.OPEN)
        .values_list("status", "team__name")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        glance.open_by_status[status] = glance.open_by_status.get(status, 0) + count
        glance.open_by_team.append((team or "", count))
    merged: dict[str, int] = {}
    for team, count in glance.open_by_team:
        merged[team] = merged.get(team, 0) + count
    glance.open_by_team = sorted(merged.items(), key=lambda item: (-item[1], item[0]))

    limit = timedelta(hours=policy_for(estate).complaint_reply_hours)
    unanswered = tickets.filter(
        kind=Ticket.Kind.COMPLAINT, status__in=Ticket.OPEN, first_replied_at__isnull=True
    )
    counts = unanswered.aggregate(
        past=Count("pk", filter=Q(created_at__lte=now - limit)),
        near=Count(
            "pk", filter=Q(created_at__gt=now - limit, created_at__lte=now - limit + NEAR_REPLY_LIMIT)
        ),
    )
    glance.complaints_past_limit, glance.complaints_near_limit = counts["past"], counts["near"]
    glance.overdue = tickets.overdue(now).count()

    end_of_today = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    calls = Callback.objects.filter(estate=estate, status=Callback.Status.PENDING).aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due=Count("pk", filter=Q(due_at__gte=now, due_at__lt=end_of_today)),
    )
    glance.callbacks_overdue, glance.callbacks_due_today = calls["overdue"], calls["due"]

    glance.patrols_missed = (
        renovation_metrics.missed_patrols(user=user, now=now)
        .filter(estate=estate, date__gte=today - timedelta(days=MISSED_PATROL_DAYS))
        .count()
    )
    glance.staff_on_duty = len({entry.user_id for entry in selectors_rosters.on_duty(estate=estate, at=now)})
    start_of_today = end_of_today - timedelta(days=1)
    glance.money_today = to_money(
        Payment.objects.filter(
            estate=estate,
            status=Payment.Status.POSTED,
            received_at__gte=start_of_today,
            received_at__lt=end_of_today,
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    glance.links = {
        "open": _url("tickets:list", estate=estate.pk),
        "overdue": _url("tickets:list", estate=estate.pk, view="overdue"),
        "complaints": _url("tickets:list", estate=estate.pk, kind="complaint", status="new"),
        "callbacks": _url("tickets:callbacks", estate=estate.pk),
        "patrols": _url("renovations:patrols", view="missed"),
        "on_duty": _url("staff:on_duty", estate=estate.pk),
        "money": _url("billing:journal", estate=estate.pk, day=today.isoformat()),
    }
    return glance
