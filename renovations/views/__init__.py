"""Renovation desk pages: `desk` (the list, the application, the renovation page, the permit) and
`works` (patrols, violations, figures). Views parse input, call one service and respond."""

from renovations.views.desk import (  # noqa: F401
    deduction_propose,
    deduction_withdraw,
    deposit_take,
    document_download,
    document_upload,
    renovation_action,
    renovation_create,
    renovation_detail,
    renovation_list,
    renovation_permit,
    worker_add,
    worker_remove,
)
from renovations.views.portal import (  # noqa: F401
    portal_renovation,
    portal_renovation_apply,
    portal_renovations,
)
from renovations.views.works import (  # noqa: F401
    link_complaint,
    metrics_page,
    patrol_list,
    patrol_record,
    violation_action,
    violation_create,
    violation_detail,
    violation_list,
)
