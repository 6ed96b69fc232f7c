"""Reads for the front desk: screen-shaped querysets, scoped with `visible_to` (staff: their
estates; residents: their own units' parcels, nothing else)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from billing.models import Bill
from frontdesk.models import (
    InvoiceRequest,
    InvoiceRequestBill,
    KeyCollector,
    KeyCustody,
    KnowledgeEntry,
    LostItem,
    LostItemEvent,
    Parcel,
    ParcelEvent,
    Visitor,
    VisitorEvent,
)
from residents.models import Unit

# --- visitors, lost and found, parcels -------------------------------------------------------------

LATEST_ON_HOME = 8


def visitors_for_list(*, user) -> QuerySet[Visitor]:
    return Visitor.objects.visible_to(user).select_related("estate", "unit", "let_in_by")


def lost_items_for_list(*, user) -> QuerySet[LostItem]:
    return LostItem.objects.visible_to(user).select_related("estate", "logged_by", "handed_out_by")


def parcels_for_list(*, user) -> QuerySet[Parcel]:
    return Parcel.objects.visible_to(user).select_related("estate", "unit", "logged_by", "handed_over_by")


def visitors_inside(*, user, limit: int = LATEST_ON_HOME) -> list[Visitor]:
    return list(visitors_for_list(user=user).filter(status=Visitor.Status.INSIDE)[:limit])


def latest_lost_items(*, user, limit: int = LATEST_ON_HOME) -> list[LostItem]:
    return list(lost_items_for_list(user=user).filter(status=LostItem.Status.HELD)[:limit])


def parcels_at_desk(*, user, limit: int = LATEST_ON_HOME) -> list[Parcel]:
    return list(parcels_for_list(user=user).filter(status=Parcel.Status.HELD)[:limit])


def _one(queryset, pk: int, message: str):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(message)
    return obj


def visitor_for_page(*, user, pk: int) -> Visitor:
    return _one(visitors_for_list(user=user), pk, _("No such visitor."))


def lost_item_for_page(*, user, pk: int) -> LostItem:
    return _one(lost_items_for_list(user=user).select_related("claimant_person"), pk, _("No such item."))


def parcel_for_page(*, user, pk: int) -> Parcel:
    return _one(parcels_for_list(user=user).select_related("recipient"), pk, _("No such parcel."))


def visitor_events(visitor: Visitor) -> QuerySet[VisitorEvent]:
    return visitor.events.select_related("actor")


def lost_item_events(item: LostItem) -> QuerySet[LostItemEvent]:
    return item.events.select_related("actor")


def parcel_events(parcel: Parcel) -> QuerySet[ParcelEvent]:
    return parcel.events.select_related("actor")


SEARCH_LIMIT = 20


# --- key custody -------------------------------------------------------------------------------


def key_custodies_for_list(*, user, status: str = "", estate_id: int | None = None, q: str = "") -> QuerySet:
    rows = KeyCustody.objects.visible_to(user).select_related("unit", "owner", "estate")
    if status == "open":
        rows = rows.open()
    elif status:
        rows = rows.filter(status=status)
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    q = (q or "").strip()
    if q:
        rows = rows.filter(
            Q(unit__code__icontains=q) | Q(storage_tag__iexact=q) | Q(owner__name__icontains=q)
        )
    return rows.order_by("-received_at", "-pk")


def key_custody_for_page(*, user, pk: int) -> KeyCustody | None:
    return (
        KeyCustody.objects.visible_to(user)
        .select_related("unit", "owner", "estate", "received_by")
        .prefetch_related(
            Prefetch("collectors", queryset=KeyCollector.objects.select_related("person")),
            "movements__staff",
            "events__actor",
        )
        .filter(pk=pk)
        .first()
    )


def keys_held_for_unit(*, user, unit: Unit, limit: int = 10) -> list[KeyCustody]:
    return list(
        KeyCustody.objects.visible_to(user)
        .open()
        .filter(unit=unit)
        .select_related("owner")
        .order_by("-received_at", "-pk")[:limit]
    )


# --- invoice requests --------------------------------------------------------------------------


def invoice_requests_for_list(
    *, user, status: str = "", estate_id: int | None = None, unit_id: int | None = None
) -> QuerySet:
    rows = InvoiceRequest.objects.visible_to(user).select_related("unit", "estate", "requested_by")
    if status:
        rows = rows.filter(status=status)
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    if unit_id:
        rows = rows.filter(unit_id=unit_id)
    # The queue: oldest first, so nobody waits behind later requests.
    return rows.order_by("requested_at", "pk")


def invoice_request_for_page(*, user, pk: int) -> InvoiceRequest | None:
    return (
        InvoiceRequest.objects.visible_to(user)
        .select_related("unit", "estate", "requested_by", "decided_by")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceRequestBill.objects.select_related("bill__charge_item")),
            "events__actor",
        )
        .filter(pk=pk)
        .first()
    )


def invoiceable_bills(*, user, unit: Unit, limit: int = 200) -> list[Bill]:
    """The unit's paid bills that are on no open or issued request, newest period first."""
    taken = InvoiceRequestBill.objects.filter(is_active=True, bill__unit=unit).values("bill_id")
    return list(
        Bill.objects.visible_to(user)
        .filter(unit=unit, status=Bill.Status.PAID)
        .exclude(pk__in=taken)
        .select_related("charge_item")
        .order_by("-period", "pk")[:limit]
    )


# --- knowledge base ----------------------------------------------------------------------------


def search_knowledge(
    *, user, q: str = "", language: str = "", topic: str = "", kind: str = "", estate_id: int | None = None
) -> QuerySet:
    """Active entries the user may read: company-wide and their estates' own (one estate's when
    given), matching every word of `q` in the title, text or keywords."""
    rows = KnowledgeEntry.objects.visible_to(user).filter(is_active=True)
    if language:
        rows = rows.filter(language=language)
    if topic:
        rows = rows.filter(topic=topic)
    if kind:
        rows = rows.filter(kind=kind)
    if estate_id:
        rows = rows.filter(Q(estate__isnull=True) | Q(estate_id=estate_id))
    for word in (q or "").split()[:5]:
        rows = rows.filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(keywords__icontains=word))
    return rows.order_by("topic", "sort_order", "pk")
