"""Demo for issue #14: the portal logins `household` (a household member in `resident`'s unit,
without bill visibility) and `tenant` (a tenant in another unit, named its payer), a pending
household request from `resident`, and housekeepers' visits with two households flagged
important, so the zone page has households due a visit of every kind.

The tenant is named payer by the desk acting for the unit's owner, who has no portal login in the
demo. Everything goes through the services. Idempotent: users and occupancies are found again;
visits are seeded once per estate. Listed in seed_demo's MORE_DEMO_MODULES."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from relations.models import Visit
from relations.services import visits
from residents import services, services_household
from residents.models import Estate, HouseholdRequest, Occupancy, Person, Unit
from servicecenter.validators import id_number_checksum
from staff.models import Zone

TOPICS = ["物业费缴纳", "停车位", "装修噪音", "邻里关系", "小区绿化", "门禁卡", "家中老人近况"]
MET = ["业主本人", "业主家属", "租户", "业主（电话）"]


def _id_number(serial: int) -> str:
    first17 = f"44030519950101{serial % 1000:03d}"
    return first17 + id_number_checksum(first17)


def _portal_user(username: str, like, users: dict):
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.password = like.password  # the same demo password as the other logins
    user.is_staff = False
    user.save()
    user.groups.set([Group.objects.get(name="resident")])
    users[username] = user
    return user


def _occupant(*, estate: Estate, user, name: str, serial: int, unit, role: str, actor) -> Occupancy:
    person = Person.objects.filter(user=user).first()
    if person is None:
        person = services.create_person(
            actor=actor, estate=estate, name=name, id_number=_id_number(serial), mobile=f"1391234{serial:04d}"
        )
        person.user = user
        person.save(update_fields=["user"])
    occupancy = Occupancy.objects.current().filter(person=person, unit=unit, role=role).first()
    if occupancy is None:
        occupancy = services.add_occupancy(
            actor=actor,
            unit=unit,
            person=person,
            role=role,
            start_date=timezone.localdate() - timedelta(days=200),
        )
    user.first_name = person.name
    user.save(update_fields=["first_name"])
    return occupancy


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    estate = estates[0]
    desk = users["frontdesk"]
    resident = users["resident"]
    with transaction.atomic():
        own = Occupancy.objects.current().filter(person__user=resident, role=Occupancy.Role.OWNER).first()
        if own is None:
            stdout.write("relations household: `resident` owns no unit; skipped")
            return
        _occupant(
            estate=estate,
            user=_portal_user("household", resident, users),
            name="陈小雨",
            serial=701,
            unit=own.unit,
            role=Occupancy.Role.HOUSEHOLD_MEMBER,
            actor=desk,
        )
        taken = Occupancy.objects.filter(person__user__isnull=False).values("unit_id")
        rented = (
            Occupancy.objects.current()
            .filter(unit__estate=estate, role=Occupancy.Role.OWNER)
            .exclude(unit_id__in=taken)
            .select_related("unit")
            .order_by("unit__code")
            .first()
        )
        tenant_user = _portal_user("tenant", resident, users)
        existing = (
            Occupancy.objects.current().filter(person__user=tenant_user, role=Occupancy.Role.TENANT).first()
        )
        unit = existing.unit if existing else (rented.unit if rented else None)
        if unit is not None:
            occupancy = _occupant(
                estate=estate,
                user=tenant_user,
                name="赵租客",
                serial=702,
                unit=unit,
                role=Occupancy.Role.TENANT,
                actor=desk,
            )
            services.set_payer(actor=desk, unit=unit, occupancy=occupancy)
        if not HouseholdRequest.objects.filter(unit=own.unit).exists():
            services_household.request_household_member(
                actor=resident,
                unit=own.unit,
                name="陈小明",
                role=Occupancy.Role.HOUSEHOLD_MEMBER,
                id_number=_id_number(703),
                mobile="13912340703",
                move_in_date=timezone.localdate(),
                idempotency_key="demo-household-request",
            )
        made = _visits(estate, users, rng)
    stdout.write(f"relations: {estate.code}: users household and tenant; {made} visits")


def _visits(estate: Estate, users: dict, rng: random.Random) -> int:
    if Visit.objects.filter(estate=estate).exists():
        return 0
    today = timezone.localdate()
    made = 0
    for zone in Zone.objects.filter(estate=estate, housekeeper__isnull=False).select_related("housekeeper"):
        units = list(
            Occupancy.objects.current()
            .filter(unit__building__zone_building__zone=zone)
            .values_list("unit_id", flat=True)
            .distinct()
            .order_by("unit_id")
        )
        chosen = Unit.objects.filter(pk__in=units).order_by("code")
        for index, unit in enumerate(chosen):
            if index % 3 == 2:
                continue  # never visited
            days = rng.choice([5, 20, 45, 90, 150, 200, 250])
            visits.log_visit(
                actor=zone.housekeeper,
                unit=unit,
                visited_on=date.fromordinal(today.toordinal() - days),
                channel=rng.choice(["home", "phone", "desk"]),
                met=rng.choice(MET),
                topics=rng.choice(TOPICS),
                notes="",
                follow_up="",
            )
            made += 1
            if index in (0, 4):
                visits.flag_important(actor=zone.housekeeper, unit=unit, reason="独居老人，需定期探访")
    return made
