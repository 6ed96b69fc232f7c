"""Reads for the front desk: screen-shaped querysets, scoped with `visible_to` (staff: their
estates; residents: their own units' parcels, nothing else)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from frontdesk.models import LostItem, LostItemEvent, Parcel, ParcelEvent, Visitor, VisitorEvent

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
