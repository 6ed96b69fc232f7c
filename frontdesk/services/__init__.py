"""The front desk's writes, one module per log; each module's public functions are re-exported
here so callers say `frontdesk.services.<verb_noun>`."""

from frontdesk.services.moveouts import (  # noqa: F401
    ArrearsOwed,
    approve_moveout,
    cancel_moveout,
    complete_moveout,
    register_moveout,
    request_moveout,
)
