"""Batches, slots and booking a move-in into a slot (moveins.services.batches)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from moveins import services
from moveins.models import MoveIn, MoveInEvent, MoveInSlot
from residents.models import Unit
from servicecenter.exceptions import DomainError
from tests.factories import BuildingFactory, UnitFactory
from tests.moveins.factories import MoveInBatchFactory, MoveInFactory, MoveInSlotFactory

pytestmark = pytest.mark.django_db

# The factories' batch runs through March 2026; "now" is before it.
NOW = timezone.make_aware(datetime(2026, 2, 20, 10, 0))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def batch(estate_a):
    return MoveInBatchFactory(estate=estate_a)


def scheduled(unit, **kwargs) -> MoveIn:
    return MoveInFactory(unit=unit, scheduled_for=None, **kwargs)


# --- batches ------------------------------------------------------------------------------------


def test_create_batch_keeps_the_buildings_of_the_estate(users, estate_a, building_a):
    batch = services.create_batch(
        actor=users["manager"],
        estate=estate_a,
        name=" 第一批集中入伙 ",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 15),
        buildings=[building_a],
    )
    assert batch.name == "第一批集中入伙" and batch.created_by == users["manager"]
    assert list(batch.buildings.all()) == [building_a]


def test_create_batch_refuses_a_period_ending_before_it_starts(users, estate_a):
    with pytest.raises(DomainError) as error:
        services.create_batch(
            actor=users["manager"],
            estate=estate_a,
            name="x",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 1),
        )
    assert error.value.code == "invalid_period"


def test_create_batch_refuses_another_estates_building(users, estate_a, estate_b):
    with pytest.raises(DomainError) as error:
        services.create_batch(
            actor=users["manager"],
            estate=estate_a,
            name="x",
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 2),
            buildings=[BuildingFactory(estate=estate_b)],
        )
    assert error.value.code == "building_other_estate"


@pytest.mark.parametrize("role", ["frontdesk", "clerk", "engineer", "supervisor"])
def test_only_a_manager_creates_batches(users, estate_a, role):
    with pytest.raises(PermissionDenied):
        services.create_batch(
            actor=users[role], estate=estate_a, name="x", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 2)
        )


def test_a_manager_of_another_estate_cannot_create_a_batch_here(estate_a, estate_b):
    from tests.factories import make_staff

    other = make_staff("manager", estate_b, username="manager-b")
    with pytest.raises(PermissionDenied):
        services.create_batch(
            actor=other, estate=estate_a, name="x", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 2)
        )


# --- slots --------------------------------------------------------------------------------------


def test_add_slots_makes_a_days_slots_every_n_minutes(users, batch):
    day = date(2026, 3, 2)
    slots = services.add_slots(
        actor=users["manager"],
        batch=batch,
        day=day,
        start=time(9, 0),
        end=time(11, 0),
        minutes=30,
        capacity=3,
    )
    assert [
        (timezone.localtime(s.starts_at).time(), timezone.localtime(s.ends_at).time()) for s in slots
    ] == [
        (time(9, 0), time(9, 30)),
        (time(9, 30), time(10, 0)),
        (time(10, 0), time(10, 30)),
        (time(10, 30), time(11, 0)),
    ]
    assert {s.capacity for s in slots} == {3}
    assert MoveInSlot.objects.filter(batch=batch).count() == 4


def test_add_slots_leaves_out_a_last_slot_that_would_end_late(users, batch):
    slots = services.add_slots(
        actor=users["manager"],
        batch=batch,
        day=date(2026, 3, 2),
        start=time(9, 0),
        end=time(10, 50),
        minutes=30,
        capacity=1,
    )
    assert len(slots) == 3


def test_add_slots_refuses_a_day_outside_the_batch(users, batch):
    with pytest.raises(DomainError) as error:
        services.add_slots(
            actor=users["manager"],
            batch=batch,
            day=date(2026, 4, 1),
            start=time(9, 0),
            end=time(10, 0),
            minutes=30,
            capacity=1,
        )
    assert error.value.code == "slot_outside_batch"
    assert not MoveInSlot.objects.exists()


def test_add_slots_refuses_overlapping_slots_and_creates_none(users, batch):
    MoveInSlotFactory(batch=batch, starts_at=at(date(2026, 3, 2), 10), ends_at=at(date(2026, 3, 2), 11))
    with pytest.raises(DomainError) as error:
        services.add_slots(
            actor=users["manager"],
            batch=batch,
            day=date(2026, 3, 2),
            start=time(9, 0),
            end=time(12, 0),
            minutes=60,
            capacity=1,
        )
    assert error.value.code == "slot_overlap"
    assert MoveInSlot.objects.count() == 1


@pytest.mark.parametrize(
    ("minutes", "capacity", "code"),
    [(0, 1, "invalid_slot_length"), (30, 0, "invalid_capacity")],
)
def test_add_slots_refuses_bad_numbers(users, batch, minutes, capacity, code):
    with pytest.raises(DomainError) as error:
        services.add_slots(
            actor=users["manager"],
            batch=batch,
            day=date(2026, 3, 2),
            start=time(9, 0),
            end=time(10, 0),
            minutes=minutes,
            capacity=capacity,
        )
    assert error.value.code == code


def test_create_slot(users, batch):
    slot = services.create_slot(
        actor=users["manager"],
        batch=batch,
        starts_at=at(date(2026, 3, 3), 14),
        ends_at=at(date(2026, 3, 3), 15),
        capacity=2,
    )
    assert slot.batch == batch and slot.capacity == 2


# --- booking ------------------------------------------------------------------------------------


def test_book_slot_sets_the_batch_slot_and_appointment(users, unit_a, batch):
    slot = MoveInSlotFactory(batch=batch, capacity=1)
    move_in = scheduled(unit_a)
    booked = services.book_slot(actor=users["frontdesk"], move_in=move_in, slot=slot, now=NOW)
    move_in.refresh_from_db()
    assert (move_in.batch, move_in.slot, move_in.scheduled_for) == (batch, slot, slot.starts_at)
    assert booked.slot == slot
    assert MoveInEvent.objects.filter(move_in=move_in, action="book_slot", actor=users["frontdesk"]).exists()


def test_booking_into_a_full_slot_is_refused_and_changes_nothing(users, building_a, batch):
    slot = MoveInSlotFactory(batch=batch, capacity=1)
    first = scheduled(UnitFactory(building=building_a))
    services.book_slot(actor=users["frontdesk"], move_in=first, slot=slot, now=NOW)
    second = scheduled(UnitFactory(building=building_a))
    with pytest.raises(services.SlotFull) as error:
        services.book_slot(actor=users["frontdesk"], move_in=second, slot=slot, now=NOW)
    assert error.value.code == "slot_full" and error.value.status_code == 409
    second.refresh_from_db()
    assert second.slot is None and second.batch is None and second.scheduled_for is None
    assert services.booked_count(slot) == 1


def test_a_cancelled_move_in_frees_its_seat(users, building_a, batch):
    slot = MoveInSlotFactory(batch=batch, capacity=1)
    MoveInFactory(
        unit=UnitFactory(building=building_a), batch=batch, slot=slot, status=MoveIn.Status.CANCELLED
    )
    move_in = scheduled(UnitFactory(building=building_a))
    services.book_slot(actor=users["frontdesk"], move_in=move_in, slot=slot, now=NOW)
    assert services.booked_count(slot) == 1


def test_booking_the_same_slot_again_is_a_no_op(users, unit_a, batch):
    slot = MoveInSlotFactory(batch=batch, capacity=1)
    move_in = scheduled(unit_a)
    services.book_slot(actor=users["frontdesk"], move_in=move_in, slot=slot, now=NOW)
    services.book_slot(actor=users["frontdesk"], move_in=move_in, slot=slot, now=NOW)
    assert MoveInEvent.objects.filter(move_in=move_in, action="book_slot").count() == 1


def test_moving_to_another_slot_frees_the_first(users, unit_a, batch):
    first = MoveInSlotFactory(batch=batch, capacity=1)
    later = MoveInSlotFactory(batch=batch, starts_at=first.starts_at + timedelta(hours=2), capacity=1)
    move_in = scheduled(unit_a)
    services.book_slot(actor=users["frontdesk"], move_in=move_in, slot=first, now=NOW)
    services.book_slot(actor=users["frontdesk"], move_in=move_in, slot=later, now=NOW)
    assert (services.booked_count(first), services.booked_count(later)) == (0, 1)


def test_a_slot_of_another_estate_is_refused(users, unit_a, estate_b):
    slot = MoveInSlotFactory(batch=MoveInBatchFactory(estate=estate_b))
    move_in = scheduled(unit_a)
    with pytest.raises(DomainError) as error:
        services.book_slot(actor=users["manager"], move_in=move_in, slot=slot, now=NOW)
    assert error.value.code == "slot_other_estate"


def test_a_slot_of_another_batch_is_refused(users, unit_a, estate_a, batch):
    move_in = scheduled(unit_a, batch=MoveInBatchFactory(estate=estate_a))
    with pytest.raises(DomainError) as error:
        services.book_slot(
            actor=users["frontdesk"], move_in=move_in, slot=MoveInSlotFactory(batch=batch), now=NOW
        )
    assert error.value.code == "slot_other_batch"


def test_a_past_slot_is_refused(users, unit_a, batch):
    slot = MoveInSlotFactory(batch=batch)
    with pytest.raises(DomainError) as error:
        services.book_slot(
            actor=users["frontdesk"],
            move_in=scheduled(unit_a),
            slot=slot,
            now=slot.starts_at + timedelta(minutes=1),
        )
    assert error.value.code == "slot_past"


def test_a_unit_outside_the_batchs_buildings_is_refused(users, estate_a, unit_a, batch):
    batch.buildings.set([BuildingFactory(estate=estate_a, code="9")])
    with pytest.raises(DomainError) as error:
        services.book_slot(
            actor=users["frontdesk"], move_in=scheduled(unit_a), slot=MoveInSlotFactory(batch=batch), now=NOW
        )
    assert error.value.code == "building_not_in_batch"


def test_a_started_move_in_is_not_booked(users, unit_a, batch):
    move_in = MoveInFactory(unit=unit_a, status=MoveIn.Status.DOCUMENTS)
    with pytest.raises(DomainError) as error:
        services.book_slot(
            actor=users["frontdesk"], move_in=move_in, slot=MoveInSlotFactory(batch=batch), now=NOW
        )
    assert error.value.code == "move_in_started"


@pytest.mark.parametrize("role", ["clerk", "engineer", "supervisor", "housekeeper"])
def test_booking_needs_the_desk_or_a_manager(users, unit_a, batch, role):
    with pytest.raises(PermissionDenied):
        services.book_slot(
            actor=users[role], move_in=scheduled(unit_a), slot=MoveInSlotFactory(batch=batch), now=NOW
        )


def test_cancel_booking_frees_the_seat_and_keeps_the_batch(users, unit_a, batch):
    slot = MoveInSlotFactory(batch=batch, capacity=1)
    move_in = services.book_slot(actor=users["frontdesk"], move_in=scheduled(unit_a), slot=slot, now=NOW)
    services.cancel_booking(actor=users["frontdesk"], move_in=move_in, now=NOW)
    move_in.refresh_from_db()
    assert (move_in.slot, move_in.scheduled_for, move_in.batch) == (None, None, batch)
    assert services.booked_count(slot) == 0
    assert MoveInEvent.objects.filter(move_in=move_in, action="cancel_booking").exists()


def test_cancel_booking_without_a_slot_is_refused(users, unit_a):
    with pytest.raises(DomainError) as error:
        services.cancel_booking(actor=users["frontdesk"], move_in=scheduled(unit_a), now=NOW)
    assert error.value.code == "not_booked"


def test_scheduling_into_a_full_slot_creates_no_move_in(users, building_a, batch):
    from tests.factories import PersonFactory

    slot = MoveInSlotFactory(batch=batch, capacity=1, starts_at=timezone.now() + timedelta(days=1))
    slot.ends_at = slot.starts_at + timedelta(hours=1)
    slot.save(update_fields=["ends_at"])
    batch.ends_on = timezone.localdate() + timedelta(days=10)
    batch.save(update_fields=["ends_on"])
    first = services.schedule_move_in(
        actor=users["frontdesk"],
        unit=UnitFactory(building=building_a, state=Unit.State.VACANT),
        owner=PersonFactory(estate=building_a.estate),
        batch=batch,
        slot=slot,
        idempotency_key="first",
    )
    assert first.slot == slot
    unit = UnitFactory(building=building_a, state=Unit.State.VACANT)
    with pytest.raises(services.SlotFull):
        services.schedule_move_in(
            actor=users["frontdesk"],
            unit=unit,
            owner=PersonFactory(estate=building_a.estate),
            batch=batch,
            slot=slot,
            idempotency_key="second",
        )
    assert not MoveIn.objects.filter(unit=unit).exists()
