"""The front desk's pages, one module per log; `frontdesk/urls.py` names each view by its module."""

from frontdesk.views.invoices import (  # noqa: F401
    invoice_action,
    invoice_create,
    invoice_detail,
    invoice_export,
    invoice_queue,
    portal_invoice_requests,
)
from frontdesk.views.keys import key_action, key_create, key_detail, key_export, key_list  # noqa: F401
from frontdesk.views.knowledge import knowledge_search  # noqa: F401
