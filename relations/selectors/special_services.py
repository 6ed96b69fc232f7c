"""Reads for special services: the catalogue a user may see, their bookings (one query each)."""

from __future__ import annotations

from django.db.models import QuerySet

from relations.models import SpecialService, SpecialServiceBooking


def catalogue_for(*, user) -> QuerySet[SpecialService]:
    return (
        SpecialService.objects.visible_to(user)
        .select_related("estate")
        .order_by("estate_id", "sort_order", "name")
    )


def bookings_for(*, user) -> QuerySet[SpecialServiceBooking]:
    return (
        SpecialServiceBooking.objects.visible_to(user)
        .select_related("service", "unit", "ticket", "estate")
        .order_by("-created_at", "-pk")
    )
