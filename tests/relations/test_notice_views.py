"""Notice and event pages and API: permissions, scoping, read receipts, sign-ups, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relations.models import CommunityEvent, EventSignup, Notice, NoticeRead
from tests.factories import BuildingFactory, OccupancyFactory, UnitFactory, make_resident, make_staff
from tests.relations.notice_helpers import make_event, make_notice

pytestmark = pytest.mark.django_db


# --- desk pages ---------------------------------------------------------------------------------


def test_frontdesk_writes_and_publishes_a_notice(client_as, users, estate_a, building_a, resident):
    client = client_as(users["frontdesk"])
    today = timezone.localdate()
    response = client.post(
        reverse("relations:notice_create"),
        {
            "estate": estate_a.pk,
            "buildings": [building_a.pk],
            "title": "电梯年检",
            "body": "3栋电梯周三停用",
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=3)).isoformat(),
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "relations:notice_detail", args=[notice.pk]
    )
    client.post(reverse("relations:notice_publish", args=[notice.pk]), {"note": ""})
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED


def test_notice_form_refuses_end_before_start(client_as, users, estate_a):
    today = timezone.localdate()
    response = client_as(users["frontdesk"]).post(
        reverse("relations:notice_create"),
        {
            "estate": estate_a.pk,
            "title": "x",
            "body": "y",
            "start_date": today.isoformat(),
            "end_date": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert not Notice.objects.exists()


def test_clerk_reads_but_may_not_write(client_as, users, estate_a):
    client = client_as(users["clerk"])
    assert client.get(reverse("relations:notices")).status_code == 200
    assert client.get(reverse("relations:notice_create")).status_code == 403


def test_staff_of_another_estate_gets_404(client_as, users, estate_a, estate_b, building_a):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a])
    outsider = make_staff("frontdesk", estate_b, username="fd-b")
    assert client_as(outsider).get(reverse("relations:notice_detail", args=[notice.pk])).status_code == 404


def test_notice_detail_shows_read_counts(client_as, users, estate_a, building_a, resident, resident2):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True)
    NoticeRead.objects.create(notice=notice, user=resident)
    page = client_as(users["frontdesk"]).get(reverse("relations:notice_detail", args=[notice.pk]))
    assert "<strong>1 / 2</strong>" in page.content.decode()


def test_notice_list_queries_do_not_grow_with_rows(
    client_as, users, estate_a, building_a, django_assert_max_num_queries
):
    for i in range(12):
        make_notice(estate_a, users["manager"], buildings=[building_a], title=f"n{i}")
    client = client_as(users["frontdesk"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("relations:notices"))
    assert response.content.decode().count('href="/relations/notices/') >= 12


def test_event_detail_lists_the_sign_ups(client_as, users, estate_a, resident):
    from relations.services.events import sign_up

    event = make_event(estate_a, users["manager"], publish=True)
    sign_up(event=event, person=resident.persons.get(), user=resident)
    page = (
        client_as(users["housekeeper"])
        .get(reverse("relations:event_detail", args=[event.pk]))
        .content.decode()
    )
    assert resident.persons.get().name in page
    assert "1 / 10" in page


# --- the portal ---------------------------------------------------------------------------------


def test_portal_home_shows_current_notices(client_as, users, estate_a, building_a, resident):
    make_notice(estate_a, users["manager"], buildings=[building_a], publish=True, title="停水通知")
    make_notice(estate_a, users["manager"], buildings=[building_a], title="草稿通知")
    page = client_as(resident).get(reverse("portal:home")).content.decode()
    assert "停水通知" in page and "草稿通知" not in page


def test_opening_a_notice_records_one_read(client_as, users, estate_a, building_a, resident):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True)
    client = client_as(resident)
    assert client.get(reverse("portal:notice_detail", args=[notice.pk])).status_code == 200
    assert client.get(reverse("portal:notice_detail", args=[notice.pk])).status_code == 200
    assert NoticeRead.objects.filter(notice=notice, user=resident).count() == 1


def test_resident_of_another_building_or_estate_gets_404(
    client_as, users, estate_a, estate_b, building_a, resident
):
    other = BuildingFactory(estate=estate_a, code="9")
    theirs = make_notice(estate_a, users["manager"], buildings=[other], publish=True)
    make_staff("manager", estate_b, username="mgr-b")
    elsewhere = make_resident(
        UnitFactory(building=BuildingFactory(estate=estate_b, code="B1")), username="far"
    )
    mine = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True)
    assert client_as(resident).get(reverse("portal:notice_detail", args=[theirs.pk])).status_code == 404
    assert client_as(elsewhere).get(reverse("portal:notice_detail", args=[mine.pk])).status_code == 404
    assert not NoticeRead.objects.exists()


def test_portal_sign_up_and_cancel(client_as, users, estate_a, unit_a, resident):
    event = make_event(estate_a, users["manager"], publish=True)
    me = resident.persons.get()
    client = client_as(resident)
    page = client.get(reverse("portal:event_detail", args=[event.pk])).content.decode()
    assert f'value="{me.pk}"' in page
    client.post(reverse("portal:event_signup", args=[event.pk]), {"person": me.pk})
    assert EventSignup.objects.active().filter(person=me).exists()
    again = client.post(reverse("portal:event_signup", args=[event.pk]), {"person": me.pk}, follow=True)
    assert "already signed up" in again.content.decode()
    client.post(reverse("portal:event_signup_cancel", args=[event.pk]), {"person": me.pk})
    assert not EventSignup.objects.active().exists()


def test_portal_sign_up_of_a_neighbour_is_404(client_as, users, estate_a, resident, resident2):
    event = make_event(estate_a, users["manager"], publish=True)
    response = client_as(resident).post(
        reverse("portal:event_signup", args=[event.pk]), {"person": resident2.persons.get().pk}
    )
    assert response.status_code == 404
    assert not EventSignup.objects.exists()


def test_portal_full_event_shows_the_refusal(client_as, users, estate_a, unit_a, resident):
    event = make_event(estate_a, users["manager"], capacity=1, publish=True)
    member = OccupancyFactory(unit=unit_a, role="household_member").person
    client = client_as(resident)
    client.post(reverse("portal:event_signup", args=[event.pk]), {"person": member.pk})
    page = client.post(
        reverse("portal:event_signup", args=[event.pk]), {"person": resident.persons.get().pk}, follow=True
    ).content.decode()
    assert "This event is full." in page
    assert EventSignup.objects.count() == 1


def test_portal_home_panel_runs_a_fixed_number_of_queries(
    client_as, users, estate_a, building_a, resident, django_assert_max_num_queries
):
    for i in range(6):
        make_notice(estate_a, users["manager"], buildings=[building_a], publish=True, title=f"n{i}")
        make_event(estate_a, users["manager"], publish=True, title=f"e{i}")
    client = client_as(resident)
    client.get(reverse("portal:home"))  # warm the session
    with django_assert_max_num_queries(40):
        assert client.get(reverse("portal:home")).status_code == 200


# --- the API ------------------------------------------------------------------------------------


def test_api_staff_creates_and_publishes(api_as, users, estate_a, building_a):
    client = api_as(users["supervisor"])
    today = timezone.localdate()
    created = client.post(
        "/api/notices/",
        {
            "estate": estate_a.pk,
            "buildings": [building_a.pk],
            "title": "消防演练",
            "body": "周五下午消防演练",
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=2)).isoformat(),
            "is_urgent": False,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    published = client.post(f"/api/notices/{created.json()['id']}/publish/", {}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = client.post(f"/api/notices/{created.json()['id']}/publish/", {}, format="json")
    assert again.status_code == 409


def test_api_end_before_start_is_a_400_naming_the_field(api_as, users, estate_a):
    today = timezone.localdate()
    response = api_as(users["manager"]).post(
        "/api/notices/",
        {
            "estate": estate_a.pk,
            "title": "x",
            "body": "y",
            "start_date": today.isoformat(),
            "end_date": (today - timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "end_date" in response.json()
    assert not Notice.objects.exists()


def test_api_resident_reads_and_signs_up(api_as, users, estate_a, building_a, resident):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True)
    event = make_event(estate_a, users["manager"], publish=True)
    client = api_as(resident)
    assert [n["id"] for n in client.get("/api/notices/").json()["results"]] == [notice.pk]
    client.get(f"/api/notices/{notice.pk}/")
    assert NoticeRead.objects.filter(user=resident).count() == 1
    me = resident.persons.get().pk
    assert (
        client.post(f"/api/community-events/{event.pk}/sign-up/", {"person": me}, format="json").status_code
        == 201
    )
    twice = client.post(f"/api/community-events/{event.pk}/sign-up/", {"person": me}, format="json")
    assert twice.status_code == 400 and twice.json()["code"] == "already_signed_up"
    assert CommunityEvent.objects.get().signups.count() == 1


def test_api_staff_may_not_sign_up(api_as, users, estate_a, resident):
    event = make_event(estate_a, users["manager"], publish=True)
    response = api_as(users["frontdesk"]).post(
        f"/api/community-events/{event.pk}/sign-up/", {"person": resident.persons.get().pk}, format="json"
    )
    assert response.status_code == 403
    assert not EventSignup.objects.exists()
