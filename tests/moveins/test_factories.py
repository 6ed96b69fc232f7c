import pytest

from moveins.models import MoveIn
from moveins.selectors import charges_outstanding, defects_awaiting_rectification
from tests.moveins.factories import (
    ChecklistItemTemplateFactory,
    DefectFactory,
    MoveInChargeFactory,
    MoveInFactory,
    MoveInSlotFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", MoveIn.Status.values)
def test_a_move_in_in_every_state(status):
    move_in = MoveInFactory(status=status)
    assert move_in.status == status
    assert move_in.owner.estate_id == move_in.unit.estate_id == move_in.estate_id


def test_checklist_copied_and_done_past_documents():
    template = ChecklistItemTemplateFactory(name="特别核对")
    documents = MoveInFactory(
        status=MoveIn.Status.DOCUMENTS, unit__building__estate=template.estate, checklist=True
    )
    fees = MoveInFactory(status=MoveIn.Status.FEES, unit__building__estate=template.estate, checklist=True)
    assert documents.checklist.get(name="特别核对").done_at is None
    assert fees.checklist.get(name="特别核对").done_at is not None


def test_charge_owed_and_defect_awaiting():
    charge = MoveInChargeFactory()
    assert [line.outstanding for line in charges_outstanding(charge.move_in)] == [charge.amount]
    defect = DefectFactory()
    assert list(defects_awaiting_rectification(defect.move_in)) == [defect]


def test_slot_of_a_batch():
    slot = MoveInSlotFactory()
    assert slot.batch.starts_on == slot.starts_at.date()
