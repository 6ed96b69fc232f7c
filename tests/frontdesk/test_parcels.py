"""Parcels: logging and the resident's notification, picking up against a signature, returning,
refused repeats, what a resident sees."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from frontdesk import services
from frontdesk.models import Parcel
from residents.models import Person
from servicecenter.exceptions import DomainError, TransitionError
from staff.models import Notification

pytestmark = pytest.mark.django_db


def _log(unit, actor, **overrides):
    values = {"carrier": "顺丰", "tracking_number": "SF 1409 8765 4321", **overrides}
    return services.log_parcel(actor=actor, unit=unit, **values)


def test_logging_notifies_the_units_occupants(unit_a, users, resident, resident2):
    parcel = _log(unit_a, users["frontdesk"])
    assert parcel.tracking_number == "SF140987654321"
    assert parcel.status == Parcel.Status.HELD
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["resident"]
    assert "SF140987654321" in Notification.objects.get().title
    parcel.refresh_from_db()
    assert parcel.notified_at is not None
    assert parcel.events.get().action == "register"


def test_a_named_recipient_alone_is_notified(unit_a, users, resident):
    from tests.factories import make_resident

    other = make_resident(unit_a, username="tenant")
    person = Person.objects.get(user=other)
    _log(unit_a, users["frontdesk"], recipient=person)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["tenant"]


def test_no_notification_when_not_asked(unit_a, users, resident):
    parcel = _log(unit_a, users["frontdesk"], notify_resident=False)
    assert not Notification.objects.exists()
    assert parcel.notified_at is None


def test_the_same_parcel_is_not_logged_twice_while_held(unit_a, users):
    _log(unit_a, users["frontdesk"])
    with pytest.raises(DomainError) as error:
        _log(unit_a, users["frontdesk"], tracking_number="SF140987654321")
    assert error.value.code == "duplicate_parcel"
    assert Parcel.objects.count() == 1


def test_pick_up_records_who_collected_who_handed_it_and_when(unit_a, users):
    parcel = _log(unit_a, users["frontdesk"])
    services.pick_up_parcel(parcel=parcel, actor=users["supervisor"], collected_by="张业主")
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.PICKED_UP
    assert (parcel.collected_by, parcel.handed_over_by) == ("张业主", users["supervisor"])
    assert parcel.picked_up_at is not None
    event = parcel.events.get(action="pick_up")
    assert (event.from_status, event.to_status) == ("held", "picked_up")


def test_pick_up_needs_a_name(unit_a, users):
    parcel = _log(unit_a, users["frontdesk"])
    with pytest.raises(DomainError):
        services.pick_up_parcel(parcel=parcel, actor=users["frontdesk"], collected_by="")
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.HELD


def test_a_returned_parcel_cannot_be_picked_up(unit_a, users):
    parcel = _log(unit_a, users["frontdesk"])
    services.return_parcel(parcel=parcel, actor=users["frontdesk"], note="拒收")
    with pytest.raises(TransitionError):
        services.pick_up_parcel(parcel=parcel, actor=users["frontdesk"], collected_by="张业主")
    parcel.refresh_from_db()
    assert parcel.status == Parcel.Status.RETURNED
    assert parcel.returned_at is not None


@pytest.mark.parametrize("role", ["clerk", "housekeeper", "technician"])
def test_only_the_desk_roles_log_parcels(unit_a, users, role):
    with pytest.raises(PermissionDenied):
        _log(unit_a, users[role])


def test_residents_see_only_their_own_units_parcels(unit_a, unit_a2, users, resident, resident2):
    mine = _log(unit_a, users["frontdesk"])
    _log(unit_a2, users["frontdesk"], tracking_number="JD0001")
    assert list(Parcel.objects.visible_to(resident)) == [mine]


def test_the_portal_lists_the_residents_own_parcels(client, unit_a, unit_a2, users, resident, resident2):
    _log(unit_a, users["frontdesk"], tracking_number="MINE01")
    _log(unit_a2, users["frontdesk"], tracking_number="THEIRS01")
    client.force_login(resident)
    html = client.get("/portal/parcels/").content.decode()
    assert "MINE01" in html and "THEIRS01" not in html
    home = client.get("/portal/").content.decode()
    assert "MINE01" in home and "THEIRS01" not in home


def test_staff_find_no_portal_parcels(client, users):
    client.force_login(users["frontdesk"])
    assert client.get("/portal/parcels/").status_code == 404
