"""Daily patrols: one per active renovation and day for the zone's housekeeper, recorded OK or
with a violation, missed when still due after their day, listed for the supervisor."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from renovations import services
from renovations.metrics import missed_patrols, patrols_for_day
from renovations.models import Patrol, Renovation, RenovationDocument, Violation
from servicecenter.exceptions import DomainError
from staff.models import Notification
from tests.factories import BuildingFactory, UnitFactory, make_staff, make_zone
from tests.renovations.conftest import at
from tests.renovations.factories import PatrolFactory, RenovationFactory
from tests.renovations.test_violations import png

pytestmark = pytest.mark.django_db

MORNING = at(2026, 3, 10, 7)
TODAY = date(2026, 3, 10)


@pytest.fixture
def zone(estate_a, building_a, housekeeper):
    return make_zone(estate_a, housekeeper, building_a)


@pytest.fixture
def active(unit_a, zone):
    """Renovations of estate A in each state; those in ACTIVE are patrolled while in their period."""
    made = {}
    for status in Renovation.Status.values:
        unit = unit_a if status == Renovation.Status.IN_PROGRESS else UnitFactory(building=unit_a.building)
        made[status] = RenovationFactory(unit=unit, status=status)
    return made


def test_one_patrol_per_active_renovation_for_the_zone_housekeeper(active, zone, housekeeper):
    created = services.generate_daily_patrols(now=MORNING)
    patrols = Patrol.objects.filter(date=TODAY)
    assert created == 4
    assert {p.renovation.status for p in patrols} == set(Renovation.ACTIVE)
    assert {(p.assignee, p.zone, p.result, p.estate_id) for p in patrols} == {
        (housekeeper, zone, Patrol.Result.PENDING, zone.estate_id)
    }


def test_generating_twice_a_day_creates_nothing_more_and_tells_the_housekeeper_once(active, housekeeper):
    services.generate_daily_patrols(now=MORNING)
    assert services.generate_daily_patrols(now=at(2026, 3, 10, 8)) == 0
    assert Patrol.objects.count() == 4
    notice = Notification.objects.get(recipient=housekeeper, kind="renovation_patrols_due")
    assert "4" in notice.title
    # The next day has its own patrols.
    assert services.generate_daily_patrols(now=at(2026, 3, 11, 7)) == 4
    assert Patrol.objects.count() == 8


def test_no_patrol_outside_the_planned_period(unit_a, zone):
    RenovationFactory(unit=unit_a, status=Renovation.Status.PERMITTED, planned_start=date(2026, 3, 11))
    RenovationFactory(
        unit=UnitFactory(building=unit_a.building),
        status=Renovation.Status.IN_PROGRESS,
        planned_start=date(2026, 2, 1),
        planned_end=date(2026, 3, 9),
    )
    assert services.generate_daily_patrols(now=MORNING) == 0
    assert services.generate_daily_patrols(now=at(2026, 3, 11, 7)) == 1


def test_a_building_without_a_zone_gets_an_unassigned_patrol(estate_a):
    unit = UnitFactory(building=BuildingFactory(estate=estate_a, code="9"))
    RenovationFactory(unit=unit, status=Renovation.Status.IN_PROGRESS)
    services.generate_daily_patrols(now=MORNING)
    patrol = Patrol.objects.get()
    assert (patrol.zone, patrol.assignee) == (None, None)


# --- recording ----------------------------------------------------------------------------------


@pytest.fixture
def patrol(unit_a, housekeeper, zone):
    renovation = RenovationFactory(unit=unit_a, status=Renovation.Status.IN_PROGRESS)
    return PatrolFactory(renovation=renovation, date=TODAY, zone=zone, assignee=housekeeper)


def test_record_patrol_ok_with_findings_and_photos(patrol, housekeeper):
    services.record_patrol(
        patrol=patrol,
        actor=housekeeper,
        result="ok",
        findings=" 现场整洁 ",
        photos=[png()],
        now=at(2026, 3, 10, 14),
    )
    patrol.refresh_from_db()
    assert (patrol.result, patrol.findings, patrol.patrolled_at, patrol.patrolled_by) == (
        Patrol.Result.OK,
        "现场整洁",
        at(2026, 3, 10, 14),
        housekeeper,
    )
    assert patrol.documents.get().kind == RenovationDocument.Kind.PATROL_PHOTO
    assert not Violation.objects.exists()


def test_record_patrol_with_a_violation_records_it_as_found_by_the_patrol(patrol, housekeeper):
    services.record_patrol(
        patrol=patrol,
        actor=housekeeper,
        result="violation",
        findings="楼道堆放建筑垃圾",
        violation={"kind": Violation.Kind.RUBBISH, "rectify_by": date(2026, 3, 11), "source": "staff"},
        now=at(2026, 3, 10, 14),
    )
    patrol.refresh_from_db()
    violation = Violation.objects.get()
    assert patrol.result == Patrol.Result.VIOLATION
    assert (violation.source, violation.patrol, violation.renovation_id, violation.kind) == (
        Violation.Source.PATROL,
        patrol,
        patrol.renovation_id,
        Violation.Kind.RUBBISH,
    )
    assert violation.description == "楼道堆放建筑垃圾"


def test_a_patrol_is_recorded_once(patrol, housekeeper):
    services.record_patrol(patrol=patrol, actor=housekeeper, result="ok", now=at(2026, 3, 10, 14))
    with pytest.raises(DomainError) as error:
        services.record_patrol(patrol=patrol, actor=housekeeper, result="ok", now=at(2026, 3, 10, 15))
    assert error.value.code == "patrol_recorded"


@pytest.mark.parametrize(
    ("result", "violation", "code"),
    [
        ("missed", None, "invalid_result"),
        ("violation", None, "violation_required"),
        ("violation", {"description": "x"}, "violation_required"),
        ("ok", {"kind": "noise"}, "invalid_result"),
    ],
)
def test_record_patrol_refuses_bad_results_and_changes_nothing(patrol, housekeeper, result, violation, code):
    with pytest.raises(DomainError) as error:
        services.record_patrol(
            patrol=patrol, actor=housekeeper, result=result, violation=violation, now=MORNING
        )
    assert error.value.code == code
    patrol.refresh_from_db()
    assert patrol.result == Patrol.Result.PENDING and patrol.patrolled_at is None


def test_a_bad_violation_rolls_the_patrol_back(patrol, housekeeper):
    with pytest.raises(DomainError):
        services.record_patrol(
            patrol=patrol, actor=housekeeper, result="violation", violation={"kind": "bogus"}, now=MORNING
        )
    patrol.refresh_from_db()
    assert patrol.result == Patrol.Result.PENDING


def test_record_patrol_needs_the_permission(patrol, frontdesk):
    with pytest.raises(PermissionDenied):
        services.record_patrol(patrol=patrol, actor=frontdesk, result="ok", now=MORNING)


# --- missed patrols -----------------------------------------------------------------------------


def test_patrols_still_due_after_their_day_are_missed(patrol, housekeeper, supervisor, zone, estate_b):
    yesterday = PatrolFactory(
        renovation=patrol.renovation, date=date(2026, 3, 9), zone=zone, assignee=housekeeper
    )
    done = PatrolFactory(renovation=patrol.renovation, date=date(2026, 3, 8), result=Patrol.Result.OK)
    elsewhere = PatrolFactory(
        renovation=RenovationFactory(
            estate=estate_b, unit=UnitFactory(building=BuildingFactory(estate=estate_b))
        ),
        date=date(2026, 3, 9),
    )
    # Before the sweep the supervisor already sees yesterday's patrol as missed.
    assert list(missed_patrols(user=supervisor, now=MORNING)) == [yesterday]
    assert services.mark_missed_patrols(now=MORNING) == 2
    assert services.mark_missed_patrols(now=MORNING) == 0
    yesterday.refresh_from_db()
    patrol.refresh_from_db()
    done.refresh_from_db()
    assert (yesterday.result, patrol.result, done.result) == ("missed", "pending", "ok")
    assert list(missed_patrols(user=supervisor, now=MORNING)) == [yesterday]
    elsewhere.refresh_from_db()
    assert elsewhere.result == Patrol.Result.MISSED  # estate B's, not on estate A's list


def test_patrols_for_day_lists_the_users_estate_still_due_first(patrol, housekeeper, estate_a, unit_a, zone):
    other = PatrolFactory(
        renovation=RenovationFactory(unit=UnitFactory(building=unit_a.building), status="in_progress"),
        date=TODAY,
        result=Patrol.Result.OK,
    )
    colleague = make_staff("housekeeper", estate_a, username="hk2")
    assert list(patrols_for_day(user=colleague, day=TODAY)) == [patrol, other]
    assert list(patrols_for_day(user=colleague, day=TODAY, only_mine=True)) == []
    assert list(patrols_for_day(user=housekeeper, day=TODAY, only_mine=True)) == [patrol]


def test_the_patrol_list_is_a_fixed_number_of_queries(patrol, supervisor, django_assert_max_num_queries):
    for _ in range(5):
        PatrolFactory(
            renovation=RenovationFactory(unit=UnitFactory(building=patrol.renovation.unit.building)),
            date=TODAY,
        )
    with django_assert_max_num_queries(4):
        rows = [
            (p.renovation.unit.building.code, p.zone, p.assignee)
            for p in patrols_for_day(user=supervisor, day=TODAY)
        ]
    assert len(rows) == 6
