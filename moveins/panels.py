"""The section the moveins app adds to the staff unit page."""

from __future__ import annotations

from moveins.page_selectors import move_ins_of_unit

UNIT_PANEL_ROWS = 5


def unit_move_ins_context(request, unit) -> dict:
    """The unit's latest move-ins: one query."""
    return {"unit": unit, "move_ins": move_ins_of_unit(user=request.user, unit=unit, limit=UNIT_PANEL_ROWS)}


def portal_move_ins_context(request, user) -> dict:
    """The owner's move-ins on the portal home (shown only when there is one): one query."""
    from moveins.models import MoveIn

    return {
        "move_ins": list(
            MoveIn.objects.visible_to(user)
            .filter(owner__user=user)
            .select_related("unit")
            .order_by("-created_at")[:3]
        )
    }


def portal_move_ins_probe(user) -> list:
    from moveins.models import MoveIn

    return [MoveIn.objects.visible_to(user).filter(owner__user=user)]


def has_pending_move_in(user) -> bool:
    """An owner whose unit is not handed over yet has a move-in to follow in the portal (one
    query; registered with `servicecenter.portal.register_portal_business`)."""
    from moveins.models import MoveIn

    return MoveIn.objects.pending_for_owner(user).exists()


def open_move_ins_today_count(user) -> int:
    """The desk's tile: open move-ins with an appointment today (one query)."""
    from django.utils import timezone

    from moveins.models import MoveIn

    return MoveIn.objects.visible_to(user).open().filter(scheduled_for__date=timezone.localdate()).count()
