"""The per-request overhead of staff pages is cached per user stamp (issue #16): a user's
permissions, estate scope, menu and bell count live in process memory, keyed by a stamp read in
the query that loads the session's user. Every change of role, permission, profile, estate or
team bumps the stamp, so it takes effect on the very next request."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from servicecenter import usercache
from servicecenter.models import UserStamp
from staff.models import StaffProfile
from staff.services import mark_notifications_read, notify, update_staff_profile
from tests.factories import TeamFactory, make_staff
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db

METRICS = "tickets:metrics"  # the KPI readers: not the front desk


def _perm(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _menu_urls(response) -> list[str]:
    nav = response.content.decode().split('<nav class="sidenav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


def _badge(response) -> str | None:
    found = re.search(r'data-testid="unread-count">(\d+)<', response.content.decode())
    return found.group(1) if found else None


@pytest.fixture
def frontdesk(users, client_as):
    return users["frontdesk"], client_as(users["frontdesk"])


def test_the_stamp_comes_with_the_session_user_and_a_warm_page_asks_less(
    frontdesk, django_assert_max_num_queries
):
    _user, client = frontdesk
    url = reverse("tickets:list")
    client.get(url)  # warms this process's cache
    # Before issue #16: 11 (session, user, staff profile, two permission queries, the page's five,
    # the bell). Now: the session, the user with its stamp, and the page's own five.
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200


def test_a_cold_cache_draws_the_same_page(frontdesk):
    _user, client = frontdesk
    url = reverse("tickets:list")
    warm_first = client.get(url)
    warm = client.get(url)
    usercache.clear()
    cold = client.get(url)
    assert _menu_urls(cold) == _menu_urls(warm) == _menu_urls(warm_first)
    assert reverse("tickets:list") in _menu_urls(cold)


def test_a_permission_granted_or_removed_takes_effect_on_the_next_request(frontdesk):
    user, client = frontdesk
    url = reverse(METRICS)
    assert client.get(url).status_code == 403
    user.user_permissions.add(_perm("tickets.view_ticket_metrics"))
    response = client.get(url)
    assert response.status_code == 200
    assert url in _menu_urls(response)
    user.user_permissions.remove(_perm("tickets.view_ticket_metrics"))
    response = client.get(url)
    assert response.status_code == 403
    assert url not in _menu_urls(client.get(reverse("tickets:list")))


def test_a_permission_given_from_the_permission_side_takes_effect(frontdesk):
    user, client = frontdesk
    client.get(reverse(METRICS))
    _perm("tickets.view_ticket_metrics").user_set.add(user)
    assert client.get(reverse(METRICS)).status_code == 200


def test_a_group_change_takes_effect_on_the_next_request(frontdesk):
    user, client = frontdesk
    url = reverse(METRICS)
    assert client.get(url).status_code == 403
    user.groups.add(Group.objects.get(name="manager"))
    assert client.get(url).status_code == 200
    Group.objects.get(name="manager").user_set.remove(user)
    assert client.get(url).status_code == 403


def test_clearing_a_groups_members_takes_effect(users, client_as):
    client = client_as(users["manager"])
    url = reverse(METRICS)
    assert client.get(url).status_code == 200
    Group.objects.get(name="manager").user_set.clear()
    assert client.get(url).status_code == 403


def test_a_roles_permission_withdrawn_reaches_its_members(users, client_as):
    client = client_as(users["manager"])
    url = reverse(METRICS)
    assert client.get(url).status_code == 200
    Group.objects.get(name="manager").permissions.remove(_perm("tickets.view_ticket_metrics"))
    assert client.get(url).status_code == 403


def test_a_deleted_group_takes_its_permissions_with_it(users, client_as):
    user = users["frontdesk"]
    extra = Group.objects.create(name="kpi-readers")
    extra.permissions.add(_perm("tickets.view_ticket_metrics"))
    user.groups.add(extra)
    client = client_as(user)
    assert client.get(reverse(METRICS)).status_code == 200
    extra.delete()
    assert client.get(reverse(METRICS)).status_code == 403


def test_a_staff_profile_moved_to_another_estate_takes_effect(frontdesk, estate_a, estate_b, unit_a, unit_b):
    user, client = frontdesk
    here, there = TicketFactory(unit=unit_a), TicketFactory(unit=unit_b)
    assert client.get(reverse("tickets:detail", args=[here.pk])).status_code == 200
    assert client.get(reverse("tickets:detail", args=[there.pk])).status_code == 404
    update_staff_profile(actor=user, profile=user.staff_profile, estates=[estate_b])
    assert client.get(reverse("tickets:detail", args=[here.pk])).status_code == 404
    assert client.get(reverse("tickets:detail", args=[there.pk])).status_code == 200


def test_an_estate_given_from_the_estate_side_takes_effect(frontdesk, estate_b, unit_b):
    user, client = frontdesk
    there = TicketFactory(unit=unit_b)
    assert client.get(reverse("tickets:detail", args=[there.pk])).status_code == 404
    estate_b.staff_profiles.add(user.staff_profile)
    assert client.get(reverse("tickets:detail", args=[there.pk])).status_code == 200
    estate_b.staff_profiles.clear()
    assert client.get(reverse("tickets:detail", args=[there.pk])).status_code == 404


def test_a_technician_moved_to_another_team_takes_effect(estate_a, unit_a, client_as):
    plumbers, electricians = TeamFactory(estate=estate_a), TeamFactory(estate=estate_a)
    technician = make_staff("technician", estate_a, username="tech-moving", team=plumbers)
    theirs, others = TicketFactory(unit=unit_a, team=plumbers), TicketFactory(unit=unit_a, team=electricians)
    client = client_as(technician)
    assert client.get(reverse("tickets:detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("tickets:detail", args=[others.pk])).status_code == 404
    update_staff_profile(
        actor=technician, profile=technician.staff_profile, estates=[estate_a], team=electricians
    )
    assert client.get(reverse("tickets:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("tickets:detail", args=[others.pk])).status_code == 200


def test_a_deleted_staff_profile_takes_effect(frontdesk, unit_a):
    user, client = frontdesk
    ticket = TicketFactory(unit=unit_a)
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 200
    StaffProfile.objects.filter(user=user).get().delete()
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404


def test_an_ended_occupancy_closes_the_portal_on_the_next_request(resident, client_as, users):
    from residents.models import Occupancy
    from residents.services import end_occupancy

    client = client_as(resident)
    assert client.get(reverse("portal:home")).status_code == 200
    occupancy = Occupancy.objects.get(person__user=resident)
    # The last day of an occupancy is still the resident's: it ended yesterday.
    end_occupancy(
        actor=users["frontdesk"], occupancy=occupancy, end_date=timezone.localdate() - timedelta(days=1)
    )
    assert client.get(reverse("portal:home")).status_code == 404


def test_superuser_flag_is_part_of_the_key(frontdesk):
    user, client = frontdesk
    assert client.get(reverse(METRICS)).status_code == 403
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert client.get(reverse(METRICS)).status_code == 200


def test_the_bell_counts_after_notify_and_after_reading(frontdesk):
    user, client = frontdesk
    url = reverse("tickets:list")
    assert _badge(client.get(url)) is None
    notify(recipients=[user], kind="test", title="一")
    assert _badge(client.get(url)) == "1"
    notify(recipients=[user], kind="test", title="二")
    assert _badge(client.get(url)) == "2"
    client.post(reverse("staff:notifications_read"))
    assert _badge(client.get(url)) is None
    notify(recipients=[user], kind="test", title="三")
    assert _badge(client.get(url)) == "1"
    mark_notifications_read(user=user)
    assert _badge(client.get(url)) is None


def test_the_bell_of_someone_else_is_not_bumped(users, client_as):
    frontdesk, clerk = users["frontdesk"], users["clerk"]
    notify(recipients=[clerk], kind="test", title="x")
    before = UserStamp.objects.get(user=frontdesk).bell_version
    notify(recipients=[clerk], kind="test", title="y")
    assert UserStamp.objects.get(user=frontdesk).bell_version == before
    assert _badge(client_as(frontdesk).get(reverse("tickets:list"))) is None


def test_the_menu_follows_the_language(frontdesk):
    _user, client = frontdesk
    url = reverse("tickets:list")
    client.cookies["django_language"] = "en"
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert ">Tickets</a>" in english
    assert ">Tickets</a>" not in chinese


def test_a_user_without_a_stamp_is_served_uncached(frontdesk):
    user, client = frontdesk
    UserStamp.objects.filter(user=user).delete()
    url = reverse(METRICS)
    assert client.get(url).status_code == 403
    # No stamp to bump: a change is still seen, since nothing was cached.
    type(user).user_permissions.through.objects.create(
        user_id=user.pk, permission=_perm("tickets.view_ticket_metrics")
    )
    assert client.get(url).status_code == 200


def test_deleting_a_staff_user_removes_its_stamp(frontdesk):
    user, _client = frontdesk
    assert UserStamp.objects.filter(user_id=user.pk).exists()
    user_id = user.pk
    user.delete()
    assert not UserStamp.objects.filter(user_id=user_id).exists()


def test_a_session_from_before_the_stamped_backend_stays_logged_in(frontdesk):
    _user, client = frontdesk
    session = client.session
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session.save()
    assert client.get(reverse("tickets:list")).status_code == 200
    assert client.session[BACKEND_SESSION_KEY] == "servicecenter.authentication.StampedModelBackend"


def test_a_staff_page_does_not_touch_the_shared_cache(frontdesk, monkeypatch):
    # A hung Redis must not slow pages: nothing on this path goes to the default cache.
    from django.core.cache import cache

    _user, client = frontdesk

    def refuse(*args, **kwargs):
        raise AssertionError("the shared cache was used")

    for name in ("get", "set", "get_many", "set_many", "add", "incr"):
        monkeypatch.setattr(cache, name, refuse)
    assert client.get(reverse("tickets:list")).status_code == 200


def test_the_cached_menu_marks_the_current_page_only(frontdesk):
    _user, client = frontdesk
    tickets, my_work = reverse("tickets:list"), reverse("tickets:my_work")
    client.get(tickets)
    on_tickets = client.get(tickets).content.decode()
    assert f'<li><a href="{tickets}" aria-current="page">' in on_tickets
    assert on_tickets.count('aria-current="page"') == 1
    on_my_work = client.get(my_work).content.decode()
    assert f'<li><a href="{tickets}">' in on_my_work
    assert f'<li><a href="{my_work}" aria-current="page">' in on_my_work
    assert on_my_work.count('aria-current="page"') == 1
