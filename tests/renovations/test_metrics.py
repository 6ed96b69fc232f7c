"""The renovation figures on fixed data, each expected value worked out by hand below."""

from datetime import date

import pytest

from renovations.metrics import violation_metrics
from renovations.models import Patrol, Renovation, Violation
from tests.factories import BuildingFactory, UnitFactory, make_staff, make_zone
from tests.renovations.conftest import at
from tests.renovations.factories import PatrolFactory, RenovationFactory, ViolationFactory

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)
NOW = at(2026, 3, 20, 12)  # today is 20 March: today's patrols still due are not due yet
S = Violation.Status
R = Patrol.Result


@pytest.fixture
def data(estate_a, estate_b, building_a, users):
    hk1 = users["housekeeper"]
    hk2 = make_staff("housekeeper", estate_a, username="hk2")
    building2 = BuildingFactory(estate=estate_a, code="5", name="5栋")
    zone1 = make_zone(estate_a, hk1, building_a, name="一区")
    zone2 = make_zone(estate_a, hk2, building2, name="二区")

    def works(building, estate=None):
        unit = UnitFactory(building=building)
        return RenovationFactory(unit=unit, status=Renovation.Status.IN_PROGRESS)

    r1, r1b, r2 = works(building_a), works(building_a), works(building2)
    rb = works(BuildingFactory(estate=estate_b, code="B"))

    def patrol(renovation, day, result, zone=None, assignee=None):
        return PatrolFactory(
            renovation=renovation, date=date(2026, 3, day), result=result, zone=zone, assignee=assignee
        )

    # Zone 1 (hk1): due = p1, p2, p3, p4 (yesterday, never swept), p6 (today, done) = 5;
    # done = p1, p2, p6 = 3. p5 is today's and still due: not counted.
    p1 = patrol(r1, 5, R.OK, zone1, hk1)
    p2 = patrol(r1, 6, R.VIOLATION, zone1, hk1)
    patrol(r1, 7, R.MISSED, zone1, hk1)
    patrol(r1, 19, R.PENDING, zone1, hk1)
    patrol(r1, 20, R.PENDING, zone1, hk1)
    patrol(r1b, 20, R.OK, zone1, hk1)
    # Zone 2 (hk2): due = p7, p8 = 2; done = p7 = 1.
    p7 = patrol(r2, 10, R.VIOLATION, zone2, hk2)
    patrol(r2, 11, R.MISSED, zone2, hk2)
    # Not March (28 February), and estate B's (done, 1 of 1).
    PatrolFactory(renovation=r1, date=date(2026, 2, 28), result=R.OK, zone=zone1, assignee=hk1)
    PatrolFactory(renovation=rb, date=date(2026, 3, 15), result=R.OK)

    def violation(renovation, day, source, status, patrol=None, hour=10, month=3, **extra):
        return ViolationFactory(
            renovation=renovation,
            source=source,
            status=status,
            patrol=patrol,
            found_at=at(2026, month, day, hour),
            **extra,
        )

    patrol_, report, staff = Violation.Source.PATROL, Violation.Source.RESIDENT_REPORT, Violation.Source.STAFF
    # Zone 1: v1 on time, v2 late, v3 escalated, v4 open, v5 dismissed (no violation), v6 rectified
    # with no deadline (on time).
    violation(r1, 5, patrol_, S.RECTIFIED, p1, rectify_by=date(2026, 3, 6), rectified_at=at(2026, 3, 5, 16))
    violation(r1, 6, patrol_, S.RECTIFIED, p2, rectify_by=date(2026, 3, 8), rectified_at=at(2026, 3, 10, 9))
    violation(r1, 7, report, S.ESCALATED, escalated_at=at(2026, 3, 9))
    violation(r1b, 8, staff, S.OPEN)
    violation(r1b, 9, patrol_, S.DISMISSED)
    violation(r1b, 12, report, S.RECTIFIED, rectified_at=at(2026, 3, 13))
    # Zone 2: v7 rectified half an hour into the day after its deadline (local time: late, though
    # it is still the deadline day in UTC), v8 escalated.
    violation(
        r2, 10, patrol_, S.RECTIFIED, p7, rectify_by=date(2026, 3, 20), rectified_at=at(2026, 3, 21, 0, 30)
    )
    violation(r2, 11, staff, S.ESCALATED, escalated_at=at(2026, 3, 15))
    # Not March in local time (though 1 April 00:10 is still 31 March in UTC, and 28 February
    # 23:30 is 28 February anywhere); estate B's (found by patrol, rectified, no deadline).
    violation(r1, 28, patrol_, S.RECTIFIED, month=2, hour=23, rectified_at=at(2026, 3, 1))
    ViolationFactory(renovation=r2, source=patrol_, status=S.OPEN, found_at=at(2026, 4, 1, 0, 10))
    violation(rb, 15, patrol_, S.RECTIFIED, rectified_at=at(2026, 3, 16))
    return {"zone1": zone1, "zone2": zone2, "hk1": hk1, "hk2": hk2}


