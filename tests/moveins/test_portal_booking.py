"""Self-service (#14) for owners before the handover: an owner with a scheduled move-in and no
occupancy yet is admitted to the portal, sees only their move-in, and books, changes and cancels
an appointment slot of the batch; a full slot is refused."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from moveins.models import MoveIn, MoveInEvent
from servicecenter.portal import has_portal_business
from tests.factories import UnitFactory, UserFactory
from tests.moveins.factories import MoveInBatchFactory, MoveInFactory, MoveInSlotFactory

pytestmark = pytest.mark.django_db
Status = MoveIn.Status


def _owner_user(person, username="new-owner"):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name="resident"))
    person.user = user
    person.save(update_fields=["user"])
    return user


@pytest.fixture
def batch(estate_a):
    today = timezone.localdate()
    return MoveInBatchFactory(estate=estate_a, starts_on=today, ends_on=today + timedelta(days=20))


def _slot(batch, days: int, capacity: int = 2):
    starts = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return MoveInSlotFactory(
        batch=batch, starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=capacity
    )


@pytest.fixture
def pending(estate_a, building_a):
    unit = UnitFactory(building=building_a, number="0901")
    move_in = MoveInFactory(unit=unit, status=Status.SCHEDULED, scheduled_for=None, checklist=True)
    return move_in, _owner_user(move_in.owner)


def test_an_owner_before_handover_is_admitted_and_sees_only_their_move_in(client, pending, resident, unit_a):
    move_in, user = pending
    assert has_portal_business(user)
    client.force_login(user)
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    body = home.content.decode()
    assert reverse("portal:move_in", args=[move_in.pk]) in body
    assert unit_a.code not in body  # the home lists no unit: they occupy none yet
    assert client.get(reverse("portal:move_in", args=[move_in.pk])).status_code == 200
    # Other portal pages answer with empty lists, never another unit's data.
    tickets = client.get(reverse("portal:ticket_list"))
    assert tickets.status_code == 200 and unit_a.code not in tickets.content.decode()


def test_another_owners_move_in_is_404_for_a_pre_handover_owner(client, pending, estate_a, building_a):
    move_in, user = pending
    other = MoveInFactory(unit=UnitFactory(building=building_a, number="0902"), status=Status.SCHEDULED)
    client.force_login(user)
    assert client.get(reverse("portal:move_in", args=[other.pk])).status_code == 404
    assert client.post(reverse("portal:move_in_cancel_booking", args=[other.pk])).status_code == 404


def test_admission_ends_with_the_move_in(client, pending):
    move_in, user = pending
    MoveIn.objects.filter(pk=move_in.pk).update(status=Status.CANCELLED)
    assert not has_portal_business(user)
    client.force_login(user)
    assert client.get(reverse("portal:home")).status_code == 404


def test_the_owner_books_changes_and_cancels_a_slot(client, pending, batch):
    move_in, user = pending
    first, second = _slot(batch, 2), _slot(batch, 3)
    client.force_login(user)
    page = client.get(reverse("portal:move_in", args=[move_in.pk]))
    assert [s.pk for s in page.context["slots"]] == [first.pk, second.pk]
    assert page.context["progress"][1] > 0 and page.context["progress"][0] == 0
    client.post(reverse("portal:move_in_book", args=[move_in.pk]), {"slot": first.pk})
    move_in.refresh_from_db()
    assert move_in.slot_id == first.pk and move_in.batch_id == batch.pk
    client.post(reverse("portal:move_in_book", args=[move_in.pk]), {"slot": second.pk})
    move_in.refresh_from_db()
    assert move_in.slot_id == second.pk and move_in.scheduled_for == second.starts_at
    client.post(reverse("portal:move_in_cancel_booking", args=[move_in.pk]))
    move_in.refresh_from_db()
    assert move_in.slot_id is None
    actions = list(MoveInEvent.objects.filter(move_in=move_in).values_list("action", "actor"))
    assert actions == [("book_slot", user.pk), ("book_slot", user.pk), ("cancel_booking", user.pk)]


def test_a_full_slot_is_refused_with_a_clear_error(client, pending, batch, building_a):
    move_in, user = pending
    full = _slot(batch, 2, capacity=1)
    MoveInFactory(unit=UnitFactory(building=building_a, number="0903"), batch=batch, slot=full)
    client.force_login(user)
    page = client.get(reverse("portal:move_in", args=[move_in.pk]))
    assert page.context["slots"][0].free == 0
    response = client.post(reverse("portal:move_in_book", args=[move_in.pk]), {"slot": full.pk}, follow=True)
    move_in.refresh_from_db()
    assert move_in.slot_id is None
    assert "full" in response.content.decode()


def test_a_slot_of_another_estate_or_not_offered_is_refused(client, pending, estate_b):
    move_in, user = pending
    elsewhere = _slot(MoveInBatchFactory(estate=estate_b), 2)
    client.force_login(user)
    client.post(reverse("portal:move_in_book", args=[move_in.pk]), {"slot": elsewhere.pk})
    client.post(reverse("portal:move_in_book", args=[move_in.pk]), {"slot": "x"})
    move_in.refresh_from_db()
    assert move_in.slot_id is None


def test_the_move_in_page_runs_a_fixed_number_of_queries(
    client, pending, batch, django_assert_max_num_queries
):
    move_in, user = pending
    for day in range(2, 8):
        _slot(batch, day)
    client.force_login(user)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("portal:move_in", args=[move_in.pk])).status_code == 200
