"""The demo rosters: this month for the demo teams, on a rota the conflict checks accept."""

from __future__ import annotations

import io
import random

import pytest
from django.utils import timezone

from servicecenter.demo import seed_archive
from staff import demo_rosters
from staff.models import RosterEntry, SwapRequest
from staff.selectors_rosters import roster_conflicts
from staff.services_rosters import week_start_of

pytestmark = pytest.mark.django_db


def test_the_demo_rosters_fill_this_month_without_conflicts_and_run_twice_harmlessly():
    estates, users = seed_archive(rng=random.Random(1), password="demo-pass-123")
    demo_rosters.seed_demo_data(estates=estates, users=users, rng=random.Random(1), stdout=io.StringIO())
    today = timezone.localdate()
    entries = RosterEntry.objects.filter(day__year=today.year, day__month=today.month)
    count = entries.count()
    assert count > 0
    assert SwapRequest.objects.filter(status="requested").count() == 1
    for team_id in entries.values_list("team_id", flat=True).distinct():
        team = entries.filter(team_id=team_id).first().team
        kinds = {c.kind for c in roster_conflicts(team=team, week_start=week_start_of(today))}
        assert not kinds & {"double_booking", "short_rest", "too_many_days"}, (team, kinds)
    demo_rosters.seed_demo_data(estates=estates, users=users, rng=random.Random(1), stdout=io.StringIO())
    assert entries.count() == count
