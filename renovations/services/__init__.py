"""Writes for renovations, by subdomain; every caller (views, API, admin, tasks, commands) uses
these names. Each module re-exports its public functions here."""

from renovations.services.passes import issue_worker_passes, revoke_worker_passes  # noqa: F401
from renovations.services.patrols import (  # noqa: F401
    generate_daily_patrols,
    mark_missed_patrols,
    record_patrol,
)
from renovations.services.violations import (  # noqa: F401
    confirm_rectified,
    dismiss_violation,
    escalate_violation,
    link_complaint,
    order_rectification,
    record_violation,
    resume_works,
    stop_works,
)
