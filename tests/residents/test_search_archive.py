"""The desk's search (issue #16): index lookups and primary keys instead of a join with DISTINCT.

The searches must find exactly what the join-based version found, in the same order and within
the same estates; `_joined_search` below is that version, kept as the oracle.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from residents.models import Person, Unit
from residents.selectors import parse_archive_query, persons_to_pick, search_archive
from servicecenter.phones import phone_q
from tests.factories import OccupancyFactory, PersonFactory, UnitFactory

QUERIES = [
    "13900001234",  # a whole mobile
    "139-0000-1234",
    "1234",  # its last four: two people end with them
    "5678",
    "075588886666",  # a landline among other phones
    "3-2-",  # a unit code prefix
    "3-2-1102",  # the unit of an ended occupancy
    "3-5",
    "A-0801",  # another estate's unit
    "0801",
    "1234567",  # digits that are not a phone: unit codes only
    "张",  # names
    "李四",
    "赵",
    "nobody",
]


def _joined_unit_q(parsed) -> Q:
    if parsed.kind in ("unit", "number"):
        return Q(code__istartswith=parsed.text)
    if parsed.kind == "phone":
        return _joined_person_q(parsed, "occupancies__person__")
    return Q(code__istartswith=parsed.text) | Q(occupancies__person__name__icontains=parsed.text)


def _joined_person_q(parsed, path: str = "") -> Q:
    if parsed.kind in ("unit", "number"):
        return Q(**{f"{path}occupancies__unit__code__istartswith": parsed.text})
    if parsed.kind == "phone":
        return phone_q(f"{path}mobile", parsed.digits) | phone_q(
            f"{path}other_phones", parsed.digits, listed=True
        )
    return Q(**{f"{path}name__icontains": parsed.text})


def _joined_search(user, query: str, limit: int = 20) -> tuple[list[str], list[str]]:
    """The search before issue #16: one OR over the occupancies' joins, with DISTINCT."""
    parsed = parse_archive_query(query)
    units = Unit.objects.visible_to(user).filter(_joined_unit_q(parsed)).distinct().order_by("code")
    persons = Person.objects.visible_to(user).filter(_joined_person_q(parsed)).distinct().order_by("name")
    return [u.code for u in units[:limit]], [p.name for p in persons[:limit]]


def _found(user, query: str) -> tuple[list[str], list[str]]:
    results = search_archive(user=user, query=query)
    return [u.code for u in results.units], [p.name for p in results.persons]


@pytest.fixture
def archive(estate_a, estate_b, building_a, unit_a, unit_a2, unit_b):
    """Estate A: 张三 owns 3-2-1101; 李四 lived in 3-2-1102 (moved out); 王五 rents 3-5-0101 and
    shares 张三's last four; 钱七 has only a landline and a mobile among other phones. Estate B:
    赵六 owns A-0801."""
    yesterday = timezone.localdate() - timedelta(days=1)
    zhang = PersonFactory(estate=estate_a, name="张三", mobile="13900001234")
    li = PersonFactory(estate=estate_a, name="李四", mobile="13700005678")
    wang = PersonFactory(estate=estate_a, name="王五", mobile="13612341234")
    qian = PersonFactory(estate=estate_a, name="钱七", mobile="", other_phones="075588886666, 13512345678")
    zhao = PersonFactory(estate=estate_b, name="赵六", mobile="13800001234")
    unit_a5 = UnitFactory(building=building_a, entrance="5", number="0101")
    OccupancyFactory(unit=unit_a, person=zhang)
    OccupancyFactory(unit=unit_a2, person=li, end_date=yesterday)
    OccupancyFactory(unit=unit_a5, person=wang, role="tenant")
    OccupancyFactory(unit=unit_b, person=zhao)
    return {"zhang": zhang, "li": li, "wang": wang, "qian": qian, "zhao": zhao, "unit_a5": unit_a5}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["frontdesk", "company", "technician"])
