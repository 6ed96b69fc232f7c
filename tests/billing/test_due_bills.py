"""Which estates bill today: the service the daily task calls (the task only logs its answer)."""

import pytest

from billing import services
from billing.models import BillingPolicy
from billing.tasks import generate_monthly_bills
from tests.billing.conftest import at

pytestmark = pytest.mark.django_db


def test_an_estate_bills_from_its_bill_day_and_one_without_a_policy_from_the_first(estate_a, estate_b):
    BillingPolicy.objects.create(estate=estate_a, bill_day=15)

    before = services.generate_due_bills(now=at(2026, 3, 14))
    on_the_day = services.generate_due_bills(now=at(2026, 3, 15))

    assert list(before) == [estate_b]
    assert set(on_the_day) == {estate_a, estate_b}
    assert {result.period.isoformat() for result in on_the_day.values()} == {"2026-03-01"}


def test_the_task_issues_what_the_service_decides(monkeypatch):
    decided = {}

    def fake(*, now):
        decided["now"] = now
        return {}

    monkeypatch.setattr(services, "generate_due_bills", fake)
    assert generate_monthly_bills() == 0
    assert decided["now"].tzinfo is not None
