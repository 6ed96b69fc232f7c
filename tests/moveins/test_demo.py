"""The move-in demo: a running batch with its slots and a move-in in every state, made through the
services, with open defects whose repair tickets are open; a second run adds nothing."""

import random
from io import StringIO

import pytest

from moveins import demo
from moveins.models import Defect, MoveIn, MoveInBatch
from servicecenter.demo import seed_archive
from tests.billing.conftest import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    estates, users = seed_archive(rng=random.Random(7), password="demo12345")
    make_item(estates[0], "property", rate="2.50", vacant_discount_applies=True)
    out = StringIO()
    demo.seed_demo_data(estates=estates, users=users, rng=random.Random(7), stdout=out)
    return estates, users, out.getvalue()


def test_the_demo_has_a_move_in_in_every_state_and_a_running_batch(seeded):
    estates, users, _out = seeded
    move_ins = MoveIn.objects.filter(estate=estates[0])
    assert set(move_ins.values_list("status", flat=True)) == set(MoveIn.Status.values)
    for move_in in move_ins:
        assert move_in.events.order_by("created_at", "pk").first().action == "schedule"
    batch = MoveInBatch.objects.get(estate=estates[0])
    assert batch.slots.exists() and move_ins.filter(slot__batch=batch).exists()
    open_defects = Defect.objects.filter(move_in__estate=estates[0], closed_at__isnull=True)
    assert open_defects.exists() and all(d.ticket_id for d in open_defects)
    assert move_ins.filter(status="completed", satisfaction__isnull=False).exists()

    before = MoveIn.objects.count()
    demo.seed_demo_data(estates=estates, users=users, rng=random.Random(7), stdout=StringIO())
    assert MoveIn.objects.count() == before
