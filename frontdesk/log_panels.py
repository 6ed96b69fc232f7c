"""The resident portal's panel of parcels waiting at the service centre."""

from __future__ import annotations

from frontdesk.models import Parcel

PANEL_SIZE = 5


def portal_parcels_context(request, user) -> dict:
    waiting = (
        Parcel.objects.visible_to(user)
        .filter(status=Parcel.Status.HELD)
        .select_related("unit")
        .order_by("-received_at", "-pk")
    )
    return {"parcels": list(waiting[:PANEL_SIZE])}
