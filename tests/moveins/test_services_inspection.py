"""The inspection: opening meter readings, passed, defects sent as tickets with their deadline,
the re-inspection."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from billing.models import MeterReading
from moveins import services
from moveins.models import Defect, Inspection, MoveIn, OpeningReading
from moveins.selectors import defects_awaiting_rectification
from moveins.services import DefectInput
from servicecenter.exceptions import DomainError
from staff.models import Team
from tests.billing.factories import MeterFactory
from tests.factories import UnitFactory
from tests.moveins.conftest import a_photo
from tests.moveins.helpers import walk
from tickets.models import Ticket, TicketCategory

pytestmark = pytest.mark.django_db
Status = MoveIn.Status


@pytest.fixture
def at_inspection(ready, owner, desk, manager):
    return walk(unit=ready, owner=owner, desk=desk, manager=manager, to="inspection")


def _defect(days=10, responsible="warranty", **kwargs):
    return DefectInput(
        location=kwargs.pop("location", "主卧"),
        description=kwargs.pop("description", "墙面空鼓开裂"),
        deadline=timezone.localdate() + timedelta(days=days),
        responsible=responsible,
        **kwargs,
    )


# --- readings -----------------------------------------------------------------------------------


def test_opening_readings_recorded_in_billing(at_inspection, engineer):
    water = MeterFactory(unit=at_inspection.unit, kind="water", initial_reading=Decimal("3.00"))
    power = MeterFactory(unit=at_inspection.unit, kind="electricity")
    rows = services.record_opening_readings(
        move_in=at_inspection, actor=engineer, readings={water.pk: "12.5", str(power.pk): Decimal("40")}
    )
    assert [(row.meter, row.reading.value) for row in rows] == [
        (water, Decimal("12.50")),
        (power, Decimal("40.00")),
    ]
    reading = MeterReading.objects.get(meter=water)
    assert reading.consumption == Decimal("9.50") and reading.recorded_by == engineer
    assert at_inspection.events.filter(action="opening_readings").count() == 1


def test_a_reading_below_the_last_one_is_refused_naming_the_meter(at_inspection, engineer):
    fine = MeterFactory(unit=at_inspection.unit, kind="water", serial="W-1")
    low = MeterFactory(
        unit=at_inspection.unit, kind="electricity", serial="E-7", initial_reading=Decimal("50")
    )
    with pytest.raises(DomainError) as refused:
        services.record_opening_readings(
            move_in=at_inspection, actor=engineer, readings={fine.pk: "1", low.pk: "20"}
        )
    assert refused.value.code == "reading_lower_than_previous"
    assert str(low) in refused.value.message
    assert not MeterReading.objects.exists() and not OpeningReading.objects.exists()


def test_readings_of_the_units_own_meters_only_and_only_at_the_inspection(
    at_inspection, engineer, ready, owner, desk
):
    other = MeterFactory(unit=UnitFactory(building=ready.building, number="0808"), kind="water")
    with pytest.raises(DomainError) as refused:
        services.record_opening_readings(move_in=at_inspection, actor=engineer, readings={other.pk: "1"})
    assert refused.value.code == "unknown_meter"
    meter = MeterFactory(unit=ready, kind="water")
    services.cancel_move_in(move_in=at_inspection, actor=_manager(ready), reason="x")
    with pytest.raises(DomainError) as refused:
        services.record_opening_readings(move_in=at_inspection, actor=engineer, readings={meter.pk: "1"})
    assert refused.value.code == "readings_not_due"


def _manager(unit):
    from tests.factories import make_staff

    return make_staff("manager", unit.estate, username="mgr-x")


# --- passed -------------------------------------------------------------------------------------


def test_pass_goes_to_the_keys(at_inspection, engineer):
    passed = services.pass_inspection(move_in=at_inspection, actor=engineer, note="无问题")
    assert passed.status == Status.KEYS
    inspection = passed.inspections.get()
    assert (inspection.result, inspection.is_reinspection, inspection.inspected_by) == (
        Inspection.Result.PASSED,
        False,
        engineer,
    )


def test_a_clerk_cannot_inspect(at_inspection, clerk):
    with pytest.raises(PermissionDenied):
        services.pass_inspection(move_in=at_inspection, actor=clerk)


# --- defects ------------------------------------------------------------------------------------


def test_defects_become_tickets_due_by_their_deadline(at_inspection, engineer, teams):
    category = TicketCategory.objects.get(code="plumbing")
    made = services.record_defects(
        move_in=at_inspection,
        actor=engineer,
        defects=[
            _defect(days=15, photos=[a_photo()]),
            _defect(
                days=3, responsible="engineering", location="厨房", description="水管渗漏", category=category
            ),
        ],
        note="两处问题",
    )
    at_inspection.refresh_from_db()
    assert at_inspection.status == Status.RECTIFICATION
    wall, pipe = made
    assert wall.ticket.team == teams["warranty"] and pipe.ticket.team == teams["engineering"]
    assert wall.ticket.kind == Ticket.Kind.REPAIR and wall.ticket.unit_id == at_inspection.unit_id
    assert wall.ticket.reporter_id == at_inspection.owner_id and wall.ticket.location == "主卧"
    assert wall.ticket.category.code == "other" and pipe.ticket.category == category
    due = timezone.localtime(wall.ticket.resolution_due_at)
    assert due.date() == wall.deadline and (due.hour, due.minute) == (23, 59)
    assert timezone.localtime(pipe.ticket.resolution_due_at).date() == pipe.deadline
    assert at_inspection.number in wall.ticket.description
    assert wall.photos.count() == 1 and wall.ticket.attachments.count() == 1
    assert wall.inspection.result == Inspection.Result.DEFECTS
    assert set(defects_awaiting_rectification(at_inspection)) == {wall, pipe}


def test_a_past_deadline_refuses_everything(at_inspection, engineer, teams):
    with pytest.raises(DomainError) as refused:
        services.record_defects(move_in=at_inspection, actor=engineer, defects=[_defect(), _defect(days=-1)])
    assert refused.value.code == "deadline_past"
    assert not Defect.objects.exists() and not Ticket.objects.exists() and not Inspection.objects.exists()
    at_inspection.refresh_from_db()
    assert at_inspection.status == Status.INSPECTION


def test_no_warranty_team_is_a_clear_error(at_inspection, engineer, teams):
    Team.objects.filter(kind=Team.Kind.WARRANTY).delete()
    with pytest.raises(DomainError) as refused:
        services.record_defects(move_in=at_inspection, actor=engineer, defects=[_defect()])
    assert refused.value.code == "no_responsible_team"
    assert "warranty" in refused.value.message
    assert not Defect.objects.exists() and not Ticket.objects.exists()
    # The engineering team is still there for what it rectifies.
    services.record_defects(
        move_in=at_inspection, actor=engineer, defects=[_defect(responsible="engineering")]
    )


def test_defects_need_where_and_what(at_inspection, engineer, teams):
    with pytest.raises(DomainError):
        services.record_defects(move_in=at_inspection, actor=engineer, defects=[])
    with pytest.raises(DomainError) as refused:
        services.record_defects(move_in=at_inspection, actor=engineer, defects=[_defect(location=" ")])
    assert refused.value.code == "defect_incomplete"


# --- the re-inspection --------------------------------------------------------------------------


def _resolve(ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.RESOLVED)


def test_reinspection_waits_for_every_repair(at_inspection, engineer, teams):
    first, second = services.record_defects(
        move_in=at_inspection, actor=engineer, defects=[_defect(), _defect(location="客厅")]
    )
    _resolve(first.ticket)
    with pytest.raises(DomainError) as refused:
        services.request_reinspection(move_in=at_inspection, actor=engineer)
    assert refused.value.code == "defects_open"
    _resolve(second.ticket)
    again = services.request_reinspection(move_in=at_inspection, actor=engineer)
    assert again.status == Status.INSPECTION
    passed = services.pass_inspection(move_in=again, actor=engineer)
    assert passed.status == Status.KEYS
    assert passed.inspections.order_by("pk").last().is_reinspection
    assert Defect.objects.open().count() == 0
    assert Defect.objects.filter(closed_by=engineer).count() == 2


def test_reinspection_may_find_more_defects(at_inspection, engineer, teams):
    (first,) = services.record_defects(move_in=at_inspection, actor=engineer, defects=[_defect()])
    _resolve(first.ticket)
    services.request_reinspection(move_in=at_inspection, actor=engineer)
    (second,) = services.record_defects(
        move_in=at_inspection, actor=engineer, defects=[_defect(location="阳台")]
    )
    assert second.inspection.is_reinspection
    at_inspection.refresh_from_db()
    assert at_inspection.status == Status.RECTIFICATION
    assert list(defects_awaiting_rectification(at_inspection)) == [second]


def test_ticket_deadline_keyword_refuses_the_past(ready, desk):
    from django.core.exceptions import ValidationError

    from tickets import services as tickets

    with pytest.raises(ValidationError):
        tickets.register_ticket(
            actor=desk,
            kind="repair",
            channel="staff_relay",
            category=TicketCategory.objects.get(code="other"),
            description="x",
            unit=ready,
            reporter_name="王",
            resolution_due_at=timezone.now() - timedelta(minutes=1),
        )
    assert not Ticket.objects.exists()


def test_readings_date(at_inspection, engineer):
    meter = MeterFactory(unit=at_inspection.unit, kind="water")
    (row,) = services.record_opening_readings(move_in=at_inspection, actor=engineer, readings={meter.pk: "5"})
    assert row.reading.period == timezone.localdate().replace(day=1)
    assert row.reading.reading_date == timezone.localdate()
    assert isinstance(row.reading.period, date)
