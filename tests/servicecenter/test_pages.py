import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_login_and_logout_round_trip(client, users):
    users["frontdesk"].set_password("s3cret-pass")
    users["frontdesk"].save()
    response = client.post(reverse("login"), {"username": "frontdesk", "password": "s3cret-pass"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_pages_need_a_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_residents_land_on_the_portal_and_see_only_their_unit(client_as, resident, unit_a, unit_a2):
    client = client_as(resident)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("portal:home")
    page = client.get(reverse("portal:home")).content.decode()
    assert unit_a.code in page
    assert unit_a2.code not in page


@pytest.mark.django_db
def test_staff_menu_follows_permissions(client_as, users):
    # The manager lands on the dashboard (issue #15), which carries the same menu.
    manager_page = client_as(users["manager"]).get(reverse("home"), follow=True).content.decode()
    # A technician lands on their work page, which carries the same menu.
    technician_page = client_as(users["technician"]).get(reverse("home"), follow=True).content.decode()
    assert reverse("residents:access_log") in manager_page
    assert reverse("residents:access_log") not in technician_page
    assert reverse("residents:person_list") not in technician_page


@pytest.mark.django_db
def test_language_switch_changes_the_page_language(client, users):
    client.force_login(users["frontdesk"])
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "退出" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log out" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_global_search_is_scoped_to_the_users_estates(client_as, users, unit_a, unit_b):
    page = client_as(users["frontdesk"]).get(reverse("search"), {"q": "0801"}).content.decode()
    assert unit_b.code not in page
    page = client_as(users["company"]).get(reverse("search"), {"q": unit_b.code}).content.decode()
    assert unit_b.code in page


@pytest.mark.django_db
def test_global_search_query_count_does_not_grow_with_results(
    client_as, users, building_a, django_assert_max_num_queries
):
    from tests.factories import OccupancyFactory, UnitFactory

    for n in range(30):
        OccupancyFactory(unit=UnitFactory(building=building_a, entrance="5", number=f"{n + 100}"))
    client = client_as(users["frontdesk"])
    with django_assert_max_num_queries(10):
        page = client.get(reverse("search"), {"q": "3-5"})
    assert page.content.decode().count("3-5-1") >= 20


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["billing:bill_list", "tickets:list", "residents:unit_list"])
def test_residents_are_kept_out_of_desk_pages_even_with_portal_permissions(client_as, resident, url_name):
    # Residents hold view permissions for their portal pages; the desk pages are for staff only,
    # and for a resident they do not exist (404, never a 403 that confirms them).
    assert client_as(resident).get(reverse(url_name)).status_code == 404
