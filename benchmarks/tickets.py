"""Tickets at portfolio scale: 300,000 tickets over the last year on the 50,000-unit estate, each
with a consistent timeline and callbacks (tickets/simulate.py walks the real lifecycle), loaded
with COPY in chunks. Then the desk pages and the API are measured against the floor.
"""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from staff.models import StaffProfile, Team
from tickets.demo import build_pools, save_counters
from tickets.models import Callback, Ticket, TicketCategory
from tickets.simulate import simulate, spread_times

User = get_user_model()
TICKETS = 300_000
DAYS = 365
CHUNK = 20_000
TECHNICIANS_PER_TEAM = 6

TICKET_COLUMNS = [
    "id",
    "estate_id",
    "number",
    "kind",
    "channel",
    "status",
    "priority",
    "category_id",
    "unit_id",
    "public_location_id",
    "location",
    "reporter_id",
    "reporter_name",
    "reporter_phone",
    "description",
    "is_paid_service",
    "service_price",
    "is_major",
    "team_id",
    "assignee_id",
    "created_by_id",
    "created_at",
    "updated_at",
    "response_minutes",
    "resolution_minutes",
    "response_due_at",
    "resolution_due_at",
    "response_warn_at",
    "resolution_warn_at",
    "first_responded_at",
    "first_resolved_at",
    "first_resolution_due_at",
    "first_replied_at",
    "root_cause_id",
    "on_hold_since",
    "on_hold_minutes",
    "resolved_at",
    "closed_at",
    "reopen_count",
    "resolution_note",
    "cancel_reason",
    "is_unreachable",
    "authority_reference",
]
EVENT_COLUMNS = [
    "ticket_id",
    "kind",
    "actor_id",
    "created_at",
    "from_status",
    "to_status",
    "note",
    "is_public",
    "channel",
]
CALLBACK_COLUMNS = [
    "id",
    "ticket_id",
    "estate_id",
    "round",
    "status",
    "is_mandatory",
    "assigned_to_id",
    "team_id",
    "due_at",
    "next_attempt_at",
    "attempt_count",
    "method",
    "reached",
    "satisfaction",
    "is_solved",
    "comment",
    "completed_at",
    "completed_by_id",
    "created_at",
]
ATTEMPT_COLUMNS = ["callback_id", "number", "attempted_at", "actor_id", "reached", "note"]
NOT_NULL_TEXT = {
    "ticket": [
        "location",
        "reporter_name",
        "reporter_phone",
        "resolution_note",
        "cancel_reason",
        "number",
        "authority_reference",
    ],
    "event": ["from_status", "to_status", "note", "channel"],
    "callback": ["comment"],
    "attempt": ["note"],
}


def _cell(value):
    if value is None:
        return None
    if value is True:
        return "t"
    if value is False:
        return "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class _Copier:
    """Rows into CSV buffers, flushed with COPY (NULL is an unquoted empty field)."""

    def __init__(self, table: str, columns: list[str], not_null: list[str]):
        self.table, self.columns, self.not_null = table, columns, not_null
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.rows = 0

    def add(self, row: dict) -> None:
        self.writer.writerow([_cell(row.get(c)) for c in self.columns])
        self.rows += 1

    def flush(self, cursor) -> None:
        self.buffer.seek(0)
        force = f", FORCE_NOT_NULL ({', '.join(self.not_null)})" if self.not_null else ""
        cursor.copy_expert(
            f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN WITH (FORMAT csv{force})", self.buffer
        )
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)


