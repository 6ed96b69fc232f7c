"""The key custody and invoice demo runs through the services and is idempotent."""

from __future__ import annotations

import io
import random

import pytest

from frontdesk import demo_keys
from frontdesk.models import InvoiceRequest, KeyCustody
from tests.factories import OccupancyFactory, UnitFactory
from tests.frontdesk.keys_helpers import paid_bill

pytestmark = pytest.mark.django_db


def test_the_demo_makes_keys_in_each_state_and_invoice_requests(estate_a, building_a, users):
    from datetime import date

    for index in range(4):
        unit = UnitFactory(building=building_a, number=f"{index + 1}05")
        OccupancyFactory(unit=unit)
        paid_bill(unit, users["clerk"], period=date(2025, 1, 1), code=f"d{index}")
    out = io.StringIO()
    demo_keys.seed_demo_data(estates=[estate_a], users=users, rng=random.Random(1), stdout=out)
    statuses = sorted(KeyCustody.objects.values_list("status", flat=True))
    assert statuses == ["handed_out", "held", "held", "returned_to_owner"]
    assert sorted(InvoiceRequest.objects.values_list("status", flat=True)) == [
        "issued",
        "rejected",
        "requested",
    ]
    demo_keys.seed_demo_data(estates=[estate_a], users=users, rng=random.Random(1), stdout=out)
    assert KeyCustody.objects.count() == 4 and InvoiceRequest.objects.count() == 3
