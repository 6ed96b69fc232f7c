import pytest

from renovations.models import Renovation
from residents.models import Occupancy
from tests.renovations.factories import (
    PatrolFactory,
    RenovationFactory,
    RenovationWorkerFactory,
    ScopeItemFactory,
    ViolationFactory,
)

pytestmark = pytest.mark.django_db


def test_factories_make_consistent_rows(unit_a, engineer, manager):
    renovation = RenovationFactory(unit=unit_a, is_regular=False)
    assert renovation.estate == unit_a.estate
    assert Occupancy.objects.current().filter(unit=unit_a, person=renovation.owner, role="owner").exists()
    assert [item.is_regular for item in renovation.scope_items.all()] == [False]
    assert ScopeItemFactory(estate=unit_a.estate).is_regular
    worker = RenovationWorkerFactory(renovation=renovation)
    assert worker.id_number_masked.startswith("110") and "*" in worker.id_number_masked
    assert PatrolFactory(renovation=renovation).estate == unit_a.estate
    assert ViolationFactory(renovation=renovation).unit == unit_a
    assert RenovationFactory(unit=unit_a).owner == renovation.owner
    assert engineer.has_perm("renovations.review_renovation_engineering")
    assert not engineer.has_perm("renovations.approve_renovation")
    assert manager.has_perm("renovations.approve_renovation")
    assert Renovation.objects.count() == 2
