"""Writes for the front desk, by log; every caller (views, API, admin, tasks, commands) uses these
names. Each module re-exports its public functions here."""

from frontdesk.services.lost_found import (  # noqa: F401
    claim_lost_item,
    dispose_lost_item,
    log_lost_item,
    remind_lost_items_due,
)
from frontdesk.services.moveouts import (  # noqa: F401
    ArrearsOwed,
    approve_moveout,
    cancel_moveout,
    complete_moveout,
    register_moveout,
    request_moveout,
)
from frontdesk.services.parcels import log_parcel, pick_up_parcel, return_parcel  # noqa: F401
from frontdesk.services.visitors import record_visitor_departure, register_visitor  # noqa: F401
