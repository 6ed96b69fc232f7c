"""Reads for staff: who is responsible for what."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from staff.models import Team, Zone

User = get_user_model()


def housekeeper_for_unit(unit) -> User | None:
    """The housekeeper of the zone that holds the unit's building, or None when the building has
    no zone or the zone no housekeeper. Callbacks, fee calls and renovation patrols all ask here."""
    zone = (
        Zone.objects.filter(zone_buildings__building_id=unit.building_id)
        .select_related("housekeeper")
        .first()
    )
    return zone.housekeeper if zone and zone.housekeeper_id else None


def team_of_kind(*, estate, kind: str) -> Team | None:
    return Team.objects.filter(estate=estate, kind=kind).order_by("pk").first()


def staff_users_of_estate(*, estate, role: str | None = None):
    users = User.objects.filter(staff_profile__estates=estate, is_active=True)
    if role:
        users = users.filter(groups__name=role)
    return users.distinct()
