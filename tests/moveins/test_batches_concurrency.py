"""Booking under real concurrency (PostgreSQL only): threads, each on its own connection, book
the same slot at the same moment; the slot's row lock keeps the bookings within its capacity."""

import threading
from datetime import datetime

import pytest
from django.db import connection
from django.utils import timezone

from moveins import services
from moveins.models import MoveIn
from tests.factories import UnitFactory
from tests.moveins.factories import MoveInBatchFactory, MoveInFactory, MoveInSlotFactory

pytestmark = pytest.mark.postgres

NOW = timezone.make_aware(datetime(2026, 2, 20, 10, 0))


def run_together(count, work):
    """Start `count` threads at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def target(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_bookings_never_exceed_the_capacity(estate_a, building_a, users):
    slot = MoveInSlotFactory(batch=MoveInBatchFactory(estate=estate_a), capacity=2)
    move_ins = [MoveInFactory(unit=UnitFactory(building=building_a), scheduled_for=None) for _ in range(6)]
    desk = users["frontdesk"]

    results = run_together(
        len(move_ins), lambda i: services.book_slot(actor=desk, move_in=move_ins[i], slot=slot, now=NOW)
    )

    booked = [r for r in results if isinstance(r, MoveIn)]
    refused = [r for r in results if isinstance(r, services.SlotFull)]
    assert len(booked) == 2 and len(refused) == 4, results
    assert MoveIn.objects.filter(slot=slot).count() == 2
    assert services.booked_count(slot) == 2
