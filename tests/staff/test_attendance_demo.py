from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from staff import demo_attendance
from staff.models import AttendanceRecord, ShiftHandover, Team
from tests.factories import TeamFactory, make_staff
from tests.staff.rostering import put

pytestmark = pytest.mark.django_db


def test_the_demo_clocks_in_against_past_shifts_and_writes_handovers_once(estate_a):
    desk = TeamFactory(estate=estate_a, kind=Team.Kind.CUSTOMER_SERVICE, name="客服组")
    first = make_staff("frontdesk", estate_a, username="d1", team=desk)
    make_staff("frontdesk", estate_a, username="d2", team=desk)
    today = timezone.localdate()
    for back in range(2, 12):
        put(desk, first, today - timedelta(days=back), "morning")
    for _ in range(2):
        demo_attendance.seed_demo_data(
            estates=[estate_a], users={}, rng=random.Random(7), stdout=io.StringIO()
        )
    records = AttendanceRecord.objects.filter(estate=estate_a)
    assert 1 <= records.count() <= 10
    assert all(record.roster_entry_id and record.clock_out_at for record in records)
    assert ShiftHandover.objects.filter(team=desk).count() == 2
    assert ShiftHandover.objects.filter(team=desk, acknowledged_at__isnull=False).count() == 1
