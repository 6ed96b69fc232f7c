"""Performance (绩效) figures per staff member and month, on fixed records (servicecenter.performance)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing import services as billing_services
from billing.models import Payment
from renovations.models import Patrol
from servicecenter import performance
from tests.billing.conftest import make_bill, new_key
from tests.factories import BuildingFactory, UnitFactory, make_staff, make_zone
from tests.renovations.factories import PatrolFactory
from tests.tickets.factories import CallbackFactory, TicketFactory
from tickets.models import Callback, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MARCH = date(2025, 3, 1)
S = Ticket.Status


def at(day, hour=10, month=3):
    return datetime(2025, month, day, hour, tzinfo=TZ)


def resolved_by(ticket, actor, when):
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.STATUS,
        actor=actor,
        created_at=when,
        from_status=S.IN_PROGRESS,
        to_status=S.RESOLVED,
    )


@pytest.fixture
def records(estate_a, estate_b, unit_a, unit_a2, building_a, users):
    """Two people on estate A: housekeeper Li (zone of building 3) and technician Wang."""
    li = make_staff("housekeeper", estate_a, username="li", first_name="丽", last_name="李")
    wang = make_staff("technician", estate_a, username="wang", first_name="伟", last_name="王")
    make_zone(estate_a, li, building_a, name="一区")
    # Another zone without a housekeeper's bills, and a building outside any zone.
    other_building = BuildingFactory(estate=estate_a, code="9", name="9栋")
    outside = UnitFactory(building=other_building, number="0101")

    # Tickets registered in March and assigned to Wang: one on time, one late, one still open in time.
    on_time = TicketFactory(
        unit=unit_a, assignee=wang, status=S.CLOSED, created_at=at(2), resolution_minutes=4320
    )
    on_time.resolved_at = on_time.first_resolved_at = at(3)
    on_time.save()
    late = TicketFactory(
        unit=unit_a, assignee=wang, status=S.RESOLVED, created_at=at(4), resolution_minutes=60
    )
    late.resolved_at = late.first_resolved_at = at(6)
    late.save()
    TicketFactory(
        unit=unit_a, assignee=wang, status=S.IN_PROGRESS, created_at=at(30), resolution_minutes=4320
    )
    # Resolution events: Wang resolved two tickets in March (one twice), one in April; Li one.
    resolved_by(on_time, wang, at(3))
    resolved_by(late, wang, at(6))
    resolved_by(late, wang, at(8))
    resolved_by(late, wang, at(2, month=4))
    resolved_by(on_time, li, at(9))
    # Elsewhere: another estate's ticket resolved by Wang does not count.
    other = TicketFactory(
        estate=estate_b, unit=UnitFactory(building=BuildingFactory(estate=estate_b, code="B"))
    )
    resolved_by(other, wang, at(5))

    # Callbacks on Wang's tickets, recorded by Li: satisfied and solved on one, unhappy on the other.
    CallbackFactory(
        ticket=on_time,
        status=Callback.Status.COMPLETED,
        reached=True,
        satisfaction=5,
        is_solved=True,
        completed_by=li,
        completed_at=at(10),
    )
    CallbackFactory(
        ticket=late,
        status=Callback.Status.COMPLETED,
        reached=True,
        satisfaction=2,
        is_solved=False,
        completed_by=li,
        completed_at=at(11),
    )
    # An unreachable attempt and an April callback are not "done in March".
    CallbackFactory(
        ticket=TicketFactory(unit=unit_a, status=S.RESOLVED, created_at=at(12), reopen_count=0),
        status=Callback.Status.UNREACHABLE,
        reached=False,
        completed_by=li,
        completed_at=at(13),
    )
    CallbackFactory(
        ticket=TicketFactory(unit=unit_a, status=S.RESOLVED, created_at=at(12)),
        status=Callback.Status.COMPLETED,
        reached=True,
        satisfaction=4,
        is_solved=True,
        completed_by=wang,
        completed_at=at(1, month=4),
    )

    # Zone bills for March: 200 + 300 charged (a voided 999 does not count); 200 paid in March,
    # 100 of the 300 paid in April; a bill outside the zone is ignored.
    clerk, manager = users["clerk"], users["manager"]
    paid = make_bill(unit_a, "200.00", period=MARCH, code="property")
    later = make_bill(unit_a2, "300.00", period=MARCH, code="property")
    voided = make_bill(unit_a2, "999.00", period=MARCH, code="parking")
    billing_services.void_bill(bill=voided, actor=manager, reason="not a parking user")
    make_bill(outside, "500.00", period=MARCH, code="property")
    billing_services.record_payment(
        idempotency_key=new_key(), unit=unit_a, amount="200.00", method="cash", actor=clerk,
        bill_ids=[paid.pk], now=at(5),
    )  # fmt: skip
    billing_services.record_payment(
        idempotency_key=new_key(), unit=unit_a2, amount="100.00", method="cash", actor=clerk,
        bill_ids=[later.pk], now=at(3, month=4),
    )  # fmt: skip

    # Patrols: Li recorded two in March (OK, violation), missed one, one still due; one in April.
    for day, result, by in (
        (3, Patrol.Result.OK, li),
        (4, Patrol.Result.VIOLATION, li),
        (5, Patrol.Result.MISSED, None),
        (31, Patrol.Result.PENDING, None),
    ):
        PatrolFactory(
            renovation__unit=unit_a,
            date=date(2025, 3, day),
            assignee=li,
            result=result,
            patrolled_by=by,
            patrolled_at=at(day) if by else None,
        )
    PatrolFactory(
        renovation__unit=unit_a2, date=date(2025, 4, 1), assignee=li, result=Patrol.Result.OK, patrolled_by=li
    )
    return {"li": li, "wang": wang}


def rows_by_user(estate):
    return {
        row.user_id: row for row in performance.estate_performance(estate=estate, month=MARCH, now=at(31, 12))
    }


def test_figures_on_fixed_data(records, estate_a):
    rows = rows_by_user(estate_a)
    li, wang = rows[records["li"].pk], rows[records["wang"].pk]

    assert wang.tickets_handled == 2  # on_time and late, in March, late counted once
    assert li.tickets_handled == 1
    assert wang.timely_handling_rate == 0.5  # on_time / (on_time + late); the open one not judged
    assert wang.success_rate == 0.5  # one of two reached callbacks confirmed solved
    assert wang.satisfaction_rate == 0.5  # scores 5 and 2
    assert li.timely_handling_rate is None  # nothing assigned to Li
    assert li.callbacks_done == 2
    assert wang.callbacks_done == 0  # his callback was in April
    assert li.zone_collection_rate == Decimal("40.00")  # 200 of 500 charged in the zone
    assert li.zones == ["一区"]
    assert wang.zone_collection_rate is None  # keeps no zone
    assert (li.patrols_done, li.patrols_missed) == (2, 1)
    assert (wang.patrols_done, wang.patrols_missed) == (0, 0)


@pytest.fixture
def shifts(records, estate_a):
    """Wang's March at the front desk (morning shifts 9:00–17:30): on time on the 2nd, late on the
    3rd, absent on the 4th, early (in the grace) on the 5th; the 31st not over at noon; an on-call
    night, an unrostered clock-in and an April shift that do not count."""
    from staff import services_attendance
    from staff.models import Team
    from tests.factories import TeamFactory
    from tests.staff.rostering import put

    wang = records["wang"]
    desk = TeamFactory(estate=estate_a, kind=Team.Kind.CUSTOMER_SERVICE, name="客服组")
    for day in (2, 3, 4, 5, 31):
        put(desk, wang, date(2025, 3, day), "morning")
    put(desk, wang, date(2025, 3, 6), "night_on_call")
    put(desk, wang, date(2025, 4, 1), "morning")
    for day, hour, minute in ((2, 8, 55), (3, 9, 30), (5, 9, 4), (7, 10, 0)):
        when = datetime(2025, 3, day, hour, minute, tzinfo=TZ)
        services_attendance.clock_in(user=wang, estate=estate_a, now=when)
        services_attendance.clock_out(user=wang, now=when.replace(hour=18))
    services_attendance.clock_in(user=wang, now=datetime(2025, 4, 1, 9, tzinfo=TZ))
    return records


def test_attendance_rate_on_fixed_data(shifts, estate_a):
    rates = performance.attendance_rates(estate=estate_a, month=MARCH, now=at(31, 12))
    # 2nd and 5th on time, of four ended shifts (2nd–5th); the 31st, on call and April not counted.
    assert rates == {shifts["wang"].pk: 0.5}
    rows = rows_by_user(estate_a)
    assert rows[shifts["wang"].pk].attendance_rate == 0.5
    assert rows[shifts["li"].pk].attendance_rate is None  # no shift rostered
    later = performance.attendance_rates(estate=estate_a, month=MARCH, now=at(31, 18))
    assert later == {shifts["wang"].pk: 0.4}  # the 31st ended with no clock-in


def test_attendance_rate_is_per_estate(shifts, estate_b):
    assert performance.attendance_rates(estate=estate_b, month=MARCH, now=at(31, 12)) == {}


def test_a_reversed_payment_in_the_month_is_taken_back(records, estate_a, unit_a, users):
    payment = Payment.objects.get(unit=unit_a)
    billing_services.void_payment(payment=payment, actor=users["manager"], reason="wrong unit", now=at(5, 15))
    rows = rows_by_user(estate_a)
    assert rows[records["li"].pk].zone_collection_rate == Decimal("0.00")


def test_only_the_estate_staff_are_listed(records, estate_a, estate_b):
    make_staff("housekeeper", estate_b, username="zhao")
    names = {row.name for row in performance.estate_performance(estate=estate_a, month=MARCH)}
    assert "zhao" not in names
    assert "zhao" not in names and len(names) == len(performance.staff_of_estate(estate_a))


def test_query_count_does_not_grow_with_people(records, estate_a, django_assert_max_num_queries):
    for n in range(5):
        make_staff("technician", estate_a, username=f"extra{n}")
    with django_assert_max_num_queries(14):
        rows = performance.estate_performance(estate=estate_a, month=MARCH, now=at(31, 12))
    assert len(rows) >= 7


def test_definitions_cover_every_column():
    defs = performance.definitions()
    assert set(defs) == set(performance.FIGURES)
    assert all(defs.values())


def test_zone_rates_sum_each_keepers_zones_in_three_queries(
    records, estate_a, users, django_assert_num_queries
):
    """Li keeps a second zone (building 9: its 500 property bill and a 500 parking bill charged, 250
    paid in March, 50 paid and voided in March);
    Zhou keeps a third with nothing charged. However many zones and bills: three queries."""
    clerk = users["clerk"]
    nine = estate_a.buildings.get(code="9")
    make_zone(estate_a, records["li"], nine, name="九区")
    zhou = make_staff("housekeeper", estate_a, username="zhou")
    make_zone(estate_a, zhou, BuildingFactory(estate=estate_a, code="10", name="10栋"), name="十区")
    outside = nine.units.get()
    bill = make_bill(outside, "500.00", period=MARCH, code="parking")
    billing_services.record_payment(
        idempotency_key=new_key(), unit=outside, amount="250.00", method="cash", actor=clerk,
        bill_ids=[bill.pk], now=at(6),
    )  # fmt: skip
    refunded = billing_services.record_payment(
        idempotency_key=new_key(), unit=outside, amount="50.00", method="cash", actor=clerk,
        bill_ids=[bill.pk], now=at(7),
    )  # fmt: skip
    billing_services.void_payment(
        payment=refunded.payment, actor=users["manager"], reason="twice", now=at(7, 15)
    )
    with django_assert_num_queries(3):
        rates, names = performance.zone_collection_rates(estate=estate_a, month=MARCH)
    # Li: 200 + 250 collected of 500 (一区) + 1000 (九区) charged; the voided 50 came and went.
    assert rates[records["li"].pk] == Decimal("30.00")
    assert sorted(names[records["li"].pk]) == ["一区", "九区"]
    assert rates[zhou.pk] is None  # nothing charged in the zone
