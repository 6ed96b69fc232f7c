"""The desk logs' demo: every state of each log, made through the services, once."""

import random
from io import StringIO

import pytest

from frontdesk import demo
from frontdesk.models import LostItem, Parcel, Visitor
from servicecenter.demo import seed_archive

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_state_and_runs_once():
    estates, users = seed_archive(rng=random.Random(7), password="demo12345")
    demo.seed_demo_data(estates=estates, users=users, rng=random.Random(7), stdout=StringIO())
    estate = estates[0]
    assert set(Visitor.objects.filter(estate=estate).values_list("status", flat=True)) == set(
        Visitor.Status.values
    )
    assert set(LostItem.objects.filter(estate=estate).values_list("status", flat=True)) == set(
        LostItem.Status.values
    )
    assert set(Parcel.objects.filter(estate=estate).values_list("status", flat=True)) == set(
        Parcel.Status.values
    )
    for item in LostItem.objects.filter(estate=estate):
        assert item.events.order_by("created_at", "pk").first().action == "register"
    counts = (Visitor.objects.count(), LostItem.objects.count(), Parcel.objects.count())
    out = StringIO()
    demo.seed_demo_data(estates=estates, users=users, rng=random.Random(7), stdout=out)
    assert (Visitor.objects.count(), LostItem.objects.count(), Parcel.objects.count()) == counts
    assert "left as it is" in out.getvalue()
