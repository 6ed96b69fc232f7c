"""Worker passes: valid for the permit period at Shanghai midnights, issued at the permit (and at
once for a worker added later), revoked when a worker leaves and at acceptance; safe twice."""

from datetime import UTC, datetime

import pytest

from renovations import services
from renovations.services.passes import issue_worker_passes, revoke_worker_passes
from residents.models import Pass
from tests.renovations.conftest import at, worker
from tests.renovations.helpers import permitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def renovation(unit_a, owner, users, rules, regular_item):
    """Permitted on 13 February for 2 March – 30 April 2026, with one worker."""
    return permitted(unit_a, owner, users, [regular_item])


def worker_pass(renovation, n=0) -> Pass:
    return renovation.workers.order_by("pk")[n].current_pass


def test_the_pass_runs_from_the_planned_start_to_the_end_of_the_planned_end_day_in_shanghai(renovation):
    pass_ = worker_pass(renovation)
    assert pass_.valid_from == at(2026, 3, 2, 0, 0)
    assert pass_.valid_until == at(2026, 5, 1, 0, 0)
    # Shanghai midnight is 16:00 UTC the day before.
    assert pass_.valid_from == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert pass_.holder_name == "工人1"
    assert pass_.holder_id_masked == renovation.workers.get().id_number_masked
    assert "08:00-12:00" in pass_.allowed_hours


@pytest.mark.parametrize(
    ("moment", "state"),
    [
        (datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), "not_yet_valid"),  # 1 March 23:59:59 local
        (datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC), "valid"),  # 2 March 00:00 local
        (datetime(2026, 4, 30, 15, 59, 59, tzinfo=UTC), "valid"),  # 30 April 23:59:59 local
        (datetime(2026, 4, 30, 16, 0, 0, tzinfo=UTC), "expired"),  # 1 May 00:00 local
    ],
)
def test_validity_at_its_edges(renovation, moment, state):
    assert worker_pass(renovation).state_at(moment) == state


def test_a_permit_issued_after_the_start_runs_from_then(unit_a, owner, users, rules, regular_item):
    renovation = permitted(unit_a, owner, users, [regular_item], now=at(2026, 3, 5, 9, 30))
    assert worker_pass(renovation).valid_from == at(2026, 3, 5, 9, 30)


def test_issuing_twice_gives_one_pass_per_worker(renovation, clerk):
    assert issue_worker_passes(renovation=renovation, actor=clerk, now=at(2026, 2, 14)) == []
    assert Pass.objects.count() == 1


def test_a_worker_added_during_the_works_gets_a_pass_at_once(renovation, clerk):
    added = services.add_worker(renovation=renovation, actor=clerk, now=at(2026, 3, 10, 9), **worker(7))
    assert added.current_pass is not None
    assert added.current_pass.state_at(at(2026, 3, 10, 10)) == "valid"
    assert renovation.events.filter(action="add_worker").exists()


def test_a_worker_added_under_review_gets_no_pass_yet(unit_a, owner, users, rules, regular_item):
    from tests.renovations.helpers import register

    renovation = register(unit_a, owner, users["frontdesk"], [regular_item])
    added = services.add_worker(renovation=renovation, actor=users["frontdesk"], **worker(2))
    assert added.current_pass is None
    assert not Pass.objects.exists()


def test_a_worker_with_an_invalid_mobile_is_refused(renovation, clerk):
    from servicecenter.exceptions import DomainError

    with pytest.raises(DomainError) as caught:
        services.add_worker(renovation=renovation, actor=clerk, **worker(3, mobile="0755-1234567"))
    assert caught.value.code == "worker_mobile_invalid"
    assert renovation.workers.count() == 1


def test_removing_a_worker_revokes_only_that_pass(renovation, clerk):
    second = services.add_worker(renovation=renovation, actor=clerk, now=at(2026, 3, 10, 9), **worker(8))
    first = renovation.workers.order_by("pk").first()
    services.remove_worker(worker=first, actor=clerk, reason="已离场", now=at(2026, 3, 11, 9))
    first.refresh_from_db()
    assert first.removed_at == at(2026, 3, 11, 9)
    assert first.current_pass.state_at(at(2026, 3, 11, 10)) == "revoked"
    assert first.current_pass.revoked_by == clerk
    assert Pass.objects.get(pk=second.current_pass_id).state_at(at(2026, 3, 11, 10)) == "valid"


def test_passes_are_revoked_at_acceptance(renovation, users):
    services.start_works(renovation=renovation, actor=users["clerk"], now=at(2026, 3, 2, 8))
    services.request_completion(renovation=renovation, actor=users["frontdesk"], now=at(2026, 4, 20))
    services.pass_acceptance(renovation=renovation, actor=users["engineer"], now=at(2026, 4, 21, 15))
    pass_ = Pass.objects.get()
    assert pass_.state_at(at(2026, 4, 21, 14, 59)) == "valid"
    assert pass_.state_at(at(2026, 4, 21, 15)) == "revoked"


def test_revoking_is_safe_twice(renovation, clerk):
    assert revoke_worker_passes(renovation=renovation, actor=clerk, reason="停工", now=at(2026, 3, 3)) == 1
    assert revoke_worker_passes(renovation=renovation, actor=clerk, reason="停工", now=at(2026, 3, 4)) == 0
    assert Pass.objects.get().revoked_at == at(2026, 3, 3)


def test_after_a_revocation_a_new_round_of_passes_is_issued(renovation, clerk):
    revoke_worker_passes(renovation=renovation, actor=None, reason="停工", now=at(2026, 3, 3))
    again = issue_worker_passes(renovation=renovation, actor=None, now=at(2026, 3, 5))
    assert len(again) == 1
    assert again[0].source_reference.endswith(":2")
    assert again[0].state_at(at(2026, 3, 5, 9)) == "valid"
