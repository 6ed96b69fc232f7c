"""The quality and incident demo runs through the services and is idempotent."""

from __future__ import annotations

import io
import random

import pytest

from staff import demo_quality
from staff.models import Incident, QualityInspection, RectificationOrder

pytestmark = pytest.mark.django_db


def test_the_demo_makes_a_round_with_an_order_and_an_incident_with_a_timeline(estate_a, users):
    out = io.StringIO()
    for _ in range(2):
        demo_quality.seed_demo_data(estates=[estate_a], users=users, rng=random.Random(1), stdout=out)
    inspection = QualityInspection.objects.get()
    assert inspection.findings.filter(passed=False).count() == 1
    assert RectificationOrder.objects.get().status == RectificationOrder.Status.ISSUED
    assert Incident.objects.get().timeline.count() == 3
