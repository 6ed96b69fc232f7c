"""The renovation demo: every state of the workflow, made through the services, once."""

import random
from io import StringIO

import pytest

from renovations import demo
from renovations.models import Patrol, Renovation, RenovationEvent, Violation
from renovations.selectors import charges_outstanding
from residents.models import Pass
from servicecenter.demo import seed_archive

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    estates, users = seed_archive(rng=random.Random(7), password="demo12345")
    out = StringIO()
    demo.seed_demo_data(estates=estates, users=users, rng=random.Random(7), stdout=out)
    return estates, users, out.getvalue()


def test_the_demo_has_a_renovation_in_every_state_with_its_history(seeded):
    estates, _users, _out = seeded
    renovations = Renovation.objects.filter(estate=estates[0])
    assert set(renovations.values_list("status", flat=True)) == set(Renovation.Status.values)
    # Made through the services: each renovation's timeline starts with its registration.
    for renovation in renovations:
        assert renovation.events.order_by("created_at", "pk").first().action == "register"
    closed = renovations.get(status=Renovation.Status.CLOSED)
    assert {"approve", "issue_permit", "accept", "approve_refund", "close"} <= set(
        RenovationEvent.objects.filter(renovation=closed).values_list("action", flat=True)
    )


def test_permits_follow_payment_or_a_waiver_and_workers_hold_passes(seeded):
    estates, _users, _out = seeded
    permitted = Renovation.objects.filter(estate=estates[0], permitted_at__isnull=False)
    assert permitted.count() >= 9
    for renovation in permitted:
        assert renovation.fees_waived_at is not None or not charges_outstanding(renovation)
    assert permitted.filter(fees_waived_at__isnull=False).count() == 1
    in_progress = permitted.filter(status=Renovation.Status.IN_PROGRESS).first()
    worker = in_progress.workers.select_related("current_pass").first()
    assert worker.current_pass is not None and worker.current_pass.revoked_at is None
    stopped = permitted.get(status=Renovation.Status.STOPPED)
    assert not Pass.objects.filter(
        pk__in=stopped.workers.values("current_pass"), revoked_at__isnull=True
    ).exists()


def test_patrols_and_violations_in_each_state(seeded):
    estates, _users, _out = seeded
    results = set(Patrol.objects.filter(estate=estates[0]).values_list("result", flat=True))
    assert {Patrol.Result.OK, Patrol.Result.PENDING, Patrol.Result.MISSED, Patrol.Result.VIOLATION} <= results
    statuses = set(Violation.objects.filter(estate=estates[0]).values_list("status", flat=True))
    assert {"open", "rectifying", "rectified", "escalated"} <= statuses


def test_seeding_again_adds_nothing(seeded):
    estates, users, _out = seeded
    counts = (
        Renovation.objects.count(),
        Patrol.objects.count(),
        Violation.objects.count(),
        Pass.objects.count(),
    )
    out = StringIO()
    demo.seed_demo_data(estates=estates, users=users, rng=random.Random(7), stdout=out)
    assert counts == (
        Renovation.objects.count(),
        Patrol.objects.count(),
        Violation.objects.count(),
        Pass.objects.count(),
    )
    assert "left as it is" in out.getvalue()
