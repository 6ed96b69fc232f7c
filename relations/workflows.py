"""Resident relations' workflows, declared once (see `servicecenter.workflow`).

Notices:          draft → published → withdrawn
Community events: draft → published → cancelled (a draft may be cancelled too)

The services in `relations.services` enforce this; pages and the API offer what `available`
allows; tests walk the whole matrix (tests/servicecenter/test_workflows.py).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from relations.models import CommunityEvent, CommunityEventEvent, Notice, NoticeEvent
from servicecenter.workflow import Action, Workflow, timeline_writer

NOTICES = "relations.services.notices"
EVENTS = "relations.services.events"
PUBLISH_NOTICE = "relations.publish_notice"
PUBLISH_EVENT = "relations.publish_communityevent"

NOTICE = Workflow(
    model_label="relations.Notice",
    state_field="status",
    actions=(
        Action(
            "publish",
            {Notice.Status.DRAFT},
            Notice.Status.PUBLISHED,
            PUBLISH_NOTICE,
            pgettext_lazy("notice action", "Publish"),
            f"{NOTICES}.publish_notice",
            state_message=_("Only a draft can be published (this notice is %(status)s)."),
        ),
        Action(
            "withdraw",
            {Notice.Status.PUBLISHED},
            Notice.Status.WITHDRAWN,
            PUBLISH_NOTICE,
            pgettext_lazy("notice action", "Withdraw"),
            f"{NOTICES}.withdraw_notice",
            state_message=_("Only a published notice can be withdrawn (this notice is %(status)s)."),
        ),
    ),
    event_writer=timeline_writer(NoticeEvent, "notice"),
    state_labels=dict(Notice.Status.choices),
    events_of=lambda notice: notice.events.all(),
)

COMMUNITY_EVENT = Workflow(
    model_label="relations.CommunityEvent",
    state_field="status",
    actions=(
        Action(
            "publish",
            {CommunityEvent.Status.DRAFT},
            CommunityEvent.Status.PUBLISHED,
            PUBLISH_EVENT,
            pgettext_lazy("event action", "Publish"),
            f"{EVENTS}.publish_event",
            state_message=_("Only a draft can be published (this event is %(status)s)."),
        ),
        Action(
            "cancel",
            {CommunityEvent.Status.DRAFT, CommunityEvent.Status.PUBLISHED},
            CommunityEvent.Status.CANCELLED,
            PUBLISH_EVENT,
            pgettext_lazy("event action", "Cancel the event"),
            f"{EVENTS}.cancel_event",
            state_message=_("This event is already cancelled."),
        ),
    ),
    event_writer=timeline_writer(CommunityEventEvent, "community_event"),
    state_labels=dict(CommunityEvent.Status.choices),
    events_of=lambda event: event.events.all(),
)
