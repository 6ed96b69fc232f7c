"""Move-out and moving requests through their services: registration, the arrears rule and the
manager's override, the release pass at the gate, completion in the archive, cancellation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from frontdesk import services
from frontdesk.models import MoveOut
from residents import selectors as residents_selectors
from residents.models import Occupancy, Pass, Unit
from servicecenter.exceptions import DomainError, TransitionError
from tests.billing.conftest import make_bill
from tests.factories import make_staff
from tests.frontdesk.moveout_helpers import make_moveout, occupant, register

pytestmark = pytest.mark.django_db
S = MoveOut.Status
TZ = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


# --- registering --------------------------------------------------------------------------------


def test_register_numbers_the_request_and_writes_its_first_event(unit_a, users):
    moveout = register(unit_a, users["frontdesk"], helpers=3)
    assert moveout.status == S.REQUESTED
    assert moveout.number.startswith(f"LJY-BJ{timezone.localdate().year}-")
    assert moveout.vehicle_plate == "粤B12345"
    assert moveout.occupancy.unit_id == unit_a.pk
    assert [(e.action, e.to_status, e.actor) for e in moveout.events.all()] == [
        ("register", S.REQUESTED, users["frontdesk"])
    ]


def test_register_twice_with_one_key_gives_the_first_request(unit_a, users):
    occupancy = occupant(unit_a)
    first = register(unit_a, users["frontdesk"], occupancy=occupancy, idempotency_key="k-1")
    again = register(unit_a, users["frontdesk"], occupancy=occupancy, idempotency_key="k-1")
    assert again.pk == first.pk
    assert MoveOut.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"items": "  "}, "items_required"),
        ({"window_start": time(12, 0), "window_end": time(9, 0)}, "invalid_window"),
        ({"planned_date": date(2020, 1, 1)}, "date_passed"),
        ({"kind": "elope"}, "invalid_kind"),
        ({"helpers": 99}, "helpers_out_of_range"),
        ({"vehicle_plate": "X" * 21}, "plate_too_long"),
    ],
)
def test_register_refuses_bad_input_and_saves_nothing(unit_a, users, overrides, code):
    with pytest.raises(DomainError) as refused:
        register(unit_a, users["frontdesk"], **overrides)
    assert refused.value.code == code
    assert not MoveOut.objects.exists()


def test_only_a_current_occupant_of_the_unit_may_ask(unit_a, unit_a2, users):
    elsewhere = occupant(unit_a2)
    with pytest.raises(DomainError) as refused:
        register(unit_a, users["frontdesk"], occupancy=elsewhere)
    assert refused.value.code == "not_occupant"
    gone = occupant(unit_a)
    Occupancy.objects.filter(pk=gone.pk).update(end_date=date(2025, 1, 1))
    with pytest.raises(DomainError):
        register(unit_a, users["frontdesk"], occupancy=gone)


def test_one_open_move_out_per_occupant_but_any_number_of_moving_requests(unit_a, users):
    occupancy = occupant(unit_a)
    first = register(unit_a, users["frontdesk"], occupancy=occupancy)
    with pytest.raises(DomainError) as refused:
        register(unit_a, users["frontdesk"], occupancy=occupancy)
    assert first.number in refused.value.message
    register(unit_a, users["frontdesk"], occupancy=occupancy, kind=MoveOut.Kind.MOVING)
    register(unit_a, users["frontdesk"], occupancy=occupancy, kind=MoveOut.Kind.MOVING)


def test_register_needs_the_permission_and_the_estate(unit_a, unit_b, users, estate_b):
    with pytest.raises(PermissionDenied):
        register(unit_a, users["clerk"])
    with pytest.raises(PermissionDenied):
        register(unit_b, users["frontdesk"])
    register(unit_b, make_staff("frontdesk", estate_b, username="desk-b"))


# --- approving: the release pass and the arrears rule --------------------------------------------


def test_approve_issues_a_moving_pass_for_the_window_with_what_the_gate_needs(unit_a, users):
    moveout = register(unit_a, users["frontdesk"])
    services.approve_moveout(moveout=moveout, actor=users["frontdesk"])
    moveout.refresh_from_db()
    assert moveout.status == S.APPROVED
    assert moveout.approved_by == users["frontdesk"]
    release = moveout.release_pass
    assert release.kind == Pass.Kind.MOVING_RELEASE
    assert (release.unit_id, release.person_id) == (unit_a.pk, moveout.person_id)
    assert release.valid_from == at(tomorrow(), 9)
    assert release.valid_until == at(tomorrow(), 12)
    assert "冰箱" in release.gate_notes and "粤B12345" in release.gate_notes and "3" in release.gate_notes
    event = moveout.events.get(action="approve")
    assert (event.from_status, event.to_status, event.actor) == (S.REQUESTED, S.APPROVED, users["frontdesk"])
    assert release.number in event.note


def test_arrears_block_the_approval_listing_what_is_owed_and_change_nothing(unit_a, users):
    moveout = register(unit_a, users["frontdesk"])
    make_bill(unit_a, "120.50", period=date(2025, 1, 1), due=date(2025, 1, 28), code="property")
    partly = make_bill(unit_a, "80.00", period=date(2025, 2, 1), due=date(2025, 2, 28), code="water")
    partly.amount_paid = Decimal("30.00")
    partly.status = partly.Status.PARTIALLY_PAID
    partly.save()
    with pytest.raises(services.ArrearsOwed) as refused:
        services.approve_moveout(moveout=moveout, actor=users["frontdesk"])
    error = refused.value
    assert error.status_code == 409
    assert [(r["period"], r["outstanding"]) for r in error.rows] == [
        ("2025-01", Decimal("120.50")),
        ("2025-02", Decimal("50.00")),
    ]
    assert error.total == Decimal("170.50")
    assert "170.50" in error.message
    moveout.refresh_from_db()
    assert moveout.status == S.REQUESTED
    assert moveout.release_pass_id is None
    assert not Pass.objects.exists()
    assert list(moveout.events.values_list("action", flat=True)) == ["register"]


def test_a_bill_not_yet_due_holds_up_a_move_out_but_not_moving_goods(unit_a, users):
    make_bill(unit_a, "60.00", period=date(2026, 11, 1), due=timezone.localdate() + timedelta(days=10))
    leaving = register(unit_a, users["frontdesk"])
    with pytest.raises(services.ArrearsOwed):
        services.approve_moveout(moveout=leaving, actor=users["frontdesk"])
    moving = register(unit_a, users["frontdesk"], kind=MoveOut.Kind.MOVING)
    services.approve_moveout(moveout=moving, actor=users["frontdesk"])
    assert MoveOut.objects.get(pk=moving.pk).status == S.APPROVED


def test_a_manager_overrides_the_arrears_with_a_reason_recorded(unit_a, users):
    manager = users["manager"]
    moveout = register(unit_a, users["frontdesk"])
    make_bill(unit_a, "99.90", due=date(2025, 1, 28))
    services.approve_moveout(
        moveout=moveout, actor=manager, override_reason="业主已承诺月底前结清", now=timezone.now()
    )
    moveout.refresh_from_db()
    assert moveout.status == S.APPROVED
    assert moveout.release_pass is not None
    assert moveout.arrears_override_by == manager
    assert moveout.arrears_override_reason == "业主已承诺月底前结清"
    assert moveout.arrears_override_at is not None
    assert moveout.arrears_owed_at_override == Decimal("99.90")
    event = moveout.events.get(action="approve")
    assert event.actor == manager
    assert "业主已承诺月底前结清" in event.note and "99.90" in event.note and manager.username in event.note


@pytest.mark.parametrize("role", ["frontdesk", "supervisor"])
def test_only_a_manager_may_override(unit_a, users, role):
    moveout = register(unit_a, users["frontdesk"])
    make_bill(unit_a, "99.90", due=date(2025, 1, 28))
    with pytest.raises(PermissionDenied):
        services.approve_moveout(moveout=moveout, actor=users[role], override_reason="我说可以")
    moveout.refresh_from_db()
    assert (moveout.status, moveout.release_pass_id, moveout.arrears_override_reason) == (
        S.REQUESTED,
        None,
        "",
    )
    assert moveout.events.count() == 1


def test_a_window_that_is_over_cannot_be_approved(unit_a, users):
    moveout = make_moveout(unit_a, planned_date=timezone.localdate() - timedelta(days=1))
    with pytest.raises(DomainError) as refused:
        services.approve_moveout(moveout=moveout, actor=users["frontdesk"])
    assert refused.value.code == "window_over"


def test_approve_needs_the_permission(unit_a, users):
    moveout = register(unit_a, users["frontdesk"])
    for role in ("clerk", "housekeeper", "technician"):
        with pytest.raises(PermissionDenied):
            services.approve_moveout(moveout=moveout, actor=users[role])
    assert MoveOut.objects.get(pk=moveout.pk).status == S.REQUESTED


# --- the release pass at the gate ----------------------------------------------------------------


def test_the_gate_accepts_the_pass_only_inside_its_window_and_until_cancelled(unit_a, users):
    guard = users["technician"]
    moveout = register(unit_a, users["frontdesk"])
    services.approve_moveout(moveout=moveout, actor=users["frontdesk"])
    number = MoveOut.objects.get(pk=moveout.pk).release_pass.number

    def check(moment):
        return residents_selectors.verify_pass(number=number, user=guard, now=moment)

    inside = check(at(tomorrow(), 10, 30))
    assert inside.valid
    assert inside.unit_code == unit_a.code
    assert "冰箱" in inside.gate_notes and "粤B12345" in inside.gate_notes
    assert inside.allowed_hours.endswith("09:00–12:00")
    assert check(at(tomorrow(), 8, 59)).reason == "not_yet_valid"
    assert check(at(tomorrow(), 12, 0)).reason == "expired"
    services.cancel_moveout(moveout=moveout, actor=users["frontdesk"], reason="业主改期")
    cancelled = check(at(tomorrow(), 10, 30))
    assert cancelled.reason == "revoked"
    assert "业主改期" in cancelled.revoke_reason


# --- completing ---------------------------------------------------------------------------------


def test_completing_a_move_out_ends_the_occupancy_and_empties_the_unit(unit_a, users):
    moveout = register(unit_a, users["frontdesk"])
    services.approve_moveout(moveout=moveout, actor=users["frontdesk"])
    services.complete_moveout(moveout=moveout, actor=users["supervisor"])
    moveout.refresh_from_db()
    assert moveout.status == S.COMPLETED
    assert moveout.occupancy.end_date == timezone.localdate()
    assert Unit.objects.get(pk=unit_a.pk).state == Unit.State.VACANT
    assert moveout.release_pass.revoked_at is not None
    event = moveout.events.get(action="complete")
    assert (event.from_status, event.to_status, event.actor) == (S.APPROVED, S.COMPLETED, users["supervisor"])


def test_the_unit_stays_occupied_while_someone_else_lives_there(unit_a, users):
    stays = occupant(unit_a, role=Occupancy.Role.TENANT)
    moveout = register(unit_a, users["frontdesk"])
    services.approve_moveout(moveout=moveout, actor=users["frontdesk"])
    services.complete_moveout(moveout=moveout, actor=users["frontdesk"])
    assert Unit.objects.get(pk=unit_a.pk).state == Unit.State.OCCUPIED
    stays.refresh_from_db()
    assert stays.end_date is None


def test_a_unit_being_renovated_keeps_its_state(unit_a, users):
    Unit.objects.filter(pk=unit_a.pk).update(state=Unit.State.RENOVATING)
    moveout = register(unit_a, users["frontdesk"])
    services.approve_moveout(moveout=moveout, actor=users["frontdesk"])
    services.complete_moveout(moveout=moveout, actor=users["frontdesk"])
    assert Unit.objects.get(pk=unit_a.pk).state == Unit.State.RENOVATING


def test_completing_a_moving_request_leaves_the_archive_alone(unit_a, users):
    moveout = register(unit_a, users["frontdesk"], kind=MoveOut.Kind.MOVING)
    services.approve_moveout(moveout=moveout, actor=users["frontdesk"])
    services.complete_moveout(moveout=moveout, actor=users["frontdesk"])
    moveout.refresh_from_db()
    assert moveout.status == S.COMPLETED
    assert moveout.occupancy.end_date is None
    assert Unit.objects.get(pk=unit_a.pk).state == Unit.State.OCCUPIED


def test_complete_only_after_approval(unit_a, users):
    moveout = register(unit_a, users["frontdesk"])
    with pytest.raises(TransitionError):
        services.complete_moveout(moveout=moveout, actor=users["frontdesk"])
    moveout.occupancy.refresh_from_db()
    assert moveout.occupancy.end_date is None


# --- cancelling ---------------------------------------------------------------------------------


def test_cancel_needs_a_reason_and_a_finished_request_stays_finished(unit_a, users):
    moveout = register(unit_a, users["frontdesk"])
    with pytest.raises(DomainError) as refused:
        services.cancel_moveout(moveout=moveout, actor=users["frontdesk"], reason=" ")
    assert refused.value.code == "reason_required"
    services.cancel_moveout(moveout=moveout, actor=users["frontdesk"], reason="业主取消")
    moveout.refresh_from_db()
    assert (moveout.status, moveout.cancel_reason) == (S.CANCELLED, "业主取消")
    with pytest.raises(TransitionError):
        services.cancel_moveout(moveout=moveout, actor=users["frontdesk"], reason="再取消")
    with pytest.raises(TransitionError):
        services.approve_moveout(moveout=moveout, actor=users["frontdesk"])


def test_someone_elses_key_gives_nothing_of_theirs_back(unit_a, users, resident):
    first = register(unit_a, users["frontdesk"], idempotency_key="shared-key")
    with pytest.raises(DomainError) as refused:
        services.request_moveout(
            user=resident,
            unit=unit_a,
            kind=MoveOut.Kind.MOVING,
            planned_date=tomorrow(),
            window_start=time(9, 0),
            window_end=time(10, 0),
            items="沙发",
            idempotency_key="shared-key",
        )
    assert first.number not in refused.value.message
    assert MoveOut.objects.count() == 1
