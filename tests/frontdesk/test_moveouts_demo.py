"""The move-out demo: every state, made through the services, once; an override when some unit
owes money."""

import random
from datetime import date
from io import StringIO

import pytest

from frontdesk.demo_moveouts import seed_demo_data
from frontdesk.models import MoveOut
from residents.models import Occupancy
from servicecenter.demo import seed_archive
from tests.billing.conftest import make_bill

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_once():
    estates, users = seed_archive(rng=random.Random(7), password="demo12345")
    # Two units that owe money (billing's own demo is slow to seed).
    occupied = Occupancy.objects.current().filter(unit__estate=estates[0]).order_by("unit__code")
    for unit in {o.unit for o in occupied[:2]}:
        make_bill(unit, "88.00", due=date(2025, 1, 28))
    seed_demo_data(estates=estates, users=users, rng=random.Random(7), stdout=StringIO())
    requests = MoveOut.objects.filter(estate=estates[0])
    assert set(requests.values_list("status", flat=True)) == set(MoveOut.Status.values)
    for moveout in requests:
        assert moveout.events.order_by("created_at", "pk").first().action == "register"
    assert requests.filter(arrears_override_at__isnull=False).exists()
    count = requests.count()
    out = StringIO()
    seed_demo_data(estates=estates, users=users, rng=random.Random(7), stdout=out)
    assert MoveOut.objects.filter(estate=estates[0]).count() == count
    assert "left as it is" in out.getvalue()
