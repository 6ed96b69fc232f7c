"""Hotspots (#15): the heat table and the root causes on fixed data, the 30×24-hour repeat rule on
both sides of its edge, detection run twice, the repeat workflow's rules, scope and query counts."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import hotspots, services_repeats
from dashboards.models import RepeatRepair
from dashboards.tasks import detect_repeat_repairs
from servicecenter.exceptions import DomainError
from tests.factories import BuildingFactory, UnitFactory, make_staff
from tests.tickets.factories import TicketFactory
from tickets.models import PublicLocation, RootCause, Ticket, TicketCategory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=TZ)


def at(month, day, hour=10, minute=0, second=0, year=2025):
    return datetime(year, month, day, hour, minute, second, tzinfo=TZ)


def _categories():
    first, second = TicketCategory.objects.filter(is_active=True).order_by("sort_order", "code")[:2]
    return first, second


def _ticket(unit=None, *, when, kind=Ticket.Kind.REPAIR, category=None, place=None, **extra):
    fields = {"unit": unit, "created_at": when, "kind": kind, **extra}
    if category is not None:
        fields["category"] = category
    if place is not None:
        fields["public_location"] = place
        fields["estate"] = place.estate
    return TicketFactory(**fields)


@pytest.fixture
def world(estate_a, estate_b, building_a, unit_a, unit_a2, unit_b):
    """Building 3 (two units) and building 5 of estate A, a lobby in building 5 and a gate outside
    any building; tickets over April-June 2025 and one in estate B."""
    cat1, cat2 = _categories()
    building5 = BuildingFactory(estate=estate_a, code="5", name="5栋")
    unit5 = UnitFactory(building=building5, entrance="1", number="0101")
    lobby = PublicLocation.objects.create(estate=estate_a, building=building5, name="5栋大堂")
    gate = PublicLocation.objects.create(estate=estate_a, name="北门")
    _ticket(unit_a, when=at(6, 1), category=cat1)
    _ticket(unit_a2, when=at(6, 2), kind=Ticket.Kind.COMPLAINT, category=cat2)
    _ticket(unit_a, when=at(5, 20), category=cat1)
    _ticket(unit5, when=at(4, 3), category=cat1)
    _ticket(when=at(6, 5), place=lobby, category=cat2)
    _ticket(when=at(6, 6), place=gate, kind=Ticket.Kind.COMPLAINT, category=cat2)
    _ticket(unit_a, when=at(6, 7), category=cat1, status=Ticket.Status.CANCELLED)  # not counted
    _ticket(unit_a, when=at(6, 8), kind=Ticket.Kind.INQUIRY, category=cat1)  # not counted
    _ticket(unit_b, when=at(6, 3), category=cat1)  # another estate
    return {"building5": building5, "lobby": lobby, "gate": gate, "cat1": cat1, "cat2": cat2}


def _row(table, label):
    return next(row for row in table.rows if row.label == label)


def test_heat_table_by_building_counts_per_month(world, estate_a):
    table = hotspots.heat_table(estate=estate_a, grain=hotspots.MONTH, count=6, now=NOW)
    assert [p.label for p in table.periods] == [
        "2025-01",
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-05",
        "2025-06",
    ]
    assert _row(table, "3栋").cells[-1].count == 2  # June: unit_a repair, unit_a2 complaint
    assert _row(table, "3栋").cells[-2].count == 1  # May
    assert _row(table, "3栋").total == 3
    # building 5: the April repair of its unit and the June repair in its lobby
    assert [c.count for c in _row(table, "5栋").cells] == [0, 0, 0, 1, 0, 1]
    # the gate is outside any building
    assert _row(table, "No building (outside or unknown)").total == 1
    assert table.total == 6  # not the cancelled one, the inquiry, nor estate B's
    assert table.rows[0].label == "3栋"  # the most tickets first
    # shades: the largest cell is level 4, a cell of half of it level 2
    assert _row(table, "3栋").cells[-1].level == 4
    assert _row(table, "3栋").cells[-2].level == 2
    assert _row(table, "3栋").cells[0].level == 0


def test_heat_cell_links_to_the_same_tickets_in_the_list(world, estate_a, users, client_as):
    table = hotspots.heat_table(estate=estate_a, now=NOW)
    url = _row(table, "5栋").cells[-1].url
    assert f"building={world['building5'].pk}" in url
    assert "created_after=2025-06-01" in url and "created_before=2025-06-30" in url
    response = client_as(users["supervisor"]).get(url)
    assert response.status_code == 200
    shown = [t.pk for t in response.context["page"].object_list]
    assert shown == list(Ticket.objects.filter(public_location=world["lobby"]).values_list("pk", flat=True))


def test_heat_table_by_location_category_and_kind(world, estate_a):
    by_place = hotspots.heat_table(estate=estate_a, dimension=hotspots.BY_LOCATION, now=NOW)
    assert {row.label: row.total for row in by_place.rows} == {"5栋大堂": 1, "北门": 1}
    complaints = hotspots.heat_table(
        estate=estate_a, kind=hotspots.COMPLAINT, dimension=hotspots.BY_CATEGORY, now=NOW
    )
    assert {row.key: row.total for row in complaints.rows} == {world["cat2"].pk: 2}
    repairs = hotspots.heat_table(
        estate=estate_a, kind=hotspots.REPAIR, dimension=hotspots.BY_CATEGORY, now=NOW
    )
    assert {row.key: row.total for row in repairs.rows} == {world["cat1"].pk: 3, world["cat2"].pk: 1}


def test_heat_table_by_week(world, estate_a):
    table = hotspots.heat_table(estate=estate_a, grain=hotspots.WEEK, count=6, now=NOW)
    assert table.periods[-1].start == date(2025, 6, 9)  # the Monday of 15 June's week
    assert table.periods[0].start == date(2025, 5, 5)
    # 1 June (a Sunday) is in the week of 26 May; 2-8 June in the week of 2 June
    weeks = {p.start: i for i, p in enumerate(table.periods)}
    assert _row(table, "3栋").cells[weeks[date(2025, 5, 26)]].count == 1
    assert _row(table, "3栋").cells[weeks[date(2025, 6, 2)]].count == 1
    assert _row(table, "3栋").cells[weeks[date(2025, 5, 19)]].count == 1


def test_heat_table_takes_a_fixed_number_of_queries(world, estate_a, unit_a, django_assert_num_queries):
    with django_assert_num_queries(2):
        hotspots.heat_table(estate=estate_a, now=NOW)
    for day in range(1, 20):
        _ticket(UnitFactory(building=BuildingFactory(estate=estate_a, code=f"Q{day}")), when=at(5, day))
    with django_assert_num_queries(2):
        table = hotspots.heat_table(estate=estate_a, now=NOW)
    assert len(table.rows) == 22


def test_root_causes_with_shares_and_the_previous_period(estate_a, unit_a):
    water, noise = RootCause.objects.filter(is_active=True).order_by("sort_order", "code")[:2]
    for when, cause in [
        (at(6, 1), water),
        (at(5, 1), water),
        (at(4, 1), noise),
        (at(3, 1), None),  # not analysed yet
        (at(2, 1), noise),  # the previous period: Jan-Mar
        (at(12, 30, year=2024), noise),  # before it: not counted
    ]:
        _ticket(unit_a, when=when, kind=Ticket.Kind.COMPLAINT, root_cause=cause)
    _ticket(unit_a, when=at(6, 2), kind=Ticket.Kind.REPAIR, root_cause=water)  # not a complaint
    result = hotspots.root_cause_breakdown(estate=estate_a, grain=hotspots.MONTH, count=3, now=NOW)
    assert (result.start, result.end, result.previous_start) == (
        date(2025, 4, 1),
        date(2025, 7, 1),
        date(2025, 1, 1),
    )
    rows = {row.key: row for row in result.rows}
    assert (result.total, result.previous_total) == (3, 2)
    assert (rows[water.pk].count, rows[water.pk].previous_count, rows[water.pk].change) == (2, 0, 2)
    assert rows[water.pk].share == round(2 / 3, 4)
    assert (rows[noise.pk].count, rows[noise.pk].previous_count, rows[noise.pk].change) == (1, 1, 0)
    assert rows[noise.pk].previous_share == 0.5
    assert (rows[None].count, rows[None].previous_count, rows[None].previous_share) == (0, 1, 0.5)
    assert result.rows[0].key == water.pk


# --- repeat repairs -------------------------------------------------------------------------------


def test_a_repair_30_times_24_hours_after_another_is_a_repeat(unit_a):
    cat, _ = _categories()
    first = _ticket(unit_a, when=at(5, 1, 9), category=cat)
    second = _ticket(unit_a, when=at(5, 31, 9), category=cat)  # exactly 720 hours later
    assert services_repeats.detect_repeat_repairs() == 1
    repeat = RepeatRepair.objects.get()
    assert (repeat.ticket, repeat.previous, repeat.unit, repeat.gap) == (
        second,
        first,
        unit_a,
        timedelta(days=30),
    )


def test_a_repair_one_second_past_30_times_24_hours_is_not_a_repeat(unit_a):
    cat, _ = _categories()
    _ticket(unit_a, when=at(5, 1, 9), category=cat)
    _ticket(unit_a, when=at(5, 31, 9, second=1), category=cat)
    assert services_repeats.detect_repeat_repairs() == 0
    assert not RepeatRepair.objects.exists()


def test_only_the_same_place_and_category_and_the_nearest_earlier_repair(unit_a, unit_a2, estate_a):
    cat1, cat2 = _categories()
    lobby = PublicLocation.objects.create(estate=estate_a, name="大堂")
    _ticket(unit_a, when=at(5, 1), category=cat1)
    nearest = _ticket(unit_a, when=at(5, 5), category=cat1)
    latest = _ticket(unit_a, when=at(5, 10), category=cat1)
    _ticket(unit_a, when=at(5, 11), category=cat2)  # another category
    _ticket(unit_a2, when=at(5, 12), category=cat1)  # another unit
    _ticket(unit_a, when=at(5, 13), category=cat1, status=Ticket.Status.CANCELLED)  # cancelled
    _ticket(unit_a, when=at(5, 14), category=cat1, kind=Ticket.Kind.COMPLAINT)  # not a repair
    place_first = _ticket(when=at(5, 2), place=lobby, category=cat2)
    place_again = _ticket(when=at(5, 20), place=lobby, category=cat2)
    services_repeats.detect_repeat_repairs()
    pairs = set(RepeatRepair.objects.values_list("ticket_id", "previous_id"))
    assert (latest.pk, nearest.pk) in pairs
    assert (place_again.pk, place_first.pk) in pairs
    assert len(pairs) == 3  # nearest←first, latest←nearest, lobby
    assert RepeatRepair.objects.get(ticket=place_again).public_location == lobby


def test_detection_run_twice_records_a_pair_once(unit_a, estate_a):
    cat, _ = _categories()
    _ticket(unit_a, when=at(6, 1), category=cat)
    _ticket(unit_a, when=at(6, 3), category=cat)
    assert detect_repeat_repairs.delay(estate_id=estate_a.pk).get() == 1
    assert detect_repeat_repairs.delay(estate_id=estate_a.pk).get() == 0
    assert services_repeats.detect_repeat_repairs() == 0
    assert RepeatRepair.objects.count() == 1


def test_nightly_run_looks_back_40_days(unit_a):
    cat, _ = _categories()
    now = at(6, 15)
    _ticket(unit_a, when=now - timedelta(days=45), category=cat)
    _ticket(unit_a, when=now - timedelta(days=42), category=cat)  # a repeat, but too old for tonight
    _ticket(unit_a, when=now - timedelta(days=20), category=cat)
    assert services_repeats.detect_recent_repeat_repairs(now=now) == 1


@pytest.fixture
def repeat(unit_a):
    cat, _ = _categories()
    _ticket(unit_a, when=at(6, 1), category=cat)
    later = _ticket(unit_a, when=at(6, 3), category=cat)
    services_repeats.detect_repeat_repairs()
    return RepeatRepair.objects.get(ticket=later)


def test_working_through_a_repeat_writes_each_step(repeat, users, estate_b):
    manager = users["manager"]
    cause = RootCause.objects.filter(is_active=True).first()
    services_repeats.acknowledge_repeat_repair(repeat=repeat, actor=manager, note="看过了")
    outsider = make_staff("technician", estate_b, username="tech-b")
    with pytest.raises(DomainError) as refused:
        services_repeats.assign_repeat_repair_action(
            repeat=repeat,
            actor=manager,
            root_cause=cause,
            action_description="更换水管",
            owner=outsider,
            due_date=date.today() + timedelta(days=3),
        )
    assert refused.value.code == "owner_not_in_estate"
    with pytest.raises(DomainError) as refused:
        services_repeats.assign_repeat_repair_action(
            repeat=repeat,
            actor=manager,
            root_cause=cause,
            action_description="更换水管",
            owner=users["technician"],
            due_date=date.today() - timedelta(days=1),
        )
    assert refused.value.code == "due_date_past"
    repeat.refresh_from_db()
    assert repeat.status == RepeatRepair.Status.ACKNOWLEDGED
    services_repeats.assign_repeat_repair_action(
        repeat=repeat,
        actor=manager,
        root_cause=cause,
        action_description="更换水管",
        owner=users["technician"],
        due_date=date.today() + timedelta(days=3),
    )
    services_repeats.close_repeat_repair(repeat=repeat, actor=manager, outcome="已更换")
    repeat.refresh_from_db()
    assert (repeat.status, repeat.root_cause, repeat.action_owner) == ("closed", cause, users["technician"])
    assert list(repeat.events.values_list("from_status", "to_status", "actor")) == [
        ("open", "acknowledged", manager.pk),
        ("acknowledged", "action_assigned", manager.pk),
        ("action_assigned", "closed", manager.pk),
    ]


# --- pages, API, scope ----------------------------------------------------------------------------


@pytest.fixture
def recent(estate_a, unit_a):
    """Tickets of the last few minutes (the pages and the API count up to the real now)."""
    lobby = PublicLocation.objects.create(estate=estate_a, name="5栋大堂")
    now = timezone.now()
    _ticket(when=now - timedelta(minutes=5), place=lobby)
    _ticket(unit_a, when=now - timedelta(minutes=3))
    _ticket(unit_a, when=now - timedelta(minutes=1), kind=Ticket.Kind.COMPLAINT)
    return lobby


def test_pages_render_for_the_manager(recent, repeat, users, client_as):
    client = client_as(users["manager"])
    heat = client.get(reverse("hotspots:heat"), {"dimension": "location", "grain": "week", "count": "12"})
    assert heat.status_code == 200
    assert "5栋大堂" in heat.content.decode()
    assert client.get(reverse("hotspots:repeats")).status_code == 200
    detail = client.get(reverse("hotspots:repeat_detail", args=[repeat.pk]))
    assert [a["name"] for a in detail.context["actions"]] == ["acknowledge", "dismiss"]


def test_bad_filters_are_a_clear_400(users, client_as, estate_a):
    response = client_as(users["manager"]).get(reverse("hotspots:heat"), {"kind": "x", "count": "7"})
    assert response.status_code == 400
    assert response.context["errors"]


def test_another_estates_supervisor_and_residents_get_404(
    repeat, estate_a, estate_b, resident, client_as, api_as
):
    other = make_staff("supervisor", estate_b, username="supervisor-b")
    client = client_as(other)
    assert client.get(reverse("hotspots:heat"), {"estate": estate_a.pk}).status_code == 404
    assert client.get(reverse("hotspots:repeats"), {"estate": estate_a.pk}).status_code == 404
    assert client.get(reverse("hotspots:repeat_detail", args=[repeat.pk])).status_code == 404
    posted = client.post(reverse("hotspots:repeat_action", args=[repeat.pk, "acknowledge"]))
    assert posted.status_code == 404
    api = api_as(other)
    assert api.get("/api/hotspots/heat/", {"estate": estate_a.pk}).status_code == 404
    assert api.get(f"/api/repeat-repairs/{repeat.pk}/").status_code == 404
    assert api.get("/api/repeat-repairs/").json()["results"] == []
    client.logout()
    resident_client = client_as(resident)
    assert resident_client.get(reverse("hotspots:heat")).status_code == 404
    assert resident_client.get(reverse("hotspots:repeat_detail", args=[repeat.pk])).status_code == 404
    repeat.refresh_from_db()
    assert repeat.status == RepeatRepair.Status.OPEN


def test_repeat_list_takes_a_fixed_number_of_queries(
    users, client_as, estate_a, django_assert_max_num_queries
):
    cat, _ = _categories()
    for i in range(12):
        unit = UnitFactory(building=BuildingFactory(estate=estate_a, code=f"R{i}"))
        _ticket(unit, when=at(6, 1), category=cat)
        _ticket(unit, when=at(6, 2 + i % 5), category=cat)
    services_repeats.detect_repeat_repairs()
    client = client_as(users["manager"])
    client.get(reverse("hotspots:repeats"))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("hotspots:repeats"))
    assert len(response.context["page"].object_list) == 12


def test_api_heat_and_acknowledge(recent, repeat, users, api_as, estate_a):
    api = api_as(users["supervisor"])
    heat = api.get("/api/hotspots/heat/", {"estate": estate_a.pk, "dimension": "location"})
    assert heat.status_code == 200
    assert [(row["label"], row["total"]) for row in heat.json()["rows"]] == [("5栋大堂", 1)]
    causes = api.get("/api/hotspots/root-causes/", {"estate": estate_a.pk})
    assert causes.status_code == 200
    assert api.get("/api/hotspots/heat/", {"kind": "nonsense"}).status_code == 400
    done = api.post(f"/api/repeat-repairs/{repeat.pk}/acknowledge/", {"note": "收到"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "acknowledged"
    again = api.post(f"/api/repeat-repairs/{repeat.pk}/acknowledge/", {}, format="json")
    assert again.status_code in (400, 409)
    assert (
        api_as(users["company"])
        .post(f"/api/repeat-repairs/{repeat.pk}/dismiss/", {"reason": "x"})
        .status_code
        == 403
    )
