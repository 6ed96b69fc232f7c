"""The shared portfolio (run first) and the archive's own measurements.

Puts into `bench.data`: "estate" (the big estate), "other_estate" (a small second one), "users"
(role name → a user of that role on the big estate; "company" sees all), "unit_ids" (all unit ids
of the big estate, in order), "resident" (a resident user owning unit_ids[0]).
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from residents.models import Building, Estate, Occupancy, Person, Unit
from residents.services import unit_code
from servicecenter.validators import id_number_checksum
from staff.models import StaffProfile, Team
from staff.roles import STAFF_ROLES

User = get_user_model()
UNITS_PER_BUILDING = 500


def _id_number(i: int) -> str:
    """Unique for every i: the birth date advances one day per thousand people."""
    birth = date(1940, 1, 1) + timedelta(days=i // 1000)
    first17 = f"440305{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + id_number_checksum(first17)


@transaction.atomic
def build_portfolio(bench, units_total: int) -> None:
    rng = random.Random(7)
    estate, created = Estate.objects.get_or_create(code="BENCH", defaults={"name": "基准花园"})
    other, _ = Estate.objects.get_or_create(code="OTHER", defaults={"name": "对照大厦"})
    if created or not estate.units.exists():
        started = time.perf_counter()
        buildings = Building.objects.bulk_create(
            [
                Building(estate=estate, code=str(b + 1), name=f"{b + 1}栋", floors=25)
                for b in range((units_total + UNITS_PER_BUILDING - 1) // UNITS_PER_BUILDING)
            ]
        )
        units = []
        for i in range(units_total):
            building = buildings[i // UNITS_PER_BUILDING]
            within = i % UNITS_PER_BUILDING
            entrance, rest = str(within // 100 + 1), within % 100
            number = f"{rest // 4 + 1}{rest % 4 + 1:02d}"
            units.append(
                Unit(
                    estate=estate,
                    building=building,
                    entrance=entrance,
                    number=number,
                    code=unit_code(building_code=building.code, entrance=entrance, number=number),
                    floor=rest // 4 + 1,
                    area=Decimal(rng.choice(["68.35", "89.50", "118.76", "143.08"])),
                    state=Unit.State.OCCUPIED,
                )
            )
        Unit.objects.bulk_create(units, batch_size=5000)
        persons = []
        for i in range(units_total):
            person = Person(estate=estate, name=f"业主{i}", mobile=f"13{i % 10}{i:08d}"[:11])
            person.set_id_number(_id_number(i))
            persons.append(person)
        Person.objects.bulk_create(persons, batch_size=5000)
        unit_ids = list(Unit.objects.filter(estate=estate).order_by("pk").values_list("pk", flat=True))
        person_ids = list(Person.objects.filter(estate=estate).order_by("pk").values_list("pk", flat=True))
        Occupancy.objects.bulk_create(
            [
                Occupancy(unit_id=u, person_id=p, role=Occupancy.Role.OWNER)
                for u, p in zip(unit_ids, person_ids, strict=True)
            ],
            batch_size=5000,
        )
        other_building = Building.objects.create(estate=other, code="A", name="A座")
        Unit.objects.create(estate=other, building=other_building, number="0801", area=Decimal("120.00"))
        bench.note(
            f"portfolio: {units_total:,} units, persons and occupancies in {time.perf_counter() - started:.1f} s"
        )

    for kind in Team.Kind.values:
        Team.objects.get_or_create(estate=estate, name=f"bench-{kind}", defaults={"kind": kind})
    users = {}
    for role in STAFF_ROLES:
        user, _ = User.objects.get_or_create(username=f"bench-{role}")
        user.groups.set([Group.objects.get(name=role)])
        if role != "company":
            profile, _ = StaffProfile.objects.get_or_create(user=user)
            profile.estates.set([estate])
        users[role] = user
    resident, _ = User.objects.get_or_create(username="bench-resident")
    resident.groups.set([Group.objects.get(name="resident")])
    first_unit_id = Unit.objects.filter(estate=estate).order_by("pk").values_list("pk", flat=True).first()
    Person.objects.filter(occupancies__unit_id=first_unit_id).update(user=resident)
    bench.data.update(
        estate=estate,
        other_estate=other,
        users=users,
        resident=resident,
        unit_ids=list(Unit.objects.filter(estate=estate).order_by("pk").values_list("pk", flat=True)),
    )


def run(bench, measure: bool = True) -> None:
    bench.section("Archive")
    build_portfolio(bench, bench.scaled(50_000, minimum=1000))
    if not measure:
        return
    frontdesk = bench.client_for(bench.data["users"]["frontdesk"])
    unit_id = bench.data["unit_ids"][len(bench.data["unit_ids"]) // 2]
    estate = bench.data["estate"]
    bench.measure("unit list, first page", frontdesk, "get", "/archive/units/")
    bench.measure(
        "unit list, filtered by building",
        frontdesk,
        "get",
        "/archive/units/",
        data={"building": Building.objects.filter(estate=estate).order_by("pk").last().pk},
    )
    bench.measure("unit page", frontdesk, "get", f"/archive/units/{unit_id}/")
    bench.measure("search by phone digits", frontdesk, "get", "/search/", data={"q": "1234567"})
    bench.measure("search by unit code", frontdesk, "get", "/search/", data={"q": "17-3-201"})
    bench.measure("API units list", frontdesk, "get", "/api/units/", data={"estate": estate.pk})
    bench.measure("API persons list", frontdesk, "get", "/api/persons/", data={"estate": estate.pk})
