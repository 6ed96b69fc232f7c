"""The sections the front desk adds to the staff unit page."""

from __future__ import annotations

from frontdesk.selectors import keys_held_for_unit

UNIT_PANEL_ROWS = 10


def unit_keys_context(request, unit) -> dict:
    """The keys the desk holds (or has handed out) for the unit: one query."""
    return {
        "unit": unit,
        "custodies": keys_held_for_unit(user=request.user, unit=unit, limit=UNIT_PANEL_ROWS),
    }


def portal_invoices_context(request, user) -> dict:
    """The resident's open invoice requests: one query."""
    from frontdesk.models import InvoiceRequest

    open_requests = list(
        InvoiceRequest.objects.visible_to(user)
        .open()
        .select_related("unit")
        .order_by("-requested_at", "-pk")[:5]
    )
    return {"open_requests": open_requests}


def portal_invoices_probe(user) -> list:
    from frontdesk.models import InvoiceRequest

    return [InvoiceRequest.objects.visible_to(user).open()]


def portal_invoices_empty() -> dict:
    return {"open_requests": []}


# --- the desk's tiles: one count query each --------------------------------------------------------


def keys_in_custody_count(user) -> int:
    from frontdesk.models import KeyCustody

    return KeyCustody.objects.visible_to(user).open().count()


def open_moveouts_count(user) -> int:
    from frontdesk.models import MoveOut

    return MoveOut.objects.visible_to(user).open().count()


def open_invoice_requests_count(user) -> int:
    from frontdesk.models import InvoiceRequest

    return InvoiceRequest.objects.visible_to(user).open().count()