def test_the_search_finds_what_the_joined_search_found(users, archive, role):
    user = users[role]
    for query in QUERIES:
        assert _found(user, query) == _joined_search(user, query), query


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "units", "persons"),
    [
        ("13900001234", ["3-2-1101"], ["张三"]),
        ("+86 139 0000 1234", ["3-2-1101"], ["张三"]),
        # The last four: 王五's 1361234-1234 ends with them; 钱七's 13512345678 only holds them.
        ("1234", ["3-2-1101", "3-5-0101"], ["张三", "王五"]),
        ("5678", ["3-2-1102"], ["李四", "钱七"]),
        ("13512345678", [], ["钱七"]),
        ("6666", [], ["钱七"]),
        ("3-2-", ["3-2-1101", "3-2-1102"], ["张三", "李四"]),
        # A moved-out occupant is still found through the unit, and the unit through them.
        ("3-2-1102", ["3-2-1102"], ["李四"]),
        ("李四", ["3-2-1102"], ["李四"]),
        ("王", ["3-5-0101"], ["王五"]),
        ("A-0801", [], []),  # estate B's unit: frontdesk works only in estate A
        ("0801", [], []),
        ("13800001234", [], []),  # estate B's resident
        ("1234567", [], []),  # a fragment of a phone finds no one
        ("361234", [], []),
    ],
)
def test_the_search_finds_units_and_people_by_code_phone_or_name(users, archive, query, units, persons):
    found_units, found_persons = _found(users["frontdesk"], query)
    assert found_units == units
    assert sorted(found_persons) == sorted(persons)


@pytest.mark.django_db
def test_the_company_finds_another_estates_unit_and_resident(users, archive):
    assert _found(users["company"], "A-0801") == (["A-0801"], ["赵六"])
    assert _found(users["company"], "1234") == (["3-2-1101", "3-5-0101", "A-0801"], ["张三", "王五", "赵六"])


@pytest.mark.django_db
def test_results_are_ordered_by_code_and_name_and_cut_at_the_limit(users, building_a):
    for n in range(25):
        OccupancyFactory(
            unit=UnitFactory(building=building_a, entrance="7", number=f"{n + 10:02d}01"),
            person=PersonFactory(estate=building_a.estate, name=f"住户{99 - n:02d}"),
        )
    results = search_archive(user=users["frontdesk"], query="3-7-")
    codes, names = [u.code for u in results.units], [p.name for p in results.persons]
    assert codes == [f"3-7-{n + 10:02d}01" for n in range(20)]
    assert names == [f"住户{n:02d}" for n in range(75, 95)]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["13900001234", "1234", "3-2-", "3-2-9", "张"])
def test_the_search_is_two_queries_however_many_match(
    users, archive, building_a, query, django_assert_max_num_queries
):
    for n in range(30):
        OccupancyFactory(
            unit=UnitFactory(building=building_a, entrance="2", number=f"9{n:02d}"),
            person=PersonFactory(estate=building_a.estate, name=f"张{n}", mobile=f"1390000{n:04d}"),
        )
    frontdesk = users["frontdesk"]
    search_archive(user=frontdesk, query=query)  # the user's reach is read once per request
    with django_assert_max_num_queries(2):
        results = search_archive(user=frontdesk, query=query)
    assert not results.is_empty


@pytest.mark.django_db
def test_the_search_page_shows_the_matches(client_as, users, archive):
    page = client_as(users["frontdesk"]).get(reverse("search"), {"q": "1234"}).content.decode()
    assert "3-2-1101" in page and "3-5-0101" in page and "张三" in page
    assert "A-0801" not in page and "赵六" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("13900001234", ["张三"]),
        ("1234", ["张三", "王五"]),
        ("5678", ["李四", "钱七"]),
        ("张", ["张三"]),
        ("3-2-1101", []),  # a unit code finds no one in a person box
        ("0000123", []),
    ],
)
def test_the_desk_pickers_find_people_by_whole_phone_last_four_or_name(users, archive, query, names):
    picked = persons_to_pick(user=users["frontdesk"], estate_id=archive["zhang"].estate_id, query=query)
    assert sorted(p.name for p in picked) == sorted(names)


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("3-2-", "residents_unit_code_upper_prefix"),
        ("1234567", "residents_unit_code_upper_prefix"),
        ("1234", "person_mobile_last_four_idx"),
    ],
)
def test_the_search_can_read_the_prefix_and_last_four_indexes(archive, query, index):
    """The query's expression must be the indexed one (UPPER(code::text) LIKE, RIGHT(mobile, 4)):
    with sequential scans priced out, the plan of each lookup shows whether the index serves it.
    Unscoped: on a test database's few rows the estate's own index is the cheaper start."""
    parsed = parse_archive_query(query)
    querysets = [
        Unit.objects.filter(parsed.unit_q()).values("pk"),
        Person.objects.filter(parsed.person_q()).values("pk"),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for queryset in querysets:
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert index in plan, plan