def _reserve_ids(cursor, table: str, count: int) -> int:
    """Take `count` ids from the table's sequence in one go; returns the first."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    (start,) = cursor.fetchone()
    cursor.execute("SELECT setval(%s, %s)", [sequence, start + count])
    return start + 1


def _staff(bench, estate) -> None:
    """A few technicians per team so that dispatch and "my work" look like a real estate."""
    group = Group.objects.get(name="technician")
    for team in Team.objects.filter(estate=estate):
        for n in range(TECHNICIANS_PER_TEAM):
            user, created = User.objects.get_or_create(username=f"bench-{team.kind}-{n}")
            if created:
                user.groups.add(group)
                profile = StaffProfile.objects.create(user=user, team=team)
                profile.estates.add(estate)
    technician = bench.data["users"]["technician"]
    StaffProfile.objects.filter(user=technician).update(
        team=Team.objects.filter(estate=estate, kind=Team.Kind.MAINTENANCE).first()
    )


def generate(bench, estate, total: int) -> None:
    rng = random.Random(11)
    now = timezone.now()
    pools = build_pools(estate)
    times = spread_times(rng, total, days=DAYS, now=now)
    counters: dict = {}
    tickets = _Copier("tickets_ticket", TICKET_COLUMNS, NOT_NULL_TEXT["ticket"])
    events = _Copier("tickets_ticketevent", EVENT_COLUMNS, NOT_NULL_TEXT["event"])
    callbacks = _Copier("tickets_callback", CALLBACK_COLUMNS, NOT_NULL_TEXT["callback"])
    attempts = _Copier("tickets_callbackattempt", ATTEMPT_COLUMNS, NOT_NULL_TEXT["attempt"])
    simulate_s = 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        next_ticket = _reserve_ids(cursor, "tickets_ticket", total)
        next_callback = _reserve_ids(cursor, "tickets_callback", total * 2)
        for start in range(0, total, CHUNK):
            began = time.perf_counter()
            for moment in times[start : start + CHUNK]:
                day = timezone.localdate(moment)
                counters[day] = counters.get(day, 0) + 1
                number = f"{estate.code}-{day:%Y%m%d}-{counters[day]:04d}"
                history = simulate(rng, pools, created_at=moment, now=now, number=number)
                history.ticket["id"] = next_ticket
                tickets.add(history.ticket)
                for event in history.events:
                    events.add({**event, "ticket_id": next_ticket})
                for callback in history.callbacks:
                    callbacks.add({**callback, "id": next_callback, "ticket_id": next_ticket})
                    for attempt in callback["attempts"]:
                        attempts.add({**attempt, "callback_id": next_callback})
                    next_callback += 1
                next_ticket += 1
            simulate_s += time.perf_counter() - began
            for copier in (tickets, events, callbacks, attempts):
                copier.flush(cursor)
    save_counters(estate.pk, counters)
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_ticketevent", "tickets_callback", "tickets_callbackattempt"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        # The archive was bulk-loaded just before: without statistics the planner takes 50,000
        # units for 10,000 and hashes the whole table for a 25-row page.
        for table in ("residents_unit", "residents_person", "residents_occupancy"):
            cursor.execute(f"ANALYZE {table}")
    bench.note(
        f"{tickets.rows:,} tickets, {events.rows:,} events, {callbacks.rows:,} callbacks, "
        f"{attempts.rows:,} callback attempts (simulation {simulate_s:.0f} s of the total)"
    )


def run(bench) -> None:
    bench.section("Tickets")
    estate = bench.data["estate"]
    users = bench.data["users"]
    _staff(bench, estate)
    total = bench.scaled(TICKETS, minimum=2000)
    if not Ticket.objects.filter(estate=estate).exists():
        bench.time_call(
            f"generate {total:,} tickets with timelines (COPY)", lambda: generate(bench, estate, total)
        )

    frontdesk = bench.client_for(users["frontdesk"])
    supervisor = bench.client_for(users["supervisor"])
    technician = bench.client_for(users["technician"])
    manager = bench.client_for(users["manager"])
    maintenance = Team.objects.get(estate=estate, kind=Team.Kind.MAINTENANCE, name__startswith="bench-")
    busiest = (
        Ticket.objects.filter(estate=estate, reopen_count__gt=0)
        .order_by("-created_at")
        .values_list("pk", flat=True)
        .first()
        or Ticket.objects.filter(estate=estate).order_by("-created_at").values_list("pk", flat=True).first()
    )
    open_count = Ticket.objects.filter(estate=estate, status__in=Ticket.OPEN).count()
    overdue_count = Ticket.objects.filter(estate=estate).overdue().count()
    bench.note(f"open tickets: {open_count:,}; overdue now: {overdue_count:,}")

    bench.measure("ticket list, first page", frontdesk, "get", "/tickets/")
    bench.measure(
        "ticket list, team + status",
        supervisor,
        "get",
        "/tickets/",
        data={"team": maintenance.pk, "status": "in_progress"},
    )
    bench.measure("ticket list, overdue view", supervisor, "get", "/tickets/", data={"view": "overdue"})
    bench.measure("ticket list, page 40", frontdesk, "get", "/tickets/", data={"page": 40})
    bench.measure("ticket page (reopened, long timeline)", supervisor, "get", f"/tickets/{busiest}/")
    bench.measure("my work (technician)", technician, "get", "/tickets/my-work/")
    bench.measure("callbacks due", supervisor, "get", "/tickets/callbacks/", data={"due": "true"})
    bench.measure("type-ahead by phone digits", frontdesk, "get", "/tickets/lookup/", data={"q": "0001234"})
    bench.measure("API ticket list, first page", frontdesk, "get", "/api/tickets/")
    bench.measure(
        "API ticket list, team + status",
        supervisor,
        "get",
        "/api/tickets/",
        data={"team": maintenance.pk, "status": "in_progress"},
    )
    bench.measure("API ticket detail", supervisor, "get", f"/api/tickets/{busiest}/")
    unit_ids = bench.data["unit_ids"]
    plumbing = TicketCategory.objects.get(code="plumbing").pk
    bench.measure(
        "API create ticket",
        frontdesk,
        "post",
        "/api/tickets/",
        expect=201,
        data_factory=lambda i: {
            "kind": "repair",
            "channel": "phone",
            "unit": unit_ids[(i * 7919) % len(unit_ids)],
            "category": plumbing,
            "description": "基准测试：厨房漏水",
            "reporter_name": "基准",
        },
    )
    month = timezone.localdate() - timedelta(days=40)
    bench.measure(
        "API metrics, one estate and month",
        manager,
        "get",
        "/api/tickets/metrics/",
        data={"estate": estate.pk, "month": f"{month:%Y-%m}"},
    )
    bench.time_call("deadline sweep (all open tickets)", _sweep)
    bench.data["tickets_callbacks"] = Callback.objects.filter(estate=estate).count()


def _sweep():
    from tickets.services import run_deadline_sweep

    return run_deadline_sweep()
