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
