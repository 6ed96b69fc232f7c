"""Reads for staff: who is responsible for what."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from servicecenter.scoping import StaffReach
from staff.models import StaffProfile, Team, Zone

User = get_user_model()


def staff_reach(user) -> StaffReach | None:
    """The estates and team of a user's staff profile, or None without one. The kernel's
    `access_for` asks here (registered in `StaffConfig.ready()`) on every request of every staff
    page, so it is one query for the profile and its estates."""
    rows = list(StaffProfile.objects.filter(user=user).values_list("pk", "estates__pk", "team_id"))
    if not rows:
        return None
    return StaffReach(
        estate_ids=frozenset(estate_pk for _, estate_pk, _team in rows if estate_pk is not None),
        team_ids=frozenset(team for _, _estate, team in rows if team is not None),
    )


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
