"""Key custody (钥匙托管): the services' rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from frontdesk.models import KeyCollector, KeyCustody, KeyMovement
from frontdesk.services import keys
from residents.models import SensitiveAccessLog
from servicecenter.exceptions import DomainError, TransitionError
from tests.factories import PersonFactory, make_staff
from tests.frontdesk.keys_helpers import COLLECTOR_ID, OWNER_ID, forget_id_checks, owner_with_id, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_id_check_counts():
    forget_id_checks()


@pytest.fixture
def owner(resident):
    return owner_with_id(resident)


def _state(custody) -> tuple:
    custody.refresh_from_db()
    return custody.status, custody.movements.count(), custody.events.count()


def test_register_keeps_the_collectors_id_only_as_hash_and_mask(unit_a, owner, users):
    custody = register(unit_a, owner, users["frontdesk"])
    assert custody.status == KeyCustody.Status.HELD
    collector = custody.collectors.get()
    assert collector.id_number_hash and COLLECTOR_ID not in collector.id_number_hash
    assert collector.id_number_masked != COLLECTOR_ID and collector.id_number_masked.endswith(
        COLLECTOR_ID[-4:]
    )
    field_values = [str(getattr(collector, f.attname)) for f in KeyCollector._meta.concrete_fields]
    assert COLLECTOR_ID not in field_values
    assert list(custody.events.values_list("action", "to_status")) == [("register", "held")]


def test_only_an_owner_leaves_keys(unit_a, unit_a2, owner, users):
    stranger = PersonFactory(estate=unit_a.estate)
    with pytest.raises(DomainError) as error:
        register(unit_a, stranger, users["frontdesk"])
    assert error.value.code == "not_owner"
    with pytest.raises(DomainError):
        register(unit_a2, owner, users["frontdesk"])  # owner of A, not of A2
    assert not KeyCustody.objects.exists()


def test_a_collector_needs_an_id_to_check_against(unit_a, owner, users):
    with pytest.raises(DomainError) as error:
        register(
            unit_a,
            owner,
            users["frontdesk"],
            collectors=[keys.CollectorInput(name="李四", phone="13800138002")],
        )
    assert error.value.code == "collector_id_required"
    with pytest.raises(DomainError) as error:
        register(
            unit_a,
            owner,
            users["frontdesk"],
            collectors=[keys.CollectorInput(name="李四", phone="13800138002", id_number="123")],
        )
    assert error.value.code == "collector_id_invalid"
    assert not KeyCustody.objects.exists()


def test_a_storage_tag_holds_one_open_custody(unit_a, owner, users):
    register(unit_a, owner, users["frontdesk"], tag="B-7")
    with pytest.raises(DomainError) as error:
        register(unit_a, owner, users["frontdesk"], tag="B-7")
    assert error.value.code == "storage_tag_in_use"
    assert KeyCustody.objects.count() == 1


def test_staff_of_another_estate_cannot_take_keys(unit_a, owner, estate_b):
    outsider = make_staff("frontdesk", estate_b, username="desk-b")
    with pytest.raises(PermissionDenied):
        register(unit_a, owner, outsider)


def test_a_role_without_the_permission_cannot_take_keys(unit_a, owner, users):
    with pytest.raises(PermissionDenied):
        register(unit_a, owner, users["clerk"])


def test_hand_out_to_the_named_collector_after_the_id_check(unit_a, owner, users):
    custody = register(unit_a, owner, users["frontdesk"])
    collector = custody.collectors.get()
    movement = keys.hand_out_keys(
        custody=custody,
        actor=users["frontdesk"],
        collector=collector,
        id_number=COLLECTOR_ID.lower(),
        note="代领",
    )
    assert (movement.direction, movement.person_name, movement.id_checked, movement.staff) == (
        "out",
        "张三",
        True,
        users["frontdesk"],
    )
    assert _state(custody) == ("handed_out", 1, 2)
    event = custody.events.last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "hand_out",
        "held",
        "handed_out",
        users["frontdesk"],
    )


def test_keys_are_not_handed_to_someone_not_named(unit_a, unit_a2, owner, users, resident2):
    custody = register(unit_a, owner, users["frontdesk"])
    other_owner = owner.__class__.objects.get(user=resident2)
    other = register(
        unit_a2,
        other_owner,
        users["frontdesk"],
        tag="A-02",
        collectors=[keys.CollectorInput(name="王五", phone="13800138003", id_number=COLLECTOR_ID)],
    )
    before = _state(custody)
    for stranger in (other.collectors.get(), None, 999999):
        with pytest.raises(keys.NotNamedForKeys) as error:
            keys.hand_out_keys(
                custody=custody, actor=users["frontdesk"], collector=stranger, id_number=COLLECTOR_ID
            )
        assert error.value.code == "not_named"
        assert error.value.status_code == 409
    assert _state(custody) == before


def test_keys_are_not_handed_out_on_a_wrong_id(unit_a, owner, users):
    custody = register(unit_a, owner, users["frontdesk"])
    before = _state(custody)
    with pytest.raises(keys.NotNamedForKeys) as error:
        keys.hand_out_keys(
            custody=custody, actor=users["frontdesk"], collector=custody.collectors.get(), id_number=OWNER_ID
        )
    assert error.value.code == "id_mismatch"
    assert _state(custody) == before


def test_a_collector_in_the_archive_is_checked_by_the_archive(unit_a, owner, users):
    neighbour = PersonFactory(estate=unit_a.estate, name="赵六", id_number=COLLECTOR_ID)
    custody = register(
        unit_a,
        owner,
        users["frontdesk"],
        collectors=[keys.CollectorInput(name="赵六", phone="13800138004", person=neighbour)],
    )
    collector = custody.collectors.get()
    assert collector.person == neighbour and collector.id_number_hash == ""
    keys.hand_out_keys(custody=custody, actor=users["frontdesk"], collector=collector, id_number=COLLECTOR_ID)
    log = SensitiveAccessLog.objects.get(person=neighbour)
    assert (log.action, log.matched, log.actor) == ("verify_id", True, users["frontdesk"])


def test_hand_out_twice_is_refused(unit_a, owner, users):
    custody = register(unit_a, owner, users["frontdesk"])
    collector = custody.collectors.get()
    keys.hand_out_keys(custody=custody, actor=users["frontdesk"], collector=collector, id_number=COLLECTOR_ID)
    with pytest.raises(TransitionError):
        keys.hand_out_keys(
            custody=custody, actor=users["frontdesk"], collector=collector, id_number=COLLECTOR_ID
        )
    assert _state(custody) == ("handed_out", 1, 2)


def test_take_back_then_return_to_the_owner(unit_a, owner, users):
    custody = register(unit_a, owner, users["frontdesk"])
    keys.hand_out_keys(
        custody=custody, actor=users["frontdesk"], collector=custody.collectors.get(), id_number=COLLECTOR_ID
    )
    back = keys.take_back_keys(custody=custody, actor=users["supervisor"])
    assert (back.direction, back.person_name, back.staff) == ("in", "张三", users["supervisor"])
    assert _state(custody) == ("held", 2, 3)
    with pytest.raises(keys.NotNamedForKeys):
        keys.return_keys_to_owner(custody=custody, actor=users["frontdesk"], id_number=COLLECTOR_ID)
    assert _state(custody) == ("held", 2, 3)
    final = keys.return_keys_to_owner(custody=custody, actor=users["frontdesk"], id_number=OWNER_ID)
    assert (final.direction, final.person_name, final.id_checked) == ("out", owner.name, True)
    custody.refresh_from_db()
    assert custody.status == "returned_to_owner" and custody.closed_at is not None
    assert list(custody.events.values_list("action", flat=True)) == [
        "register",
        "hand_out",
        "take_back",
        "return_to_owner",
    ]
    # The tag is free again once the custody is closed.
    register(unit_a, owner, users["frontdesk"])
    with pytest.raises(TransitionError):
        keys.take_back_keys(custody=custody, actor=users["frontdesk"], person_name="张三")
    assert KeyMovement.objects.filter(custody=custody).count() == 3


def _everything_else(custody) -> tuple:
    custody.refresh_from_db()
    return (
        custody.status,
        custody.closed_at,
        KeyMovement.objects.count(),
        custody.events.count(),
        custody.collectors.filter(is_active=True).count(),
    )


def test_a_wrong_id_at_hand_out_stays_in_the_access_log_and_changes_nothing_else(unit_a, owner, users):
    neighbour = PersonFactory(estate=unit_a.estate, name="赵六", id_number=COLLECTOR_ID)
    custody = register(
        unit_a,
        owner,
        users["frontdesk"],
        collectors=[keys.CollectorInput(name="赵六", phone="13800138004", person=neighbour)],
    )
    before, logs = _everything_else(custody), SensitiveAccessLog.objects.count()
    with pytest.raises(keys.NotNamedForKeys):
        keys.hand_out_keys(
            custody=custody, actor=users["frontdesk"], collector=custody.collectors.get(), id_number=OWNER_ID
        )
    assert SensitiveAccessLog.objects.count() == logs + 1
    log = SensitiveAccessLog.objects.latest("pk")
    assert (log.person, log.matched, log.actor) == (neighbour, False, users["frontdesk"])
    assert _everything_else(custody) == before


def test_a_wrong_owner_id_at_the_return_stays_in_the_access_log_and_changes_nothing_else(
    unit_a, owner, users
):
    custody = register(unit_a, owner, users["frontdesk"])
    before, logs = _everything_else(custody), SensitiveAccessLog.objects.count()
    with pytest.raises(keys.NotNamedForKeys):
        keys.return_keys_to_owner(custody=custody, actor=users["frontdesk"], id_number=COLLECTOR_ID)
    assert SensitiveAccessLog.objects.count() == logs + 1
    log = SensitiveAccessLog.objects.latest("pk")
    assert (log.person, log.matched, log.action) == (owner, False, "verify_id")
    assert _everything_else(custody) == before
