"""The portal home's panel of current notices and upcoming community events, and the desk tile."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PANEL_SIZE = 5


def portal_notices_context(request, user) -> dict:
    """Current notices (urgent first, read or not) and open events: two queries."""
    from relations.models import CommunityEvent
    from relations.selectors.notices import notices_for_resident

    events = (
        CommunityEvent.objects.visible_to(user)
        .filter(starts_at__gte=timezone.now())
        .order_by("starts_at", "pk")
    )
    return {"notices": notices_for_resident(user=user, limit=PANEL_SIZE), "events": list(events[:3])}


def portal_notices_probe(user) -> list:
    """What the panel would show, unsliced: without a row in either, it shows nothing."""
    from relations.models import CommunityEvent, Notice

    return [
        Notice.objects.visible_to(user),
        CommunityEvent.objects.visible_to(user).filter(starts_at__gte=timezone.now()),
    ]


def published_notices_count(user) -> int:
    from relations.models import Notice

    return Notice.objects.visible_to(user).published().current(timezone.localdate()).count()


def register() -> None:
    from servicecenter.panels import register_desk_tile, register_portal_panel

    register_portal_panel(
        order=5,
        template="relations/notices/_portal_panel.html",
        context=portal_notices_context,
        probe=portal_notices_probe,
    )
    register_desk_tile(
        order=80,
        url_name="relations:notices",
        label=_("Notices"),
        caption=_("showing today"),
        count=published_notices_count,
        permission="relations.view_notice",
    )
