"""The staff admin: teams, profiles, zones and notifications, scoped to the user's estates."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from residents.models import Estate
from servicecenter.admin import scope_queryset
from staff.models import Notification, OutboundMessage, StaffProfile, Team, Zone
from tests.factories import BuildingFactory, EstateFactory, TeamFactory, UserFactory, make_staff, make_zone


@pytest.fixture
def admin_manager(estate_a):
    return make_staff("manager", estate_a, username="admin-manager", is_staff=True)


@pytest.fixture
def admin_company(db):
    return make_staff("company", username="admin-company", is_staff=True)


def _url(model, view="changelist", *args):
    return reverse(f"admin:staff_{model._meta.model_name}_{view}", args=args)


def test_team_changelist_is_scoped(client_as, admin_manager, admin_company, estate_a, estate_b):
    team_a = TeamFactory(estate=estate_a, name="维修组")
    team_b = TeamFactory(estate=estate_b, name="滨江维修组")
    response = client_as(admin_manager).get(_url(Team))
    assert list(response.context["cl"].result_list) == [team_a]
    assert client_as(admin_manager).get(_url(Team, "change", team_b.pk)).status_code in (302, 404)
    response = client_as(admin_company).get(_url(Team))
    assert set(response.context["cl"].result_list) == {team_a, team_b}


def test_staff_profile_on_two_visible_estates_is_listed_once(client_as, admin_manager, estate_a):
    estate_c = EstateFactory(name="东湖园", code="DHY")
    admin_manager.staff_profile.estates.add(estate_c)
    make_staff("clerk", estate_a, estate_c, username="clerk-two")
    response = client_as(admin_manager).get(_url(StaffProfile), {"q": "clerk-two"})
    assert [p.user.username for p in response.context["cl"].result_list] == ["clerk-two"]
    profile = StaffProfile.objects.get(user__username="clerk-two")
    assert client_as(admin_manager).get(_url(StaffProfile, "change", profile.pk)).status_code == 200


def test_staff_profile_of_another_estate_is_hidden(client_as, admin_manager, estate_b):
    other = make_staff("clerk", estate_b, username="clerk-b")
    response = client_as(admin_manager).get(_url(StaffProfile))
    assert other.staff_profile not in response.context["cl"].result_list


def test_saving_a_profile_keeps_the_estates_the_editor_cannot_see(
    client_as, admin_manager, estate_a, estate_b
):
    clerk = make_staff("clerk", estate_a, estate_b, username="clerk-ab")
    profile = clerk.staff_profile
    client = client_as(admin_manager)
    form = client.get(_url(StaffProfile, "change", profile.pk)).context["adminform"].form
    assert list(form.fields["estates"].queryset) == [estate_a]
    response = client.post(
        _url(StaffProfile, "change", profile.pk),
        {"estates": [estate_a.pk], "team": "", "phone": "0571-1234", "title": "文员"},
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert set(profile.estates.all()) == {estate_a, estate_b}
    assert profile.title == "文员"


def test_profile_estate_choices_refuse_an_estate_the_editor_cannot_see(
    client_as, admin_manager, estate_a, estate_b
):
    clerk = make_staff("clerk", estate_a, username="clerk-a")
    response = client_as(admin_manager).post(
        _url(StaffProfile, "change", clerk.staff_profile.pk),
        {"estates": [estate_a.pk, estate_b.pk], "team": "", "phone": "", "title": ""},
    )
    assert response.status_code == 200
    assert "estates" in response.context["adminform"].form.errors
    assert list(clerk.staff_profile.estates.all()) == [estate_a]


def test_zone_with_buildings_inline(client_as, admin_manager, estate_a, users):
    building = BuildingFactory(estate=estate_a, code="7")
    response = client_as(admin_manager).post(
        _url(Zone, "add"),
        {
            "estate": estate_a.pk,
            "name": "二区",
            "housekeeper": users["housekeeper"].pk,
            "zone_buildings-TOTAL_FORMS": "1",
            "zone_buildings-INITIAL_FORMS": "0",
            "zone_buildings-MIN_NUM_FORMS": "0",
            "zone_buildings-MAX_NUM_FORMS": "1000",
            "zone_buildings-0-building": building.pk,
        },
    )
    assert response.status_code == 302
    zone = Zone.objects.get(name="二区")
    assert list(zone.buildings.all()) == [building]
    assert zone.housekeeper == users["housekeeper"]


def test_zone_inline_refuses_a_building_of_another_estate(client_as, estate_a, estate_b):
    # A superuser sees both estates, so only the same-estate rule can refuse the building.
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    other_building = BuildingFactory(estate=estate_b, code="A")
    response = client_as(superuser).post(
        _url(Zone, "add"),
        {
            "estate": estate_a.pk,
            "name": "二区",
            "housekeeper": "",
            "zone_buildings-TOTAL_FORMS": "1",
            "zone_buildings-INITIAL_FORMS": "0",
            "zone_buildings-MIN_NUM_FORMS": "0",
            "zone_buildings-MAX_NUM_FORMS": "1000",
            "zone_buildings-0-building": other_building.pk,
        },
    )
    assert response.status_code == 200
    assert "another estate" in response.content.decode()
    assert not Zone.objects.filter(name="二区").exists()


def test_zone_housekeeper_choices_are_housekeepers_of_the_users_estates(
    client_as, admin_manager, users, estate_b
):
    make_staff("housekeeper", estate_b, username="housekeeper-b")
    form = client_as(admin_manager).get(_url(Zone, "add")).context["adminform"].form
    assert list(form.fields["housekeeper"].queryset) == [users["housekeeper"]]
    assert list(form.fields["estate"].queryset) == [Estate.objects.get(code="LJY")]


def test_zone_changelist_is_scoped(client_as, admin_manager, estate_a, estate_b, users):
    zone_a = make_zone(estate_a, users["housekeeper"], BuildingFactory(estate=estate_a, code="8"))
    make_zone(estate_b, None, BuildingFactory(estate=estate_b, code="B"), name="B区")
    response = client_as(admin_manager).get(_url(Zone))
    assert list(response.context["cl"].result_list) == [zone_a]
    assert response.context["cl"].result_list[0].building_count == 1


def test_notifications_and_outbound_messages_are_read_only_and_masked(client_as, estate_a, estate_b):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    recipient = make_staff("clerk", estate_a, username="clerk-n")
    notification = Notification.objects.create(
        recipient=recipient, estate=estate_a, kind="test", title="测试通知"
    )
    message = OutboundMessage.objects.create(
        notification=notification,
        channel="sms",
        address="13911112222",
        body="测试通知",
        not_before=timezone.now(),
    )
    client = client_as(superuser)
    assert "测试通知" in client.get(_url(Notification)).content.decode()
    assert client.get(_url(Notification, "add")).status_code == 403
    html = client.get(_url(OutboundMessage)).content.decode()
    assert "139****2222" in html and "13911112222" not in html
    client.post(_url(OutboundMessage, "change", message.pk), {"status": "sent", "body": "x"})
    message.refresh_from_db()
    assert (message.status, message.body) == ("pending", "测试通知")


def test_notifications_are_scoped_by_estate(client_as, estate_a, estate_b):
    viewer = make_staff("manager", estate_a, username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    recipient = make_staff("clerk", estate_a, estate_b, username="clerk-ab")
    mine = Notification.objects.create(recipient=recipient, estate=estate_a, kind="k", title="A")
    Notification.objects.create(recipient=recipient, estate=estate_b, kind="k", title="B")
    response = client_as(viewer).get(_url(Notification))
    assert list(response.context["cl"].result_list) == [mine]


def test_scope_queryset_hides_unscoped_models_from_single_estate_staff(
    admin_manager, admin_company, estate_a
):
    notification = Notification.objects.create(recipient=admin_manager, kind="x", title="t", estate=None)
    assert list(scope_queryset(Notification.objects.all(), admin_company)) == [notification]
    assert not scope_queryset(Notification.objects.all(), admin_manager).exists()
    scoped_by_path = scope_queryset(Notification.objects.all(), admin_manager, "estate")
    assert not scoped_by_path.exists()
    notification.estate = estate_a
    notification.save()
    assert list(scope_queryset(Notification.objects.all(), admin_manager, "estate")) == [notification]
