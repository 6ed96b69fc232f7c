"""The resident portal's panel of parcels waiting at the service centre."""

from __future__ import annotations

from frontdesk.models import Parcel

PANEL_SIZE = 5


def _waiting(user):
    return Parcel.objects.visible_to(user).filter(status=Parcel.Status.HELD)


def portal_parcels_context(request, user) -> dict:
    waiting = _waiting(user).select_related("unit").order_by("-received_at", "-pk")
    return {"parcels": list(waiting[:PANEL_SIZE])}


def portal_parcels_probe(user) -> list:
    return [_waiting(user)]
