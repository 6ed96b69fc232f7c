"""Move-outs under real concurrency (PostgreSQL only): threads, each on its own connection."""

import pytest

from frontdesk import services
from frontdesk.models import MoveOut
from residents.models import Pass
from servicecenter.exceptions import DomainError
from tests.billing.test_concurrency import run_together
from tests.frontdesk.moveout_helpers import occupant, register

pytestmark = pytest.mark.postgres


def test_two_desks_approving_at_once_issue_one_pass(unit_a, users):
    moveout = register(unit_a, users["frontdesk"])
    results = run_together(
        2,
        lambda i: services.approve_moveout(moveout=moveout, actor=users["frontdesk" if i else "supervisor"]),
    )
    assert sum(isinstance(r, MoveOut) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert Pass.objects.count() == 1
    assert MoveOut.objects.get(pk=moveout.pk).events.filter(action="approve").count() == 1


def test_a_double_submit_registers_once(unit_a, users):
    occupancy = occupant(unit_a)
    results = run_together(
        3, lambda i: register(unit_a, users["frontdesk"], occupancy=occupancy, idempotency_key="same-key")
    )
    assert all(isinstance(r, MoveOut) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert MoveOut.objects.count() == 1
