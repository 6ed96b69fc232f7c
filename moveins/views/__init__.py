"""Move-in pages: `desk` (the list, scheduling, the move-in page with its steps), `portal` (the
owner's own move-in and the rating) and `batches` (batches, slots and booking, spot checks, the
warranty report and the figures). Views parse input, call one service and respond."""

from moveins.views.desk import (  # noqa: F401
    checklist_tick,
    defects_record,
    deposit_take,
    keys_hand_over,
    move_in_action,
    move_in_create,
    move_in_detail,
    move_in_list,
    readings_record,
)
from moveins.views.portal import (  # noqa: F401
    portal_move_in,
    portal_move_in_book,
    portal_move_in_cancel_booking,
    portal_move_in_rate,
    portal_move_ins,
)
