"""The ticket check (issue #16): every ticket's status history is a valid chain of the declared
workflow, read in the database with window functions over each ticket's status events.

The status events are the rows with a `to_status` (registration, and every transition written
by `TICKET`); comments, escalations and callbacks have none. In the order they were written (the
primary key: transitions of one ticket are serialised by its row lock, so the key follows them,
even when two share a timestamp), the first is the registration (→ new), each starts where the one
before ended, each is a transition `TICKET` declares, and the last ends in the ticket's status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection

from tickets.models import Ticket, TicketEvent
from tickets.workflows import TICKET


@dataclass
class ChainProblem:
    ticket_id: int
    event_id: int | None
    step: int | None
    kind: str
    from_status: str
    to_status: str
    previous: str | None
    ticket_status: str
    problems: list[str]

    def describe(self) -> str:
        if self.event_id is None:
            return f"ticket {self.ticket_id} ({self.ticket_status}): no registration or status event"
        return (
            f"ticket {self.ticket_id} ({self.ticket_status}), event {self.event_id} "
            f"(step {self.step}, {self.kind}: {self.from_status or '∅'} → {self.to_status}): "
            + "; ".join(self.problems)
        )


@dataclass
class TicketCheck:
    tickets: int = 0  # tickets with at least one problem
    events: int = 0  # problem rows (events, and tickets without any status event)
    shown: list[ChainProblem] = field(default_factory=list)

    @property
    def differences(self) -> int:
        return self.events


def allowed_steps() -> list[str]:
    """Every `from>to` pair a declared action may write."""
    return sorted(f"{source}>{target}" for source, targets in TICKET.allowed().items() for target in targets)


def _sql(estate_ids: Sequence[int] | None) -> tuple[str, list]:
    event = connection.ops.quote_name(TicketEvent._meta.db_table)
    ticket = connection.ops.quote_name(Ticket._meta.db_table)
    steps = allowed_steps()
    params: list = []
    scope = ""
    if estate_ids:
        scope = f" AND t.estate_id IN ({', '.join(['%s'] * len(estate_ids))})"
        params += list(estate_ids)
    step_list = ", ".join(["%s"] * len(steps))
    window = "OVER (PARTITION BY e.ticket_id ORDER BY e.id)"
    problems = f"""
        WITH chain AS (
            SELECT e.id, e.ticket_id, e.kind, e.from_status, e.to_status, t.status AS ticket_status,
                   LAG(e.to_status) {window} AS previous,
                   ROW_NUMBER() {window} AS step,
                   LEAD(e.id) {window} AS next_id
            FROM {event} e JOIN {ticket} t ON t.id = e.ticket_id
            WHERE e.to_status <> ''{scope}
        ),
        flagged AS (
            SELECT chain.*,
                   CASE WHEN step = 1 AND NOT (kind = %s AND from_status = '' AND to_status = %s)
                        THEN 1 ELSE 0 END AS bad_start,
                   CASE WHEN step > 1 AND from_status <> previous THEN 1 ELSE 0 END AS bad_link,
                   CASE WHEN step > 1 AND (from_status || '>' || to_status) NOT IN ({step_list})
                        THEN 1 ELSE 0 END AS bad_step,
                   CASE WHEN next_id IS NULL AND to_status <> ticket_status THEN 1 ELSE 0 END AS bad_end
            FROM chain
        )
        SELECT ticket_id, id, step, kind, from_status, to_status, previous, ticket_status,
               bad_start, bad_link, bad_step, bad_end
        FROM flagged WHERE bad_start + bad_link + bad_step + bad_end > 0
        UNION ALL
        SELECT t.id, NULL, NULL, '', '', '', NULL, t.status, 0, 0, 0, 0
        FROM {ticket} t
        WHERE NOT EXISTS (SELECT 1 FROM {event} e WHERE e.ticket_id = t.id AND e.to_status <> ''){scope}
    """
    params = [*params, TicketEvent.Kind.CREATED, Ticket.Status.NEW, *steps, *params]
    return problems, params


def check_ticket_chains(*, estate_ids: Sequence[int] | None = None, show: int = 20) -> TicketCheck:
    """Two queries whatever the number of tickets: the counts, then the first `show` problems."""
    problems, params = _sql(estate_ids)
    result = TicketCheck()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT ticket_id) FROM ({problems}) AS problems",
            params,
        )
        result.events, result.tickets = cursor.fetchone()
        if result.events and show > 0:
            cursor.execute(
                f"SELECT * FROM ({problems}) AS problems ORDER BY 1, 2 LIMIT %s",
                [*params, show],
            )
            for row in cursor.fetchall():
                ticket_id, event_id, step, kind, source, target, previous, status, *flags = row
                bad_start, bad_link, bad_step, bad_end = flags
                found = []
                if bad_start:
                    found.append("the first status event is not the registration (→ new)")
                if bad_link:
                    found.append(f"starts from {source or '∅'}, the step before ended in {previous}")
                if bad_step:
                    found.append(f"{source or '∅'} → {target} is not a transition of the workflow")
                if bad_end:
                    found.append(f"the last status event ends in {target}, the ticket is {status}")
                result.shown.append(
                    ChainProblem(ticket_id, event_id, step, kind, source, target, previous, status, found)
                )
    return result
