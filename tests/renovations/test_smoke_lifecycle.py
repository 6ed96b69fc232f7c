from decimal import Decimal

import pytest

from renovations import services
from renovations.models import Renovation
from tests.billing.conftest import new_key
from tests.renovations.conftest import at
from tests.renovations.helpers import permitted

pytestmark = pytest.mark.django_db


def test_a_renovation_from_application_to_close(unit_a, owner, users, rules, regular_item, non_regular_item):
    renovation = permitted(unit_a, owner, users, [regular_item, non_regular_item])
    assert renovation.status == Renovation.Status.PERMITTED
    renovation = services.start_works(renovation=renovation, actor=users["clerk"], now=at(2026, 3, 2))
    renovation = services.request_completion(renovation=renovation, actor=users["frontdesk"], now=at(2026, 4, 20))
    services.pass_acceptance(renovation=renovation, actor=users["engineer"], now=at(2026, 4, 21))
    renovation.refresh_from_db()
    services.propose_deduction(renovation=renovation, actor=users["engineer"], amount="200", reason="走廊墙面损坏")
    services.pass_second_inspection(renovation=renovation, actor=users["engineer"], now=at(2026, 7, 21))
    services.approve_refund(
        renovation=renovation, actor=users["manager"], method="cash", idempotency_key=new_key(), now=at(2026, 7, 22)
    )
    renovation = services.close_renovation(renovation=renovation, actor=users["frontdesk"], now=at(2026, 7, 23))
    assert renovation.status == Renovation.Status.CLOSED
    assert renovation.deductions.get().movement.amount == Decimal("200.00")
