"""The move-in reports on fixed data: the batch board, the warranty defect report and its
workbook, the handover satisfaction rate."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from billing.models import Bill
from moveins import exports, reports
from moveins.models import ChargeRule, Defect, MoveIn
from staff.models import Team
from tests.factories import BuildingFactory, TeamFactory, UnitFactory
from tests.moveins.factories import (
    DefectFactory,
    InspectionFactory,
    MoveInBatchFactory,
    MoveInChargeFactory,
    MoveInFactory,
)
from tests.tickets.factories import TicketFactory, category
from tickets.models import Ticket, TicketCategory

pytestmark = pytest.mark.django_db
Status = MoveIn.Status


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


# --- the batch board ----------------------------------------------------------------------------


@pytest.fixture
def two_buildings(estate_a):
    return BuildingFactory(estate=estate_a, code="1", name="1栋"), BuildingFactory(
        estate=estate_a, code="2", name="2栋"
    )


def move_in(batch, building, status, **kwargs):
    return MoveInFactory(unit=UnitFactory(building=building), batch=batch, status=status, **kwargs)


def test_the_board_counts_each_building(estate_a, two_buildings):
    one, two = two_buildings
    batch = MoveInBatchFactory(estate=estate_a)
    move_in(batch, one, Status.SCHEDULED)
    move_in(batch, one, Status.COMPLETED)
    move_in(batch, one, Status.COMPLETED)
    owing = move_in(batch, one, Status.FEES)
    MoveInChargeFactory(move_in=owing)  # not billed yet: owed
    paid = move_in(batch, two, Status.FEES)
    MoveInChargeFactory(move_in=paid, kind=ChargeRule.Kind.DEPOSIT, deposit_account=None)  # deposit owed
    waived = move_in(batch, two, Status.FEES, fees_waived_at=timezone.now())
    MoveInChargeFactory(move_in=waived)  # waived: not waiting
    settled = move_in(batch, two, Status.FEES)  # nothing owed
    rectifying = move_in(batch, two, Status.RECTIFICATION)
    inspection = InspectionFactory(move_in=rectifying)
    DefectFactory(inspection=inspection)
    DefectFactory(inspection=inspection)
    DefectFactory(inspection=inspection, closed_at=timezone.now())
    move_in(batch, two, Status.CANCELLED)
    move_in(MoveInBatchFactory(estate=estate_a), one, Status.COMPLETED)  # another batch

    board = reports.batch_board(batch=batch)

    rows = {row.label: row for row in board.rows}
    assert list(rows) == ["1栋", "2栋"]
    first, second = rows["1栋"], rows["2栋"]
    assert (first.total, first.scheduled, first.in_progress, first.waiting_for_fees, first.done) == (
        4,
        1,
        1,
        1,
        2,
    )
    assert (second.total, second.in_progress, second.waiting_for_fees, second.rectification) == (4, 4, 1, 1)
    assert (second.open_defects, second.cancelled, second.done) == (2, 1, 0)
    assert settled.status == Status.FEES
    total = board.total
    assert (total.total, total.done, total.in_progress, total.waiting_for_fees, total.open_defects) == (
        8,
        2,
        5,
        2,
        2,
    )


def test_a_paid_bill_is_not_waiting(estate_a, two_buildings, unit_a):
    batch = MoveInBatchFactory(estate=estate_a)
    paying = move_in(batch, two_buildings[0], Status.FEES)
    charge = MoveInChargeFactory(move_in=paying)
    from tests.servicecenter.urlwalk import _bill

    bill = _bill(paying.unit, "movein")
    charge.bill = bill
    charge.save(update_fields=["bill"])
    assert reports.batch_board(batch=batch).total.waiting_for_fees == 1
    Bill.objects.filter(pk=bill.pk).update(status=Bill.Status.PAID, amount_paid=bill.amount)
    assert reports.batch_board(batch=batch).total.waiting_for_fees == 0


def test_the_board_takes_three_queries(estate_a, two_buildings, django_assert_max_num_queries):
    batch = MoveInBatchFactory(estate=estate_a)
    for building in two_buildings:
        for status in (Status.SCHEDULED, Status.FEES, Status.COMPLETED):
            move_in(batch, building, status)
    with django_assert_max_num_queries(3):
        reports.batch_board(batch=batch)


# --- the warranty report ------------------------------------------------------------------------

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
NOW = at(date(2026, 4, 10))


@pytest.fixture
def warranty_world(estate_a, estate_b, two_buildings):
    """Handover defects and warranty repair tickets in March 2026, plus some that do not count."""
    one, two = two_buildings
    leak = TicketCategory.objects.create(code="warranty-leak", name="渗漏", team_kind=Team.Kind.WARRANTY)
    plumbing = category("plumbing")
    warranty_team = TeamFactory(estate=estate_a, kind=Team.Kind.WARRANTY, name="开发商售后")

    def defect(building, location, day, *, closed_days=None, cat=None):
        found = InspectionFactory(
            move_in=MoveInFactory(unit=UnitFactory(building=building), status=Status.RECTIFICATION)
        )
        return DefectFactory(
            inspection=found,
            location=location,
            category=cat,
            created_at=at(day),
            closed_at=at(day) + timedelta(days=closed_days) if closed_days is not None else None,
        )

    defect(one, "卫生间", date(2026, 3, 2), closed_days=4, cat=leak)
    defect(one, "卫生间", date(2026, 3, 5), cat=leak)  # open: 36 days to NOW
    defect(two, " 主卧 ", date(2026, 3, 10), closed_days=2)
    defect(two, "主卧", date(2026, 2, 27), closed_days=1)  # February: out of the period

    # A warranty repair by category (the warranty team's kind), resolved after 10 days.
    TicketFactory(
        unit=UnitFactory(building=one),
        category=leak,
        location="卫生间",
        created_at=at(date(2026, 3, 20)),
        status=Ticket.Status.RESOLVED,
        resolved_at=at(date(2026, 3, 30)),
    )
    # A warranty repair by team, plumbing category, still open.
    TicketFactory(
        unit=UnitFactory(building=two),
        category=plumbing,
        team=warranty_team,
        location="厨房",
        created_at=at(date(2026, 3, 25)),
    )
    # Not warranty: a plain plumbing repair; a cancelled warranty ticket; a complaint; another estate.
    TicketFactory(unit=UnitFactory(building=one), category=plumbing, created_at=at(date(2026, 3, 21)))
    TicketFactory(
        unit=UnitFactory(building=one),
        category=leak,
        status=Ticket.Status.CANCELLED,
        created_at=at(date(2026, 3, 21)),
    )
    TicketFactory(
        unit=UnitFactory(building=one),
        category=leak,
        kind=Ticket.Kind.COMPLAINT,
        created_at=at(date(2026, 3, 21)),
    )
    TicketFactory(
        unit=UnitFactory(building=BuildingFactory(estate=estate_b)),
        category=leak,
        created_at=at(date(2026, 3, 21)),
    )
    # The ticket opened for a handover defect is counted once, from the defect.
    linked = defect(two, "阳台", date(2026, 3, 12), closed_days=3, cat=leak)
    linked.ticket = TicketFactory(unit=linked.move_in.unit, category=leak, created_at=at(date(2026, 3, 12)))
    linked.save(update_fields=["ticket"])
    return leak


def test_the_warranty_report_counts_defects_and_warranty_tickets(estate_a, warranty_world):
    report = reports.warranty_report(estate=estate_a, date_from=MARCH[0], date_to=MARCH[1], now=NOW)

    total = report.total
    assert (total.count, total.open, total.closed, total.from_handover, total.from_tickets) == (6, 2, 4, 4, 2)
    by_building = {g.label: g for g in report.by_building}
    assert (by_building["1栋"].count, by_building["2栋"].count) == (3, 3)
    by_location = {g.label: (g.count, g.open) for g in report.by_location}
    assert by_location == {"卫生间": (3, 1), "主卧": (1, 0), "厨房": (1, 1), "阳台": (1, 0)}
    by_category = {g.label: g.count for g in report.by_category}
    assert by_category == {"渗漏": 4, "No category": 1, str(category("plumbing")): 1}
    bathroom = by_location and next(g for g in report.by_location if g.label == "卫生间")
    # 4 days, 36 days (open until NOW), 10 days.
    assert bathroom.max_days_open == Decimal("36.0")
    assert bathroom.average_days_open == Decimal("16.7")
    detailed = {(b, c, loc): g.count for b, c, loc, g in report.detailed}
    assert detailed[("1栋", "渗漏", "卫生间")] == 3


def test_the_warranty_report_reads_four_queries(estate_a, warranty_world, django_assert_max_num_queries):
    # Defects, the warranty teams, the warranty categories, the tickets: however many lines.
    with django_assert_max_num_queries(4):
        reports.warranty_report(estate=estate_a, date_from=MARCH[0], date_to=MARCH[1], now=NOW)


def test_the_warranty_workbook(estate_a, warranty_world):
    Defect.objects.filter(location="卫生间").update(description='=HYPERLINK("x")')
    report = reports.warranty_report(estate=estate_a, date_from=MARCH[0], date_to=MARCH[1], now=NOW)
    book = load_workbook(BytesIO(exports.warranty_workbook(report)))
    summary, detailed, lines = book.worksheets
    values = [row for row in summary.iter_rows(values_only=True)]
    assert estate_a.name in values[0][0]
    header = values.index(next(row for row in values if row[0] == "By building"))
    assert values[header][1:4] == ("Defects", "Open", "Closed")
    assert values[header + 1][:6] == ("1栋", 3, 1, 2, 2, 1)
    assert values[-1][:2] == ("Total", 6)
    assert [row[:4] for row in detailed.iter_rows(min_row=2, values_only=True)][0] == (
        "1栋",
        "渗漏",
        "卫生间",
        3,
    )
    rows = list(lines.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6
    # A description a spreadsheet would run as a formula is text.
    assert any(row[6] == '\'=HYPERLINK("x")' for row in rows)


# --- handover satisfaction ----------------------------------------------------------------------


def test_handover_satisfaction_on_fixed_data(estate_a, building_a):
    batch = MoveInBatchFactory(estate=estate_a)
    march = at(date(2026, 3, 15))
    april = at(date(2026, 4, 2))
    for score, when, in_batch in [
        (5, march, True),
        (4, march, True),
        (2, march, True),
        (None, march, True),
        (3, april, False),
    ]:
        MoveInFactory(
            unit=UnitFactory(building=building_a),
            status=Status.COMPLETED,
            batch=batch if in_batch else None,
            satisfaction=score,
            created_at=when,
            completed_at=when,
        )
    # Rated but not completed: not counted.
    MoveInFactory(unit=UnitFactory(building=building_a), status=Status.KEYS, satisfaction=5)

    overall = reports.handover_satisfaction(estate=estate_a)
    assert (overall.completed, overall.rated, overall.satisfied) == (5, 4, 2)
    assert overall.rate == 0.5 and overall.average == Decimal("3.50")

    in_march = reports.handover_satisfaction(estate=estate_a, month=date(2026, 3, 1))
    assert (in_march.completed, in_march.rated, in_march.satisfied, in_march.rate) == (4, 3, 2, 0.6667)
    assert in_march.average == Decimal("3.67")

    of_batch = reports.handover_satisfaction(estate=estate_a, batch=batch)
    assert (of_batch.rated, of_batch.satisfied) == (3, 2)

    nothing = reports.handover_satisfaction(estate=estate_a, month=date(2026, 5, 1))
    assert (nothing.completed, nothing.rate, nothing.average) == (0, None, None)

    by_batch = reports.satisfaction_by_batch(estate=estate_a)
    assert [(row.label, row.rated) for row in by_batch] == [(batch.name, 3), ("Outside a batch", 1)]

    by_month = reports.satisfaction_by_month(estate=estate_a, last=date(2026, 4, 1), months=3)
    assert [(row.label, row.rated, row.satisfied) for row in by_month] == [
        ("2026-02", 0, 0),
        ("2026-03", 3, 2),
        ("2026-04", 1, 0),
    ]
