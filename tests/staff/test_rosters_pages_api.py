"""The rosters' pages and API: the grid, swaps, on-duty, zones; scoping, errors and query counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from staff import services_rosters as rosters
from staff.models import RosterEntry, ShiftType, SwapRequest, ZoneBuilding
from tests.factories import BuildingFactory, TeamFactory, make_staff, make_zone

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 3, 1)


@pytest.fixture
def team(estate_a):
    return TeamFactory(estate=estate_a, name="客服组")


@pytest.fixture
def supervisor(estate_a, team):
    return make_staff("supervisor", estate_a, username="sup", team=team)


@pytest.fixture
def members(estate_a, team):
    return [make_staff("frontdesk", estate_a, username=f"desk{i}", team=team) for i in range(5)]


def _type(estate, code):
    return ShiftType.objects.get(estate=estate, code=code)


def _fill_week(supervisor, team, members):
    codes = ["morning", "evening", "office", "night_on_call", None]
    for index, user in enumerate(members):
        for offset in range(7):
            code = codes[(index + offset) % len(codes)]
            rosters.set_roster_entry(
                actor=supervisor,
                team=team,
                user=user,
                day=MONDAY + timedelta(days=offset),
                shift_type=_type(team.estate, code) if code else None,
                acknowledge_conflict=True,
                conflict_note="测试",
            )


def test_the_grid_page_shows_the_week_in_a_few_queries(
    client_as, supervisor, team, members, django_assert_max_num_queries
):
    _fill_week(supervisor, team, members)
    client = client_as(supervisor)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("staff:roster"), {"team": team.pk, "week": MONDAY.isoformat()})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'name="cell-{members[0].pk}-{MONDAY.isoformat()}"' in body
    assert "roster-conflicts" in body


def test_saving_the_grid_writes_the_cells_and_a_refusal_changes_nothing(client_as, supervisor, team, members):
    client = client_as(supervisor)
    morning = _type(team.estate, "morning")
    url = reverse("staff:roster_save")
    response = client.post(
        url,
        {
            "team": team.pk,
            "week": MONDAY.isoformat(),
            f"cell-{members[0].pk}-{MONDAY.isoformat()}": morning.pk,
        },
    )
    assert response.status_code == 302
    assert RosterEntry.objects.get(user=members[0], day=MONDAY).shift_type == morning
    other_team = TeamFactory(estate=team.estate, name="维修组")
    rosters.set_roster_entry(
        actor=supervisor, team=other_team, user=members[1], day=MONDAY, shift_type=morning
    )
    response = client.post(
        url,
        {
            "team": team.pk,
            "week": MONDAY.isoformat(),
            f"cell-{members[0].pk}-{MONDAY.isoformat()}": "off",
            f"cell-{members[1].pk}-{MONDAY.isoformat()}": _type(team.estate, "evening").pk,
        },
        follow=True,
    )
    assert "overlapping" in response.content.decode() or "重叠" in response.content.decode()
    assert RosterEntry.objects.get(user=members[0], day=MONDAY).shift_type == morning


def test_a_front_desk_member_sees_the_grid_without_selects_and_may_not_save(client_as, team, members):
    client = client_as(members[0])
    response = client.get(reverse("staff:roster"), {"team": team.pk})
    assert response.status_code == 200
    assert 'name="cell-' not in response.content.decode()
    assert client.post(reverse("staff:roster_save"), {"team": team.pk}).status_code == 403


def test_on_duty_api_at_the_1730_boundary(api_as, supervisor, team, members, django_assert_max_num_queries):
    rosters.set_roster_entry(
        actor=supervisor, team=team, user=members[0], day=MONDAY, shift_type=_type(team.estate, "morning")
    )
    late = ShiftType.objects.create(
        estate=team.estate,
        code="late",
        name="晚二",
        start=datetime(2000, 1, 1, 17, 30).time(),
        end=datetime(2000, 1, 1, 1, 0).time(),
    )
    rosters.set_roster_entry(actor=supervisor, team=team, user=members[1], day=MONDAY, shift_type=late)
    client = api_as(members[2])
    at = timezone.make_aware(datetime(2027, 3, 1, 17, 30)).isoformat()
    with django_assert_max_num_queries(12):
        response = client.get("/api/staff/on-duty/", {"estate": team.estate_id, "at": at})
    assert response.status_code == 200, response.content
    [row] = [t for t in response.json()["teams"] if t["team"] == team.pk]
    assert [e["user"] for e in row["on_duty"]] == [members[1].pk]
    after_midnight = timezone.make_aware(datetime(2027, 3, 2, 0, 30)).isoformat()
    row = [
        t
        for t in client.get("/api/staff/on-duty/", {"estate": team.estate_id, "at": after_midnight}).json()[
            "teams"
        ]
        if t["team"] == team.pk
    ][0]
    assert [e["user"] for e in row["on_duty"]] == [members[1].pk]


def test_on_duty_api_refuses_another_estate_and_a_missing_estate(api_as, estate_b, members):
    client = api_as(members[0])
    assert client.get("/api/staff/on-duty/", {"estate": estate_b.pk}).status_code == 404
    assert client.get("/api/staff/on-duty/").status_code == 400


def test_roster_entry_api_filters_by_week_and_refuses_a_double_booking(
    api_as, supervisor, team, members, django_assert_max_num_queries
):
    _fill_week(supervisor, team, members)
    client = api_as(supervisor)
    with django_assert_max_num_queries(10):
        response = client.get(
            "/api/roster-entries/", {"team": team.pk, "week": (MONDAY + timedelta(days=3)).isoformat()}
        )
    assert response.status_code == 200
    assert response.json()["count"] == 35
    other_team = TeamFactory(estate=team.estate, name="维修组")
    morning_user = RosterEntry.objects.filter(team=team, day=MONDAY, shift_type__code="morning").first().user
    body = {
        "team": other_team.pk,
        "user": morning_user.pk,
        "day": MONDAY.isoformat(),
        "shift_type": _type(team.estate, "morning").pk,
    }
    refused = client.post("/api/roster-entries/", body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "double_booking"
    accepted = client.post(
        "/api/roster-entries/", {**body, "acknowledge_conflict": True, "conflict_note": "支援"}, format="json"
    )
    assert accepted.status_code == 201, accepted.content


def test_shift_type_api_refuses_an_end_equal_to_its_start(api_as, users, estate_a):
    client = api_as(users["manager"])
    response = client.post(
        "/api/shift-types/",
        {"estate": estate_a.pk, "code": "x", "name": "X", "start": "09:00", "end": "09:00"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_shift_type"
    assert not ShiftType.objects.filter(code="x").exists()


def test_swap_api_request_and_approve(api_as, supervisor, team, members, estate_a):
    entry = rosters.set_roster_entry(
        actor=supervisor,
        team=team,
        user=members[0],
        day=timezone.localdate() + timedelta(days=2),
        shift_type=_type(estate_a, "morning"),
    )
    asked = api_as(members[0]).post(
        "/api/shift-swaps/", {"entry": entry.pk, "counterpart": members[0].pk}, format="json"
    )
    assert asked.status_code == 400 and asked.json()["code"] == "swap_with_self"
    asked = api_as(members[0]).post(
        "/api/shift-swaps/", {"entry": entry.pk, "counterpart": members[1].pk}, format="json"
    )
    assert asked.status_code == 201
    assert (
        api_as(members[1])
        .post(f"/api/shift-swaps/{asked.json()['id']}/approve/", {}, format="json")
        .status_code
        == 403
    )
    approved = api_as(supervisor).post(f"/api/shift-swaps/{asked.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    entry.refresh_from_db()
    assert entry.user == members[1]
    again = api_as(supervisor).post(f"/api/shift-swaps/{asked.json()['id']}/reject/", {}, format="json")
    assert again.status_code == 409


def test_the_swap_pages(client_as, supervisor, team, members, estate_a, django_assert_max_num_queries):
    day = timezone.localdate() + timedelta(days=2)
    entry = rosters.set_roster_entry(
        actor=supervisor, team=team, user=members[0], day=day, shift_type=_type(estate_a, "morning")
    )
    for other in members[1:]:
        SwapRequest.objects.create(
            estate=estate_a, requested_by=members[0], entry=entry, counterpart=other, status="rejected"
        )
    client = client_as(members[0])
    response = client.post(
        reverse("staff:swap_new"), {"entry": entry.pk, "counterpart": members[1].pk, "reason": "看病"}
    )
    assert response.status_code == 302
    swap = SwapRequest.objects.get(status="requested")
    client = client_as(supervisor)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("staff:swaps")).status_code == 200
    client.post(reverse("staff:swap_action", args=[swap.pk, "reject"]), {"note": "人手不足"})
    swap.refresh_from_db()
    assert swap.status == "rejected"


def test_the_zone_page_redraws_and_warns_of_uncovered_buildings(client_as, supervisor, estate_a, users):
    first, second = BuildingFactory(estate=estate_a, code="1"), BuildingFactory(estate=estate_a, code="2")
    zone_one = make_zone(estate_a, users["housekeeper"], first, name="一区")
    zone_two = make_zone(estate_a, None, name="二区")
    client = client_as(supervisor)
    page = client.get(reverse("staff:zones"), {"estate": estate_a.pk})
    assert page.status_code == 200 and "uncovered" in page.content.decode()
    response = client.post(
        reverse("staff:zones"),
        {"estate": estate_a.pk, f"building-{first.pk}": zone_two.pk, f"building-{second.pk}": zone_one.pk},
    )
    assert response.status_code == 302
    assert dict(ZoneBuilding.objects.values_list("building_id", "zone_id")) == {
        first.pk: zone_two.pk,
        second.pk: zone_one.pk,
    }
    assert "uncovered" not in client.get(reverse("staff:zones"), {"estate": estate_a.pk}).content.decode()
    assert client_as(users["frontdesk"]).get(reverse("staff:zones")).status_code == 403
