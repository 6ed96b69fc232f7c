"""Read-only staff API: teams and zones, scoped to the user's estates."""

import pytest

from tests.factories import BuildingFactory, TeamFactory, make_staff, make_zone


@pytest.fixture
def teams(estate_a, estate_b):
    return TeamFactory(estate=estate_a, name="维修组"), TeamFactory(
        estate=estate_b, name="保洁组", kind="cleaning"
    )


@pytest.mark.django_db
def test_teams_are_scoped_to_the_users_estates(api_as, users, teams):
    team_a, team_b = teams
    client = api_as(users["supervisor"])
    response = client.get("/api/teams/")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [team_a.pk]
    assert response.json()["results"][0]["kind"] == "maintenance"
    assert client.get(f"/api/teams/{team_b.pk}/").status_code == 404
    assert {t["id"] for t in api_as(users["company"]).get("/api/teams/").json()["results"]} == {
        team_a.pk,
        team_b.pk,
    }


@pytest.mark.django_db
def test_teams_filter_by_kind(api_as, users, estate_a, teams):
    cleaners = TeamFactory(estate=estate_a, name="保洁一组", kind="cleaning")
    response = api_as(users["manager"]).get("/api/teams/", {"kind": "cleaning"})
    assert [t["id"] for t in response.json()["results"]] == [cleaners.pk]


@pytest.mark.django_db
def test_staff_api_is_read_only_and_needs_view_permission(api_as, users, resident, teams, estate_a):
    team_a, _ = teams
    manager = api_as(users["manager"])
    assert (
        manager.post("/api/teams/", {"estate": estate_a.pk, "name": "x", "kind": "security"}).status_code
        == 405
    )
    assert manager.patch(f"/api/teams/{team_a.pk}/", {"name": "x"}).status_code == 405
    assert manager.delete(f"/api/teams/{team_a.pk}/").status_code in (403, 405)
    assert api_as(users["frontdesk"]).get("/api/teams/").status_code == 403
    assert api_as(resident).get("/api/zones/").status_code == 403
    team_a.refresh_from_db()
    assert team_a.name == "维修组"


@pytest.mark.django_db
def test_zones_list_their_buildings_and_housekeeper(api_as, users, estate_a, estate_b, building_a):
    other = BuildingFactory(estate=estate_a, code="4")
    zone = make_zone(estate_a, users["housekeeper"], building_a, other)
    hidden = make_zone(
        estate_b, make_staff("housekeeper", estate_b, username="hk-b"), BuildingFactory(estate=estate_b)
    )
    client = api_as(users["supervisor"])
    [data] = client.get("/api/zones/").json()["results"]
    assert data["id"] == zone.pk
    assert sorted(data["buildings"]) == sorted([building_a.pk, other.pk])
    assert data["housekeeper"] == users["housekeeper"].pk and data["housekeeper_name"] == "housekeeper"
    assert client.get(f"/api/zones/{hidden.pk}/").status_code == 404


@pytest.mark.django_db
def test_zone_list_query_count(api_as, users, estate_a, django_assert_max_num_queries):
    for n in range(32):
        housekeeper = make_staff("housekeeper", estate_a, username=f"hk{n}")
        make_zone(
            estate_a,
            housekeeper,
            BuildingFactory(estate=estate_a),
            BuildingFactory(estate=estate_a),
            name=f"区{n}",
        )
        TeamFactory(estate=estate_a)
    client = api_as(users["manager"])
    for url in ("/api/zones/", "/api/teams/"):
        with django_assert_max_num_queries(9):
            response = client.get(url, {"page_size": 50})
        assert len(response.json()["results"]) == 32
