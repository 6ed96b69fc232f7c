"""Demo archive: estates, buildings, units, residents, staff users, teams and zones. Idempotent.

On top of the apps (like the URLconf), not in the kernel: it fills residents and staff at once,
which neither app may do to the other."""

from __future__ import annotations

import random
import zlib
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from residents.models import Building, Estate, Occupancy, Person, Unit
from residents.services import unit_code
from servicecenter.validators import id_number_checksum
from staff.models import StaffProfile, Team, Zone, ZoneBuilding

User = get_user_model()

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁"

ESTATES = [
    {
        "code": "LJY",
        "name": "绿景苑",
        "kind": Estate.Kind.RESIDENTIAL,
        "address": "深圳市南山区桃园路88号",
        "phone": "0755-26001234",
        "buildings": [
            (str(n), f"{n}栋", 18, 2, 2) for n in range(1, 7)
        ],  # code, name, floors, entrances, per floor
    },
    {
        "code": "BJDS",
        "name": "滨江国际大厦",
        "kind": Estate.Kind.OFFICE,
        "address": "上海市浦东新区滨江大道1号",
        "phone": "021-58881234",
        "buildings": [("A", "A座", 24, 0, 6), ("B", "B座", 16, 0, 4)],
    },
]

TEAM_NAMES = {
    Team.Kind.MAINTENANCE: "维修组",
    Team.Kind.CLEANING: "保洁组",
    Team.Kind.SECURITY: "安管组",
    Team.Kind.LANDSCAPING: "绿化组",
    Team.Kind.CUSTOMER_SERVICE: "客服组",
}

STAFF_USERS = [
    # username, role, full name, team kind, admin access
    ("manager", "manager", "林经理", None, True),
    ("supervisor", "supervisor", "周主任", Team.Kind.CUSTOMER_SERVICE, True),
    ("frontdesk", "frontdesk", "陈前台", Team.Kind.CUSTOMER_SERVICE, False),
    ("clerk", "clerk", "吴文员", Team.Kind.CUSTOMER_SERVICE, False),
    ("housekeeper", "housekeeper", "黄管家", Team.Kind.CUSTOMER_SERVICE, False),
    ("housekeeper2", "housekeeper", "郑管家", Team.Kind.CUSTOMER_SERVICE, False),
    ("technician", "technician", "李师傅", Team.Kind.MAINTENANCE, False),
    ("technician2", "technician", "王师傅", Team.Kind.MAINTENANCE, False),
    ("cleaner", "technician", "赵阿姨", Team.Kind.CLEANING, False),
    ("guard", "technician", "孙保安", Team.Kind.SECURITY, False),
    ("engineer", "engineer", "钱工", Team.Kind.MAINTENANCE, False),
]


def _id_number(rng: random.Random) -> str:
    region = rng.choice(["440305", "110101", "310115", "430102", "510104", "420106"])
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_number_checksum(first17)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


@transaction.atomic
def seed_archive(*, rng: random.Random, password: str) -> tuple[list[Estate], dict[str, User]]:
    estates = [_seed_estate(spec, rng) for spec in ESTATES]
    users = _seed_users(estates, password)
    _seed_residents_users(estates[0], users, password)
    return estates, users


def _seed_estate(spec: dict, rng: random.Random) -> Estate:
    estate, _ = Estate.objects.update_or_create(
        code=spec["code"],
        defaults={
            "name": spec["name"],
            "kind": spec["kind"],
            "address": spec["address"],
            "phone": spec["phone"],
        },
    )
    for kind, name in TEAM_NAMES.items():
        Team.objects.get_or_create(estate=estate, name=name, defaults={"kind": kind})
    if estate.units.exists():
        return estate

    units: list[Unit] = []
    for code, name, floors, entrances, per_floor in spec["buildings"]:
        building = Building.objects.create(
            estate=estate, code=code, name=name, floors=floors, has_elevator=True
        )
        for entrance in [str(e) for e in range(1, entrances + 1)] or [""]:
            for floor in range(1, floors + 1):
                for index in range(1, per_floor + 1):
                    number = f"{floor}{index:02d}"
                    is_office = spec["kind"] == Estate.Kind.OFFICE
                    units.append(
                        Unit(
                            estate=estate,
                            building=building,
                            entrance=entrance,
                            number=number,
                            code=unit_code(building_code=code, entrance=entrance, number=number),
                            floor=floor,
                            area=Decimal(rng.choice(["68.35", "89.50", "96.20", "118.76", "143.08"]))
                            if not is_office
                            else Decimal(rng.choice(["120.00", "245.60", "310.25", "520.80"])),
                            use=Unit.Use.COMMERCIAL if is_office else Unit.Use.RESIDENTIAL,
                            state=rng.choices(
                                [
                                    Unit.State.OCCUPIED,
                                    Unit.State.HANDED_OVER,
                                    Unit.State.VACANT,
                                    Unit.State.RENOVATING,
                                ],
                                weights=[70, 12, 12, 6],
                            )[0],
                        )
                    )
    Unit.objects.bulk_create(units, batch_size=500)
    _seed_people(estate, rng)
    return estate


