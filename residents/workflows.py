"""Declared workflows of the archive (servicecenter.workflow): an owner's household request."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import HouseholdRequest, HouseholdRequestEvent
from servicecenter.workflow import Action, Workflow, timeline_writer

Status = HouseholdRequest.Status
DECIDE = "residents.decide_householdrequest"
SERVICES = "residents.services_household"

HOUSEHOLD_REQUEST_ACTIONS = (
    Action(
        "approve",
        {Status.REQUESTED},
        Status.APPROVED,
        DECIDE,
        pgettext_lazy("household request action", "Approve"),
        f"{SERVICES}.approve_household_request",
        permission_message=_("Only the service centre approves household requests."),
        state_message=_("This request has already been decided (%(status)s)."),
    ),
    Action(
        "reject",
        {Status.REQUESTED},
        Status.REJECTED,
        DECIDE,
        pgettext_lazy("household request action", "Reject"),
        f"{SERVICES}.reject_household_request",
        permission_message=_("Only the service centre approves household requests."),
        state_message=_("This request has already been decided (%(status)s)."),
    ),
)

HOUSEHOLD_REQUEST = Workflow(
    model_label="residents.HouseholdRequest",
    state_field="status",
    actions=HOUSEHOLD_REQUEST_ACTIONS,
    event_writer=timeline_writer(HouseholdRequestEvent, "request"),
    state_labels=dict(Status.choices),
    events_of=lambda request: request.events.all(),
)
