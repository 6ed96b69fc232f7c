"""Writes for renovations, by subdomain; every caller (views, API, admin, tasks, commands) uses
these names. Each module re-exports its public functions here."""

from renovations.services.applications import (  # noqa: F401
    add_document,
    add_worker,
    engineering_approve,
    engineering_reject,
    engineering_request_changes,
    next_renovation_number,
    register_renovation,
    reject_renovation,
    remove_worker,
    request_renovation_changes,
    resubmit_renovation,
    send_for_review,
    update_application,
    withdraw_renovation,
)
from renovations.services.completion import (  # noqa: F401
    approve_refund,
    close_renovation,
    fail_acceptance,
    fail_second_inspection,
    pass_acceptance,
    pass_second_inspection,
    propose_deduction,
    request_completion,
    withdraw_deduction,
)
from renovations.services.passes import issue_worker_passes, revoke_worker_passes  # noqa: F401
from renovations.services.patrols import (  # noqa: F401
    generate_daily_patrols,
    mark_missed_patrols,
    record_patrol,
)
from renovations.services.permits import (  # noqa: F401
    approve_renovation,
    issue_permit,
    record_agreement,
    start_due_works,
    start_works,
    take_renovation_deposit,
    waive_renovation_charges,
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
