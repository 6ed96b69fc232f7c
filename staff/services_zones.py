"""Redrawing an estate's zones (责任片区) in one go: which zone each building belongs to."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from residents.models import Building
from servicecenter.exceptions import DomainError
from staff.models import Zone, ZoneBuilding
from staff.services_rosters import require_estate


@transaction.atomic
def redraw_zones(*, actor, estate, assignment: Mapping[int, int | None]) -> list[Building]:
    """Make `assignment` (building pk → zone pk, or None: no zone) the estate's whole map. Each
    building is in one zone at most (a constraint); returns the buildings left uncovered, which
    the page warns about. A building or zone of another estate is refused and nothing changes."""
    if actor is not None and not actor.has_perm("staff.redraw_zones"):
        raise PermissionDenied(_("Only the duty supervisor redraws the zones."))
    require_estate(actor, estate.pk)
    buildings = {b.pk: b for b in Building.objects.filter(estate=estate)}
    zones = {z.pk: z for z in Zone.objects.select_for_update().filter(estate=estate)}
    for building_pk, zone_pk in assignment.items():
        if building_pk not in buildings:
            raise DomainError(
                _("A building of another estate cannot be put in this estate's zones."),
                code="building_other_estate",
            )
        if zone_pk is not None and zone_pk not in zones:
            raise DomainError(_("Choose a zone of this estate."), code="zone_other_estate")
    current = dict(ZoneBuilding.objects.filter(building__estate=estate).values_list("building_id", "zone_id"))
    changed = {pk: zone for pk, zone in assignment.items() if current.get(pk) != zone}
    ZoneBuilding.objects.filter(building_id__in=list(changed)).delete()
    ZoneBuilding.objects.bulk_create(
        [
            ZoneBuilding(zone_id=zone_pk, building_id=pk)
            for pk, zone_pk in changed.items()
            if zone_pk is not None
        ]
    )
    covered = set(ZoneBuilding.objects.filter(building__estate=estate).values_list("building_id", flat=True))
    return [b for pk, b in sorted(buildings.items()) if pk not in covered]
