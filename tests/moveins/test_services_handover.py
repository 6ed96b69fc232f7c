"""Scheduling, the checklist, the keys, cancellation and the rating."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from moveins import services
from moveins.models import MoveIn, MoveInEvent
from residents.models import ArchiveDocument, Occupancy, SensitiveAccessLog, Unit
from servicecenter.exceptions import DomainError
from tests.factories import PersonFactory, UnitFactory, UserFactory, make_resident
from tests.moveins.conftest import OWNER_ID, a_photo, new_key
from tests.moveins.factories import MoveInFactory
from tests.moveins.helpers import do_checklist, schedule, walk

pytestmark = pytest.mark.django_db
Status = MoveIn.Status


def test_schedule_numbers_per_estate_and_copies_the_checklist(ready, owner, desk, estate_a):
    move_in = schedule(unit=ready, owner=owner, actor=desk)
    assert move_in.number == f"LJY-RH{date.today().year}-0001"
    assert move_in.status == Status.SCHEDULED
    names = list(move_in.checklist.values_list("name", flat=True))
    assert names[0] == "入伙通知书" and "业主临时管理规约" in names and len(names) == 11
    assert move_in.checklist.get(name="业主身份证").is_id_check
    assert move_in.checklist.get(name="住宅装修管理协议").needs_signed_copy
    assert not move_in.checklist.get(name="委托代办事项").is_required
    assert MoveInEvent.objects.filter(move_in=move_in, action="schedule").count() == 1
    # The template changed later does not rewrite the move-in's lines.
    estate_a.movein_checklist_templates.filter(name="业主手册").update(name="业主手册（新版）")
    assert move_in.checklist.filter(name="业主手册").exists()


def test_schedule_is_idempotent_and_one_open_move_in_per_unit(ready, owner, desk):
    key = new_key()
    first = schedule(unit=ready, owner=owner, actor=desk, key=key)
    assert schedule(unit=ready, owner=owner, actor=desk, key=key) == first
    with pytest.raises(DomainError) as refused:
        schedule(unit=ready, owner=owner, actor=desk)
    assert refused.value.code == "open_move_in_exists"
    assert MoveIn.objects.filter(unit=ready).count() == 1
    # Once cancelled, the unit may be scheduled again; its number follows on.
    services.cancel_move_in(move_in=first, actor=_manager(ready), reason="改期")
    again = schedule(unit=ready, owner=owner, actor=desk)
    assert again.number.endswith("-0002")


def _manager(unit):
    from tests.factories import make_staff

    return make_staff("manager", unit.estate, username="manager2")


def test_schedule_refuses_an_owner_of_another_estate_and_a_unit_handed_over(ready, desk, estate_b, owner):
    with pytest.raises(DomainError) as refused:
        schedule(unit=ready, owner=PersonFactory(estate=estate_b), actor=desk)
    assert refused.value.code == "owner_estate"
    occupied = UnitFactory(building=ready.building, number="0901", state=Unit.State.OCCUPIED)
    with pytest.raises(DomainError) as refused:
        schedule(unit=occupied, owner=owner, actor=desk)
    assert refused.value.code == "unit_handed_over"
    assert not MoveIn.objects.exists()


def test_schedule_needs_the_permission_and_the_estate(ready, owner, users, unit_b):
    with pytest.raises(PermissionDenied):
        schedule(unit=ready, owner=owner, actor=users["housekeeper"])
    with pytest.raises(PermissionDenied):
        schedule(unit=unit_b, owner=PersonFactory(estate=unit_b.estate), actor=users["frontdesk"])


def test_schedule_needs_an_idempotency_key(ready, owner, desk):
    with pytest.raises(DomainError) as refused:
        services.schedule_move_in(actor=desk, unit=ready, owner=owner, idempotency_key=" ")
    assert refused.value.code == "idempotency_key_required"


def test_start_writes_one_event(ready, owner, desk):
    move_in = services.start_move_in(move_in=schedule(unit=ready, owner=owner, actor=desk), actor=desk)
    assert move_in.status == Status.DOCUMENTS and move_in.started_at is not None
    event = move_in.events.get(action="start")
    assert (event.from_status, event.to_status, event.actor) == (Status.SCHEDULED, Status.DOCUMENTS, desk)


# --- the checklist ------------------------------------------------------------------------------


@pytest.fixture
def at_documents(ready, owner, desk):
    return services.start_move_in(move_in=schedule(unit=ready, owner=owner, actor=desk), actor=desk)


def test_id_line_checks_the_number_against_the_archive(at_documents, desk):
    line = at_documents.checklist.get(is_id_check=True)
    with pytest.raises(DomainError) as refused:
        services.complete_checklist_item(item=line, actor=desk, id_number="110101198001010011")
    assert refused.value.code == "id_number_mismatch"
    line.refresh_from_db()
    assert line.done_at is None
    with pytest.raises(DomainError) as refused:
        services.complete_checklist_item(item=line, actor=desk)
    assert refused.value.code == "id_number_required"
    done = services.complete_checklist_item(item=line, actor=desk, id_number=OWNER_ID.lower())
    assert done.done_at is not None and done.done_by == desk
    assert SensitiveAccessLog.objects.filter(person=at_documents.owner, matched=True).count() == 1


def test_a_wrong_id_on_the_id_line_stays_in_the_access_log_and_changes_nothing_else(at_documents, desk):
    line = at_documents.checklist.get(is_id_check=True)
    logs, events = SensitiveAccessLog.objects.count(), MoveInEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        services.complete_checklist_item(item=line, actor=desk, id_number="110101198001010011")
    assert refused.value.code == "id_number_mismatch"
    assert SensitiveAccessLog.objects.count() == logs + 1
    log = SensitiveAccessLog.objects.latest("pk")
    assert (log.person_id, log.matched, log.actor) == (at_documents.owner_id, False, desk)
    assert MoveInEvent.objects.count() == events
    assert not at_documents.checklist.filter(done_at__isnull=False).exists()
    at_documents.refresh_from_db()
    assert at_documents.status == Status.DOCUMENTS


def test_id_line_refused_when_the_archive_has_no_number(ready, desk, estate_a):
    owner = PersonFactory(estate=estate_a)
    move_in = services.start_move_in(move_in=schedule(unit=ready, owner=owner, actor=desk), actor=desk)
    with pytest.raises(DomainError) as refused:
        services.complete_checklist_item(
            item=move_in.checklist.get(is_id_check=True), actor=desk, id_number=OWNER_ID
        )
    assert refused.value.code == "owner_id_missing"


def test_signed_copy_is_stored_as_the_units_archive_document(at_documents, desk):
    line = at_documents.checklist.get(name="业主临时管理规约")
    with pytest.raises(DomainError) as refused:
        services.complete_checklist_item(item=line, actor=desk)
    assert refused.value.code == "signed_copy_required"
    done = services.complete_checklist_item(item=line, actor=desk, signed_copy=a_photo())
    document = ArchiveDocument.objects.get(pk=done.document_id)
    assert document.unit_id == at_documents.unit_id and document.kind == ArchiveDocument.Kind.COVENANT
    assert document.title.startswith("业主临时管理规约") and document.uploaded_by == desk


def test_a_bad_signed_copy_is_refused(at_documents, desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    line = at_documents.checklist.get(name="住宅装修管理协议")
    with pytest.raises(DomainError) as refused:
        services.complete_checklist_item(
            item=line, actor=desk, signed_copy=SimpleUploadedFile("x.png", b"not a picture")
        )
    assert refused.value.code == "invalid_upload"
    assert not ArchiveDocument.objects.exists()


def test_checklist_only_while_documents(ready, owner, desk):
    move_in = schedule(unit=ready, owner=owner, actor=desk)
    with pytest.raises(DomainError) as refused:
        services.complete_checklist_item(item=move_in.checklist.get(name="入伙通知书"), actor=desk)
    assert refused.value.code == "checklist_closed"


def test_finish_documents_needs_the_required_lines(at_documents, desk):
    with pytest.raises(DomainError) as refused:
        services.finish_documents(move_in=at_documents, actor=desk)
    assert refused.value.code == "checklist_incomplete"
    do_checklist(at_documents, desk)
    assert services.finish_documents(move_in=at_documents, actor=desk).status == Status.FEES


# --- the keys -----------------------------------------------------------------------------------


def test_keys_hand_the_unit_over_and_make_the_owner_an_occupant(ready, owner, desk, manager):
    move_in = walk(unit=ready, owner=owner, desk=desk, manager=manager, to="keys")
    done = services.hand_over_keys(
        move_in=move_in, actor=desk, keys=[("入户门钥匙", 3), ("信箱钥匙", "1")], signed_by=" 王建国 "
    )
    assert done.status == Status.COMPLETED
    assert (done.keys_signed_by, done.keys_handed_by) == ("王建国", desk)
    assert done.completed_at == done.keys_handed_at
    assert list(done.keys.values_list("kind", "count")) == [("入户门钥匙", 3), ("信箱钥匙", 1)]
    ready.refresh_from_db()
    assert ready.state == Unit.State.HANDED_OVER
    occupancy = Occupancy.objects.get(unit=ready, person=owner)
    assert occupancy.role == Occupancy.Role.OWNER and occupancy.is_payer
    assert done.events.filter(action="hand_over_keys").count() == 1


def test_keys_leave_an_existing_owner_occupancy_alone(ready, owner, desk, manager):
    Occupancy.objects.create(unit=ready, person=owner, role=Occupancy.Role.OWNER, start_date=date(2025, 1, 1))
    move_in = walk(unit=ready, owner=owner, desk=desk, manager=manager, to="completed")
    assert move_in.status == Status.COMPLETED
    assert Occupancy.objects.filter(unit=ready, person=owner).count() == 1


def test_keys_need_keys_and_a_signature(ready, owner, desk, manager):
    move_in = walk(unit=ready, owner=owner, desk=desk, manager=manager, to="keys")
    for keys, signed_by, code in (
        ([], "王建国", "keys_required"),
        ([("入户门钥匙", 0)], "王建国", "invalid_keys"),
        ([("", 1)], "王建国", "invalid_keys"),
        ([("入户门钥匙", 2)], " ", "signed_by_required"),
    ):
        with pytest.raises(DomainError) as refused:
            services.hand_over_keys(move_in=move_in, actor=desk, keys=keys, signed_by=signed_by)
        assert refused.value.code == code
    move_in.refresh_from_db()
    assert move_in.status == Status.KEYS and not move_in.keys.exists()
    ready.refresh_from_db()
    assert ready.state == Unit.State.VACANT


def test_keys_need_the_permission(ready, owner, desk, manager, users):
    move_in = walk(unit=ready, owner=owner, desk=desk, manager=manager, to="keys")
    with pytest.raises(PermissionDenied):
        services.hand_over_keys(move_in=move_in, actor=users["engineer"], keys=[("门", 1)], signed_by="王")


# --- cancelling and rating --------------------------------------------------------------------


def test_cancel_needs_a_manager_and_a_reason(ready, owner, desk, manager):
    move_in = schedule(unit=ready, owner=owner, actor=desk)
    with pytest.raises(PermissionDenied):
        services.cancel_move_in(move_in=move_in, actor=desk, reason="业主改期")
    with pytest.raises(DomainError) as refused:
        services.cancel_move_in(move_in=move_in, actor=manager, reason="  ")
    assert refused.value.code == "reason_required"
    cancelled = services.cancel_move_in(move_in=move_in, actor=manager, reason="业主改期")
    assert cancelled.status == Status.CANCELLED and cancelled.cancelled_at is not None
    assert cancelled.events.get(action="cancel").note == "业主改期"


def test_cancel_frees_the_slot_seat():
    from tests.moveins.factories import MoveInSlotFactory

    slot = MoveInSlotFactory(capacity=1)
    move_in = MoveInFactory(unit__building__estate=slot.batch.estate, slot=slot, batch=slot.batch)
    from tests.factories import make_staff

    manager = make_staff("manager", slot.batch.estate, username="mgr-slot")
    services.cancel_move_in(move_in=move_in, actor=manager, reason="业主放弃")
    assert not MoveIn.objects.open().filter(slot=slot).exists()


def test_rating_by_the_owner_or_the_desk(ready, owner, desk, manager, users):
    move_in = walk(unit=ready, owner=owner, desk=desk, manager=manager, to="completed")
    owner_login = UserFactory(username="owner-login")
    owner_login.groups.add(Group.objects.get(name="resident"))
    owner.user = owner_login
    owner.save(update_fields=["user"])
    rated = services.rate_handover(move_in=move_in, actor=owner_login, score=5, comment="很满意")
    assert (rated.satisfaction, rated.satisfaction_comment) == (5, "很满意")
    rated = services.rate_handover(move_in=move_in, actor=desk, score="4")
    assert rated.satisfaction == 4
    for score in (0, 6, "x"):
        with pytest.raises(DomainError):
            services.rate_handover(move_in=move_in, actor=desk, score=score)
    neighbour = make_resident(UnitFactory(building=ready.building, number="0902"), username="neighbour")
    with pytest.raises(PermissionDenied):
        services.rate_handover(move_in=move_in, actor=neighbour, score=1)
    with pytest.raises(PermissionDenied):
        services.rate_handover(move_in=move_in, actor=users["housekeeper"], score=1)


def test_rating_only_once_completed(ready, owner, desk):
    move_in = schedule(unit=ready, owner=owner, actor=desk)
    with pytest.raises(DomainError) as refused:
        services.rate_handover(move_in=move_in, actor=desk, score=5)
    assert refused.value.code == "not_completed"
