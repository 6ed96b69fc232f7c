"""Writes for move-ins, by subdomain; every caller (views, API, admin, tasks, commands) uses these
names. Each module re-exports its public functions here."""

from moveins.services.batches import (  # noqa: F401
    SlotFull,
    add_slots,
    book_slot,
    booked_count,
    cancel_booking,
    create_batch,
    create_slot,
    record_spot_check,
    remind_spot_checks,
    required_spot_checks,
    spot_checks_done,
)
from moveins.services.charges import (  # noqa: F401
    ChargesOwed,
    confirm_fees,
    finish_documents,
    take_move_in_deposit,
    waive_move_in_fees,
)
from moveins.services.handover import (  # noqa: F401
    cancel_move_in,
    complete_checklist_item,
    hand_over_keys,
    next_move_in_number,
    rate_handover,
    schedule_move_in,
    start_move_in,
)
from moveins.services.inspection import (  # noqa: F401
    DefectInput,
    pass_inspection,
    record_defects,
    record_opening_readings,
    request_reinspection,
)
