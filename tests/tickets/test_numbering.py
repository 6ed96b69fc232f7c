"""Ticket numbers under concurrent registration (PostgreSQL: real row locks, real threads)."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from tests.tickets.factories import register
from tickets.models import Ticket, TicketCounter

NOW = datetime(2025, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.postgres
def test_concurrent_registrations_get_distinct_gapless_numbers(users, unit_a):
    workers, per_worker = 8, 5
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait()
            for _ in range(per_worker):
                register(users["frontdesk"], unit_a, now=NOW)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == [f"LJY-20250310-{n:04d}" for n in range(1, workers * per_worker + 1)]
    assert TicketCounter.objects.get().last_number == workers * per_worker


@pytest.mark.postgres
def test_a_failed_registration_does_not_burn_a_number(users, unit_a):
    from django.core.exceptions import ValidationError

    register(users["frontdesk"], unit_a, now=NOW)
    with pytest.raises(ValidationError):
        register(users["frontdesk"], unit_a, description="", now=NOW)
    with pytest.raises(ValidationError):
        register(users["frontdesk"], unit_a, is_paid_service=True, now=NOW)
    assert register(users["frontdesk"], unit_a, now=NOW).number == "LJY-20250310-0002"
