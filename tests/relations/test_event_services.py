"""Community events: schedule rules, publishing, sign-ups (household only, once, within the
places, before the deadline) and cancelling them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from relations.models import CommunityEvent, EventSignup
from relations.services import events as services
from servicecenter.exceptions import DomainError, TransitionError
from tests.factories import BuildingFactory, OccupancyFactory, PersonFactory
from tests.relations.notice_helpers import make_event

pytestmark = pytest.mark.django_db


def _me(user):
    return user.persons.get()


def test_event_must_end_after_it_starts(users, estate_a):
    start = timezone.now() + timedelta(days=5)
    with pytest.raises(DomainError) as refused:
        make_event(estate_a, users["frontdesk"], starts_at=start, ends_at=start - timedelta(hours=1))
    assert refused.value.code == "end_before_start"
    assert not CommunityEvent.objects.exists()


def test_deadline_must_be_before_the_start(users, estate_a):
    start = timezone.now() + timedelta(days=5)
    with pytest.raises(DomainError) as refused:
        make_event(estate_a, users["frontdesk"], starts_at=start, signup_deadline=start + timedelta(hours=1))
    assert refused.value.code == "deadline_after_start"


def test_publish_refuses_a_passed_deadline_and_a_second_publish(users, estate_a):
    start = timezone.now() + timedelta(days=5)
    late = make_event(
        estate_a, users["frontdesk"], starts_at=start, signup_deadline=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(DomainError) as refused:
        services.publish_event(event=late, actor=users["frontdesk"])
    assert refused.value.code == "deadline_passed"
    event = make_event(estate_a, users["frontdesk"], publish=True)
    with pytest.raises(TransitionError):
        services.publish_event(event=event, actor=users["frontdesk"])
    assert list(event.events.values_list("action", flat=True)) == ["create", "publish"]


def test_resident_signs_up_once(users, estate_a, resident):
    event = make_event(estate_a, users["frontdesk"], publish=True)
    signup = services.sign_up(event=event, person=_me(resident), user=resident)
    assert signup.unit == _me(resident).occupancies.get().unit
    with pytest.raises(DomainError) as refused:
        services.sign_up(event=event, person=_me(resident), user=resident)
    assert refused.value.code == "already_signed_up"
    assert EventSignup.objects.count() == 1


def test_resident_signs_up_a_household_member_but_not_a_neighbour(
    users, estate_a, unit_a, resident, resident2
):
    event = make_event(estate_a, users["frontdesk"], publish=True)
    child = OccupancyFactory(unit=unit_a, role="household_member").person
    services.sign_up(event=event, person=child, user=resident)
    with pytest.raises(DomainError) as refused:
        services.sign_up(event=event, person=_me(resident2), user=resident)
    assert refused.value.code == "not_household"
    assert list(EventSignup.objects.values_list("person", flat=True)) == [child.pk]


def test_full_event_refuses_the_next_sign_up(users, estate_a, unit_a, resident):
    event = make_event(estate_a, users["frontdesk"], capacity=1, publish=True)
    services.sign_up(event=event, person=_me(resident), user=resident)
    child = OccupancyFactory(unit=unit_a, role="household_member").person
    with pytest.raises(DomainError) as refused:
        services.sign_up(event=event, person=child, user=resident)
    assert refused.value.code == "event_full"
    assert EventSignup.objects.count() == 1


def test_cancelled_sign_up_frees_the_place(users, estate_a, unit_a, resident):
    event = make_event(estate_a, users["frontdesk"], capacity=1, publish=True)
    services.sign_up(event=event, person=_me(resident), user=resident)
    services.cancel_signup(event=event, person=_me(resident), user=resident)
    child = OccupancyFactory(unit=unit_a, role="household_member").person
    services.sign_up(event=event, person=child, user=resident)
    # The place is taken again: the one who cancelled cannot come back in.
    with pytest.raises(DomainError):
        services.sign_up(event=event, person=_me(resident), user=resident)
    assert EventSignup.objects.active().count() == 1


def test_sign_up_after_the_deadline_is_refused(users, estate_a, resident):
    event = make_event(estate_a, users["frontdesk"], publish=True)
    after = event.signup_deadline + timedelta(minutes=1)
    with pytest.raises(DomainError) as refused:
        services.sign_up(event=event, person=_me(resident), user=resident, now=after)
    assert refused.value.code == "deadline_passed"
    services.sign_up(event=event, person=_me(resident), user=resident)
    with pytest.raises(DomainError) as refused:
        services.cancel_signup(event=event, person=_me(resident), user=resident, now=after)
    assert refused.value.code == "deadline_passed"
    assert EventSignup.objects.active().count() == 1


def test_draft_or_cancelled_event_takes_no_sign_up(users, estate_a, resident):
    draft = make_event(estate_a, users["frontdesk"])
    with pytest.raises(DomainError) as refused:
        services.sign_up(event=draft, person=_me(resident), user=resident)
    assert refused.value.code == "event_not_found"  # a draft is not shown to residents at all
    event = make_event(estate_a, users["frontdesk"], publish=True)
    services.cancel_event(event=event, actor=users["frontdesk"])
    with pytest.raises(DomainError):
        services.sign_up(event=event, person=_me(resident), user=resident)
    assert not EventSignup.objects.exists()


def test_event_of_another_building_is_not_the_residents(users, estate_a, resident):
    elsewhere = BuildingFactory(estate=estate_a, code="9")
    event = make_event(estate_a, users["frontdesk"], buildings=[elsewhere], publish=True)
    assert not CommunityEvent.objects.visible_to(resident).exists()
    with pytest.raises(DomainError) as refused:
        services.sign_up(event=event, person=_me(resident), user=resident)
    assert refused.value.code == "event_not_found"


def test_capacity_cannot_drop_below_those_signed_up(users, estate_a, unit_a, resident):
    event = make_event(estate_a, users["frontdesk"], capacity=5, publish=True)
    services.sign_up(event=event, person=_me(resident), user=resident)
    services.sign_up(event=event, person=OccupancyFactory(unit=unit_a).person, user=resident)
    with pytest.raises(DomainError) as refused:
        services.update_event(
            event=event,
            actor=users["frontdesk"],
            title=event.title,
            place=event.place,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            capacity=1,
            signup_deadline=event.signup_deadline,
        )
    assert refused.value.code == "capacity_below_signups"
    event.refresh_from_db()
    assert event.capacity == 5


@pytest.mark.postgres
def test_last_place_goes_to_one_of_two_concurrent_sign_ups(users, estate_a, unit_a, resident):
    """Two household members take the last place at once: the event row lock lets one in."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    event = make_event(estate_a, users["frontdesk"], capacity=1, publish=True)
    people = [_me(resident), OccupancyFactory(unit=unit_a, person=PersonFactory(estate=estate_a)).person]

    def attempt(person):
        try:
            services.sign_up(event=event, person=person, user=resident)
            return "ok"
        except DomainError as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(attempt, people))
    assert results == ["event_full", "ok"]
    assert EventSignup.objects.count() == 1


def test_household_of_another_unit_in_a_building_sees_the_event(users, estate_a, building_a, resident2):
    event = make_event(estate_a, users["frontdesk"], buildings=[building_a], publish=True)
    assert list(CommunityEvent.objects.visible_to(resident2)) == [event]