def _seed_people(estate: Estate, rng: random.Random) -> None:
    units = list(estate.units.exclude(state=Unit.State.VACANT).order_by("pk"))
    persons: list[Person] = []
    roles: list[tuple[int, str]] = []
    used_mobiles: set[str] = set()
    for unit_index in range(len(units)):
        household = [Occupancy.Role.OWNER]
        if rng.random() < 0.25:
            household.append(Occupancy.Role.CO_OWNER if rng.random() < 0.5 else Occupancy.Role.TENANT)
        if rng.random() < 0.2:
            household.append(Occupancy.Role.HOUSEHOLD_MEMBER)
        if estate.kind == Estate.Kind.OFFICE:
            household = (
                [Occupancy.Role.OWNER, Occupancy.Role.SHOP_TENANT]
                if rng.random() < 0.6
                else [Occupancy.Role.OWNER]
            )
        for role in household:
            mobile = f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}"
            while mobile in used_mobiles:
                mobile = f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}"
            used_mobiles.add(mobile)
            person = Person(
                estate=estate,
                name=_person_name(rng)
                if estate.kind != Estate.Kind.OFFICE or role == Occupancy.Role.OWNER
                else rng.choice(["深圳市", "上海", "杭州"])
                + rng.choice(["恒信", "中科", "远航", "华兴"])
                + "科技有限公司",
                mobile=mobile,
                emergency_contact_name=_person_name(rng) if rng.random() < 0.5 else "",
            )
            person.set_id_number(_id_number(rng))
            persons.append(person)
            roles.append((unit_index, role))
    Person.objects.bulk_create(persons, batch_size=500)
    created = list(Person.objects.filter(estate=estate).order_by("pk"))
    today = date.today()  # noqa: DTZ011  (demo dates only)
    occupancies = [
        Occupancy(
            person=person,
            unit=units[unit_index],
            role=role,
            start_date=today - timedelta(days=rng.randrange(60, 365 * 6)),
        )
        for person, (unit_index, role) in zip(created, roles, strict=True)
    ]
    Occupancy.objects.bulk_create(occupancies, batch_size=500)
    _seed_zones(estate)


def _seed_zones(estate: Estate) -> None:
    buildings = list(estate.buildings.order_by("code"))
    half = max(1, len(buildings) // 2)
    for name, chunk in (("一区", buildings[:half]), ("二区", buildings[half:])):
        if not chunk:
            continue
        zone, _ = Zone.objects.get_or_create(estate=estate, name=name)
        for building in chunk:
            ZoneBuilding.objects.get_or_create(building=building, defaults={"zone": zone})


def _seed_users(estates: list[Estate], password: str) -> dict[str, User]:
    first = estates[0]
    users: dict[str, User] = {}
    for username, role, full_name, team_kind, admin in STAFF_USERS:
        user = _user(username, full_name, password, role, is_staff=admin)
        profile, _ = StaffProfile.objects.get_or_create(user=user)
        profile.estates.set([first])
        profile.team = Team.objects.filter(estate=first, kind=team_kind).first() if team_kind else None
        profile.phone = f"139{zlib.crc32(username.encode()) % 10**8:08d}"
        profile.save()
        users[username] = user
    users["company"] = _user("company", "品质部", password, "company", is_staff=True)
    zones = list(Zone.objects.filter(estate=first).order_by("name"))
    for zone, keeper in zip(zones, ("housekeeper", "housekeeper2"), strict=False):
        zone.housekeeper = users[keeper]
        zone.save(update_fields=["housekeeper"])
    return users


def _user(username: str, full_name: str, password: str, role: str, *, is_staff: bool) -> User:
    user, _ = User.objects.get_or_create(username=username)
    user.first_name = full_name
    user.is_staff = is_staff
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user


def _seed_residents_users(estate: Estate, users: dict[str, User], password: str) -> None:
    """`resident` and `resident2` own different units of the first estate."""
    taken_units: set[int] = set()
    for username in ("resident", "resident2"):
        user = _user(username, "", password, "resident", is_staff=False)
        person = Person.objects.filter(user=user).first()
        if person is None:
            occupancy = (
                Occupancy.objects.filter(
                    unit__estate=estate, role=Occupancy.Role.OWNER, person__user__isnull=True
                )
                .exclude(unit_id__in=taken_units)
                .select_related("person")
                .order_by("unit__code")
                .first()
            )
            person = occupancy.person
            person.user = user
            person.save(update_fields=["user"])
        taken_units.update(person.occupancies.values_list("unit_id", flat=True))
        user.first_name = person.name
        user.save(update_fields=["first_name"])
        users[username] = user
