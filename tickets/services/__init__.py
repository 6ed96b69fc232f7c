"""Writes for tickets: registration, dispatch, the lifecycle, SLA escalations, callbacks and the
monthly callback sampling. Views, the API, admin and Celery tasks only call these functions.

The lifecycle is declared once, in `tickets.workflows` (TICKET, CALLBACK): every change locks the
row, checks the declaration (state, permission, guards), saves with `update_fields` and writes
its `TicketEvent` (who, when, from, to, note) through the workflow, one code path for all.

One submodule per subdomain; callers import from the package (`from tickets import services`),
which re-exports every public name:

- `_common`: what several subdomains share: locking, the declared transition, events, the
  ticket's link, the status aliases and state tables, limits.
- `escalations`: SLA warnings and escalations, and the deadline sweep.
- `replies`: internal comments, replies to the reporter and attachments.
- `scheduling`: whether a resolved ticket gets a callback, scheduling and cancelling it.
- `sampling`: the manager's monthly callback sampling and its reviews.
- `calls`: dialling the reporter from a ticket or a callback task.
- `lifecycle`: assigning, taking, starting, holding, resuming, resolving, reopening, closing and
  cancelling a ticket, and flagging a major complaint.
- `registration`: ticket numbers, dispatch and registering a ticket (with its idempotency key).
- `suggestions`: training the intake suggester of an estate from its finished tickets.


- `metrics`: the stored ticket KPIs of a month (`TicketMetricsMonth`): storing, the refresh of
  the current month's snapshots and of the month just closed, the rebuild.
- `linking`: linking a second report of the same problem to the open ticket (a co-reporter).
- `callbacks`: recording a callback or a rating, callback reminders, closing resolved tickets
  with no callback to wait for.

Import order (a submodule imports only those before it): _common < escalations, replies,
scheduling, sampling, calls < lifecycle < registration, callbacks.
"""

# Imported by the old single module and used through it by callers (tests/tickets/test_services.py).
from servicecenter.periods import previous_month
from tickets.services._common import (
    ALLOWED,
    CALLBACK_ALLOWED,
    MAX_ATTACHMENTS_PER_TICKET,
    MAX_IDEMPOTENCY_KEY_LENGTH,
    CallbackStatus,
    EscalationKind,
    IdempotencyConflict,
    TicketStatus,
    ticket_url,
)
from tickets.services.callbacks import (
    close_resolved_without_callback,
    rate_ticket,
    record_callback,
    remind_due_callbacks,
)
from tickets.services.calls import (
    call_for_callback,
    call_for_ticket,
    may_call_for_callback,
    may_call_reporter,
)
from tickets.services.escalations import (
    due_escalations,
    escalate_ticket,
    process_ticket_deadlines,
    run_deadline_sweep,
)
from tickets.services.incidents import link_ticket_to_incident, unlink_ticket_from_incident
from tickets.services.lifecycle import (
    assign_ticket,
    cancel_ticket,
    close_ticket,
    flag_major_complaint,
    hold_ticket,
    reopen_ticket,
    resolve_ticket,
    resume_ticket,
    root_cause_required,
    start_ticket,
    take_ticket,
)
from tickets.services.linking import link_report
from tickets.services.metrics import (
    monthly_ticket_metrics,
    rebuild_ticket_metrics_months,
    refresh_just_closed_ticket_metrics,
    refresh_live_ticket_metrics,
    store_ticket_metrics,
)
from tickets.services.registration import (
    dispatch_team,
    next_ticket_number,
    register_ticket,
    remember_ticket_kind,
)
from tickets.services.replies import add_attachment, add_comment, reply_to_reporter
from tickets.services.sampling import draw_callback_samples, record_callback_review, sample_size
from tickets.services.scheduling import (
    callback_is_mandatory,
    cancel_pending_callbacks,
    in_callback_share,
    schedule_callback,
)
from tickets.services.suggestions import estates_to_train, train_suggestion_model

__all__ = [
    "ALLOWED",
    "CALLBACK_ALLOWED",
    "CallbackStatus",
    "EscalationKind",
    "IdempotencyConflict",
    "MAX_ATTACHMENTS_PER_TICKET",
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    "TicketStatus",
    "add_attachment",
    "add_comment",
    "assign_ticket",
    "call_for_callback",
    "call_for_ticket",
    "callback_is_mandatory",
    "cancel_pending_callbacks",
    "cancel_ticket",
    "close_resolved_without_callback",
    "close_ticket",
    "dispatch_team",
    "draw_callback_samples",
    "due_escalations",
    "escalate_ticket",
    "flag_major_complaint",
    "hold_ticket",
    "link_report",
    "link_ticket_to_incident",
    "unlink_ticket_from_incident",
    "in_callback_share",
    "may_call_for_callback",
    "may_call_reporter",
    "next_ticket_number",
    "previous_month",
    "process_ticket_deadlines",
    "rate_ticket",
    "record_callback",
    "record_callback_review",
    "register_ticket",
    "remember_ticket_kind",
    "remind_due_callbacks",
    "monthly_ticket_metrics",
    "rebuild_ticket_metrics_months",
    "refresh_just_closed_ticket_metrics",
    "refresh_live_ticket_metrics",
    "reopen_ticket",
    "store_ticket_metrics",
    "reply_to_reporter",
    "resolve_ticket",
    "resume_ticket",
    "root_cause_required",
    "run_deadline_sweep",
    "sample_size",
    "schedule_callback",
    "start_ticket",
    "take_ticket",
    "estates_to_train",
    "train_suggestion_model",
    "ticket_url",
]
