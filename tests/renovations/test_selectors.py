import pytest
from django.http import Http404

from renovations.selectors import renovation_for_page, renovations_for_list, timeline
from tests.factories import make_resident
from tests.renovations.factories import RenovationFactory

pytestmark = pytest.mark.django_db


def test_lists_and_pages_are_scoped(unit_a, unit_a2, unit_b, users):
    mine = RenovationFactory(unit=unit_a)
    neighbour = RenovationFactory(unit=unit_a2)
    elsewhere = RenovationFactory(unit=unit_b)
    assert set(renovations_for_list(user=users["frontdesk"])) == {mine, neighbour}
    assert set(renovations_for_list(user=users["company"])) == {mine, neighbour, elsewhere}
    resident = make_resident(unit_a, username="yezhu")
    assert list(renovations_for_list(user=resident)) == [mine]
    assert renovation_for_page(user=resident, pk=mine.pk) == mine
    with pytest.raises(Http404):
        renovation_for_page(user=resident, pk=neighbour.pk)
    with pytest.raises(Http404):
        renovation_for_page(user=users["frontdesk"], pk=elsewhere.pk)


def test_list_rows_need_no_extra_queries(unit_a, unit_a2, users, django_assert_max_num_queries):
    RenovationFactory(unit=unit_a)
    RenovationFactory(unit=unit_a2)
    with django_assert_max_num_queries(3):
        rows = [
            (r.number, r.unit.code, r.owner.name, r.estate.name)
            for r in renovations_for_list(user=users["clerk"])
        ]
    assert len(rows) == 2


def test_timeline_is_oldest_first(unit_a, users):
    renovation = RenovationFactory(unit=unit_a)
    renovation.events.create(action="b", actor=users["clerk"])
    assert [e.action for e in timeline(renovation)] == ["b"]
