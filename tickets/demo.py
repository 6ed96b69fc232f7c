"""Demo tickets: a few hundred across the last six months, every state, every team, with their
timelines and callbacks (see tickets/simulate.py). Idempotent: an estate that already has tickets
is left alone."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from residents.models import Estate, Occupancy, Person, Unit
from staff.models import StaffProfile, Team, ZoneBuilding
from tickets.models import (
    Callback,
    CallbackAttempt,
    PublicLocation,
    RootCause,
    SlaTarget,
    Ticket,
    TicketCategory,
    TicketCounter,
    TicketEvent,
)
from tickets.selectors import policy_for
from tickets.services.suggestions import train_suggestion_model
from tickets.simulate import PUBLIC_PLACES, History, Pools, simulate, spread_times

User = get_user_model()
TICKETS_PER_ESTATE = (320, 120)  # the first (demo users') estate, then each other estate
DAYS = 183


def build_pools(estate: Estate, *, unit_limit: int | None = None) -> Pools:
    """Everything a simulated history may refer to in the estate, read in a handful of queries."""
    occupants: dict[int, int] = {}
    for unit_id, person_id in (
        Occupancy.objects.current()
        .filter(unit__estate=estate)
        .order_by("unit_id", "pk")
        .values_list("unit_id", "person_id")
    ):
        occupants.setdefault(unit_id, person_id)
    units_qs = Unit.objects.filter(estate=estate).order_by("pk").values_list("pk", "building_id")
    if unit_limit:
        units_qs = units_qs[:unit_limit]
    units = [(pk, occupants.get(pk), building_id) for pk, building_id in units_qs]
    categories = list(TicketCategory.objects.filter(is_active=True).order_by("sort_order"))
    teams: dict[str, int] = {}
    for team_id, kind in Team.objects.filter(estate=estate).order_by("pk").values_list("pk", "kind"):
        teams.setdefault(kind, team_id)
    members: dict[int, list[int]] = defaultdict(list)
    for user_id, team_id in StaffProfile.objects.filter(
        team__estate=estate, user__is_active=True
    ).values_list("user_id", "team_id"):
        members[team_id].append(user_id)
    staff = User.objects.filter(staff_profile__estates=estate, is_active=True)
    desk = list(staff.filter(groups__name="frontdesk").values_list("pk", flat=True))
    supervisor = staff.filter(groups__name="supervisor").values_list("pk", flat=True).first()
    policy = policy_for(estate)
    places = []
    for order, name in enumerate(PUBLIC_PLACES, start=1):
        place, _ = PublicLocation.objects.get_or_create(
            estate=estate, name=name, defaults={"sort_order": order}
        )
        places.append(place.pk)
    return Pools(
        estate_id=estate.pk,
        estate_code=estate.code,
        units=units,
        categories=categories,
        sla={
            (row.category_id, row.priority): (row.response_minutes, row.resolution_minutes)
            for row in SlaTarget.objects.all()
        },
        teams=teams,
        members=dict(members),
        housekeeper_by_building=dict(
            ZoneBuilding.objects.filter(zone__estate=estate, zone__housekeeper__isnull=False).values_list(
                "building_id", "zone__housekeeper_id"
            )
        ),
        desk_users=desk,
        public_locations=places,
        root_causes=list(RootCause.objects.filter(is_active=True).values_list("pk", flat=True)),
        supervisor_id=supervisor,
        lead_minutes=policy.warning_lead_minutes,
        reply_hours=policy.complaint_reply_hours,
        callback_delay_hours=policy.callback_delay_hours,
        retry_hours=policy.callback_retry_hours,
    )


def numbered(times: list[datetime], code: str, counters: dict) -> list[str]:
    """Ticket numbers in registration order, counting per local day (as the service does)."""
    numbers = []
    for moment in times:
        day = timezone.localdate(moment)
        counters[day] = counters.get(day, 0) + 1
        numbers.append(f"{code}-{day:%Y%m%d}-{counters[day]:04d}")
    return numbers


def insert_histories(histories: list[History], *, batch_size: int = 2000) -> None:
    """Bulk insert tickets, then their events, callbacks and attempts (ids come back from the insert)."""
    tickets = Ticket.objects.bulk_create([Ticket(**h.ticket) for h in histories], batch_size=batch_size)
    events, callbacks, attempts_by_callback = [], [], []
    for ticket, history in zip(tickets, histories, strict=True):
        events.extend(TicketEvent(ticket_id=ticket.pk, **e) for e in history.events)
        for data in history.callbacks:
            data = dict(data)
            attempts_by_callback.append(data.pop("attempts"))
            callbacks.append(Callback(ticket_id=ticket.pk, **data))
    TicketEvent.objects.bulk_create(events, batch_size=batch_size)
    Callback.objects.bulk_create(callbacks, batch_size=batch_size)
    CallbackAttempt.objects.bulk_create(
        [
            CallbackAttempt(callback_id=callback.pk, **attempt)
            for callback, attempts in zip(callbacks, attempts_by_callback, strict=True)
            for attempt in attempts
        ],
        batch_size=batch_size,
    )


def save_counters(estate_id: int, counters: dict) -> None:
    TicketCounter.objects.bulk_create(
        [TicketCounter(estate_id=estate_id, day=day, last_number=n) for day, n in counters.items()],
        update_conflicts=True,
        unique_fields=["estate", "day"],
        update_fields=["last_number"],
    )


@transaction.atomic
def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    now = timezone.now()
    created = 0
    for index, estate in enumerate(estates):
        if Ticket.objects.filter(estate=estate).exists():
            continue
        pools = build_pools(estate)
        if not pools.units or not pools.categories:
            continue  # nothing to report about yet (no units, or every category switched off)
        count = TICKETS_PER_ESTATE[0] if index == 0 else TICKETS_PER_ESTATE[1]
        times = spread_times(rng, count, days=DAYS, now=now)
        counters: dict = {}
        numbers = numbered(times, estate.code, counters)
        histories = [
            simulate(rng, pools, created_at=t, now=now, number=n) for t, n in zip(times, numbers, strict=True)
        ]
        if index == 0:
            histories += _resident_requests(rng, pools, users, now=now, counters=counters, estate=estate)
        histories += _just_registered(pools, now=now, counters=counters, estate=estate)
        insert_histories(histories)
        save_counters(estate.pk, counters)
        created += len(histories)
    # The nightly training would do it; done now so the desk's suggestions learn from day one.
    trained = sum(train_suggestion_model(estate_id=estate.pk) is not None for estate in estates)
    stdout.write(
        f"tickets: {created} demo tickets with their timelines and callbacks; "
        f"intake suggestions learnt in {trained} estates"
    )


def _just_registered(pools: Pools, *, now, counters: dict, estate: Estate) -> list[History]:
    """Two calls taken minutes ago that nobody has picked up yet.

    The desk's "new" queue is never empty in the demo, whatever the hour it is seeded (just after
    midnight the day's spread has no registrations yet). A random generator of their own keeps the
    rest of the demo the same as before they were added."""
    own_rng = random.Random(estate.pk)
    moments = [now - timedelta(minutes=minutes) for minutes in (25, 8)]
    numbers = numbered(moments, estate.code, counters)
    return [
        simulate(own_rng, pools, created_at=moment, now=now, number=number, stop_at=Ticket.Status.NEW)
        for moment, number in zip(moments, numbers, strict=True)
    ]


def _resident_requests(
    rng, pools: Pools, users: dict, *, now, counters: dict, estate: Estate
) -> list[History]:
    """A few portal requests of the demo residents, including one resolved and waiting for a rating."""
    histories = []
    for key in ("resident", "resident2"):
        user = users.get(key)
        person = Person.objects.filter(user=user, estate=estate).first() if user else None
        occupancy = (
            Occupancy.objects.current().filter(person=person).select_related("unit").first()
            if person
            else None
        )
        if occupancy is None:
            continue
        choice = (occupancy.unit_id, person.pk, occupancy.unit.building_id)
        # An old request closed after its callback, one resolved and waiting for the resident's
        # rating, and one still being worked on.
        for days_ago, stop_at in ((40, None), (5, Ticket.Status.RESOLVED), (1, Ticket.Status.IN_PROGRESS)):
            moment = now - timedelta(days=days_ago, hours=rng.randint(1, 8))
            (number,) = numbered([moment], estate.code, counters)
            histories.append(
                simulate(
                    rng,
                    pools,
                    created_at=moment,
                    now=now,
                    number=number,
                    unit_choice=choice,
                    kind=Ticket.Kind.REPAIR,
                    channel=Ticket.Channel.PORTAL,
                    reporter_id=person.pk,
                    stop_at=stop_at,
                )
            )
    return histories
