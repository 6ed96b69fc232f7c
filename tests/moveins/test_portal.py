"""The owner's move-in in the resident portal: their own only (404 for anyone else), what is owed,
the defects and their repair, and the rating once the keys are handed over."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse

from moveins.models import MoveIn
from tests.factories import UnitFactory, UserFactory, make_resident
from tests.moveins.factories import DefectFactory, MoveInChargeFactory, MoveInFactory
from tests.moveins.helpers import walk

pytestmark = pytest.mark.django_db
Status = MoveIn.Status


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _sign_in_as(person, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name="resident"))
    person.user = user
    person.save(update_fields=["user"])
    return user


@pytest.fixture
def handed_over(users, ready, owner):
    move_in = walk(unit=ready, owner=owner, desk=users["frontdesk"], manager=users["manager"], to="completed")
    return move_in, _sign_in_as(owner, "owner-user")


def test_the_owner_sees_their_move_in_and_rates_it(client, handed_over):
    move_in, user = handed_over
    client.force_login(user)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:move_in", args=[move_in.pk]) in home
    listing = client.get(reverse("portal:move_ins"))
    assert listing.status_code == 200 and move_in.number in listing.content.decode()
    page = client.get(reverse("portal:move_in", args=[move_in.pk]))
    assert page.status_code == 200 and page.context["may_rate"]
    client.post(reverse("portal:move_in_rate", args=[move_in.pk]), {"score": "9"})
    move_in.refresh_from_db()
    assert move_in.satisfaction is None
    client.post(reverse("portal:move_in_rate", args=[move_in.pk]), {"score": "4", "comment": "钥匙交接很快"})
    move_in.refresh_from_db()
    assert move_in.satisfaction == 4 and move_in.satisfaction_comment == "钥匙交接很快"


def test_another_resident_gets_404(client, handed_over, resident2):
    move_in, _user = handed_over
    client.force_login(resident2)
    assert client.get(reverse("portal:move_in", args=[move_in.pk])).status_code == 404
    assert client.post(reverse("portal:move_in_rate", args=[move_in.pk]), {"score": "1"}).status_code == 404
    assert move_in.number not in client.get(reverse("portal:move_ins")).content.decode()
    move_in.refresh_from_db()
    assert move_in.satisfaction is None


def test_a_co_occupant_who_is_not_the_owner_gets_404(client, handed_over, ready):
    move_in, _user = handed_over
    client.force_login(make_resident(ready, username="tenant-user", role="tenant"))
    assert client.get(reverse("portal:move_in", args=[move_in.pk])).status_code == 404


def test_staff_get_404_on_the_portal_page(client, users, handed_over):
    move_in, _user = handed_over
    client.force_login(users["frontdesk"])
    assert client.get(reverse("portal:move_in", args=[move_in.pk])).status_code == 404


def test_an_open_move_in_shows_what_is_owed_and_the_defects(client, estate_a):
    unit = UnitFactory(building__estate=estate_a)
    move_in = MoveInFactory(unit=unit, status=Status.RECTIFICATION)
    MoveInChargeFactory(move_in=move_in, name="钥匙押金", kind="deposit")
    DefectFactory(move_in=move_in, inspection__move_in=move_in, location="卫生间", description="地漏堵塞")
    # The owner already lives in the estate's unit (e.g. bought it while renting it).
    make_resident(unit, username="owner-2", person=move_in.owner)
    client.force_login(move_in.owner.user)
    page = client.get(reverse("portal:move_in", args=[move_in.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and not page.context["may_rate"]
    assert "钥匙押金" in body and "地漏堵塞" in body
    assert client.post(reverse("portal:move_in_rate", args=[move_in.pk]), {"score": "5"}).status_code == 302
    move_in.refresh_from_db()
    assert move_in.satisfaction is None