def test_the_figures_of_one_estate_and_month(data, estate_a):
    m = violation_metrics(estate_ids=[estate_a.pk], month=MARCH, now=NOW)
    # Violations v1, v2, v3, v4, v6, v7, v8 = 7 (v5 dismissed); by patrol v1, v2, v7 = 3.
    assert (m.violations, m.found_by_patrol) == (7, 3)
    assert m.violation_discovery_rate == round(3 / 7, 4) == 0.4286
    # Rectified v1, v2, v6, v7 = 4, on time v1, v6 = 2; escalated v3, v8 = 2.
    assert (m.rectified, m.rectified_on_time, m.escalated) == (4, 2, 2)
    assert m.timely_handling_rate == round(2 / 6, 4) == 0.3333
    assert m.success_rate == round(4 / 6, 4) == 0.6667
    # Patrols due 5 + 2 = 7, done 3 + 1 = 4.
    assert (m.patrols_due, m.patrols_done) == (7, 4)
    assert m.patrol_completion_rate == round(4 / 7, 4) == 0.5714
    assert (m.key, m.month) == (None, "2026-03")


def test_by_zone_and_by_housekeeper(data, estate_a):
    for by, first, second in (("zone", "zone1", "zone2"), ("housekeeper", "hk1", "hk2")):
        rows = {
            row.key: row for row in violation_metrics(estate_ids=[estate_a.pk], month=MARCH, by=by, now=NOW)
        }
        assert set(rows) == {data[first].pk, data[second].pk}, by
        one, two = rows[data[first].pk], rows[data[second].pk]
        # Zone 1: v1, v2, v3, v4, v6 = 5, by patrol 2; rectified 3 (on time 2), escalated 1.
        assert (one.violations, one.found_by_patrol, one.rectified, one.rectified_on_time, one.escalated) == (
            5,
            2,
            3,
            2,
            1,
        )
        assert (one.violation_discovery_rate, one.timely_handling_rate, one.success_rate) == (0.4, 0.5, 0.75)
        assert (one.patrols_due, one.patrols_done, one.patrol_completion_rate) == (5, 3, 0.6)
        # Zone 2: v7 (late), v8 escalated; patrols 1 of 2.
        assert (two.violations, two.found_by_patrol, two.rectified, two.rectified_on_time, two.escalated) == (
            2,
            1,
            1,
            0,
            1,
        )
        assert (two.violation_discovery_rate, two.timely_handling_rate, two.success_rate) == (0.5, 0.0, 0.5)
        assert (two.patrols_due, two.patrols_done, two.patrol_completion_rate) == (2, 1, 0.5)
    # Sorted by label.
    zone_rows = violation_metrics(estate_ids=[estate_a.pk], month=MARCH, by="zone", now=NOW)
    assert [row.label for row in zone_rows] == sorted(["一区", "二区"])
    housekeeper_rows = violation_metrics(estate_ids=[estate_a.pk], month=MARCH, by="housekeeper", now=NOW)
    assert [row.label for row in housekeeper_rows] == ["hk2", "housekeeper"]


def test_by_estate(data, estate_a, estate_b):
    rows = {
        row.key: row
        for row in violation_metrics(estate_ids=[estate_a.pk, estate_b.pk], month=MARCH, by="estate", now=NOW)
    }
    assert set(rows) == {estate_a.pk, estate_b.pk}
    assert rows[estate_a.pk].violations == 7
    b = rows[estate_b.pk]
    assert (b.label, b.violations, b.violation_discovery_rate, b.timely_handling_rate, b.success_rate) == (
        estate_b.name,
        1,
        1.0,
        1.0,
        1.0,
    )
    assert (b.patrols_due, b.patrols_done, b.patrol_completion_rate) == (1, 1, 1.0)


def test_an_empty_month_has_no_rates(data, estate_a):
    m = violation_metrics(estate_ids=[estate_a.pk], month=date(2026, 6, 1), now=NOW)
    assert (m.violations, m.patrols_due) == (0, 0)
    assert (m.violation_discovery_rate, m.timely_handling_rate, m.success_rate, m.patrol_completion_rate) == (
        None,
        None,
        None,
        None,
    )


def test_the_figures_are_counted_in_a_fixed_number_of_queries(data, estate_a, django_assert_num_queries):
    with django_assert_num_queries(2):
        violation_metrics(estate_ids=[estate_a.pk], month=MARCH, now=NOW)
    with django_assert_num_queries(3):
        violation_metrics(estate_ids=[estate_a.pk], month=MARCH, by="housekeeper", now=NOW)


def test_an_unknown_grouping_is_refused(estate_a):
    with pytest.raises(ValueError):
        violation_metrics(estate_ids=[estate_a.pk], month=MARCH, by="team")
