"""The visitor log: registering, the occupants' notification, the time rule, departure, scoping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from frontdesk import services
from frontdesk.models import Visitor, VisitorEvent
from servicecenter.exceptions import DomainError, TransitionError
from staff.models import Notification
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def _register(unit, actor, **overrides):
    values = {"name": "陈晓东", "phone": "138-0013-8000", "purpose": "探亲", **overrides}
    return services.register_visitor(actor=actor, unit=unit, **values)


def test_register_stores_the_phone_normalised_and_shows_it_masked(unit_a, users):
    visitor = _register(unit_a, users["frontdesk"])
    assert visitor.phone == "13800138000"
    assert visitor.phone_masked == "138****8000"
    assert visitor.let_in_by == users["frontdesk"]
    assert visitor.status == Visitor.Status.INSIDE
    assert list(visitor.events.values_list("action", "to_status")) == [("register", "inside")]


def test_register_requires_a_name_and_a_sane_phone(unit_a, users):
    with pytest.raises(DomainError) as error:
        _register(unit_a, users["frontdesk"], name="  ")
    assert error.value.code == "name_required"
    with pytest.raises(DomainError) as error:
        _register(unit_a, users["frontdesk"], phone="123")
    assert error.value.code == "phone_format"
    assert not Visitor.objects.exists()


def test_notifying_the_occupant_reaches_the_units_resident_only(unit_a, users, resident, resident2):
    visitor = _register(unit_a, users["frontdesk"], notify_occupant=True)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["resident"]
    visitor.refresh_from_db()
    assert visitor.occupant_notified_at is not None


def test_without_the_option_nobody_is_notified(unit_a, users, resident):
    _register(unit_a, users["frontdesk"])
    assert not Notification.objects.exists()


def test_leaving_sets_the_time_out_and_writes_one_event(unit_a, users):
    visitor = _register(unit_a, users["frontdesk"], arrived_at=timezone.now() - timedelta(hours=2))
    left = timezone.now() - timedelta(minutes=5)
    services.record_visitor_departure(visitor=visitor, actor=users["supervisor"], left_at=left)
    visitor.refresh_from_db()
    assert visitor.status == Visitor.Status.LEFT
    assert visitor.left_at == left
    event = VisitorEvent.objects.get(visitor=visitor, action="leave")
    assert (event.from_status, event.to_status, event.actor) == ("inside", "left", users["supervisor"])


def test_a_visitor_cannot_leave_before_arriving(unit_a, users):
    arrived = timezone.now() - timedelta(hours=1)
    visitor = _register(unit_a, users["frontdesk"], arrived_at=arrived)
    with pytest.raises(DomainError) as error:
        services.record_visitor_departure(
            visitor=visitor, actor=users["frontdesk"], left_at=arrived - timedelta(minutes=1)
        )
    assert error.value.code == "left_before_arrival"
    assert "cannot leave before arriving" in error.value.message
    visitor.refresh_from_db()
    assert (visitor.status, visitor.left_at) == (Visitor.Status.INSIDE, None)
    assert not visitor.events.filter(action="leave").exists()


def test_the_time_in_cannot_be_in_the_future(unit_a, users):
    with pytest.raises(DomainError) as error:
        _register(unit_a, users["frontdesk"], arrived_at=timezone.now() + timedelta(hours=1))
    assert error.value.code == "arrival_in_future"


def test_leaving_twice_is_refused(unit_a, users):
    visitor = _register(unit_a, users["frontdesk"], arrived_at=timezone.now() - timedelta(hours=1))
    services.record_visitor_departure(visitor=visitor, actor=users["frontdesk"])
    with pytest.raises(TransitionError):
        services.record_visitor_departure(visitor=visitor, actor=users["frontdesk"])
    assert visitor.events.filter(action="leave").count() == 1


@pytest.mark.parametrize("role", ["clerk", "housekeeper", "technician", "engineer"])
def test_only_the_desk_supervisor_and_manager_register(unit_a, users, role):
    with pytest.raises(PermissionDenied):
        _register(unit_a, users[role])


def test_staff_of_another_estate_cannot_register_here(unit_a, estate_b):
    stranger = make_staff("frontdesk", estate_b, username="desk-b")
    with pytest.raises(PermissionDenied):
        _register(unit_a, stranger)
    assert not Visitor.objects.exists()


def test_the_list_is_scoped_to_the_users_estates(unit_a, unit_b, users, estate_b):
    desk_b = make_staff("frontdesk", estate_b, username="desk-b")
    mine = _register(unit_a, users["frontdesk"])
    theirs = _register(unit_b, desk_b, name="别处访客")
    assert list(Visitor.objects.visible_to(users["frontdesk"])) == [mine]
    assert list(Visitor.objects.visible_to(desk_b)) == [theirs]
    assert set(Visitor.objects.visible_to(users["company"])) == {mine, theirs}
