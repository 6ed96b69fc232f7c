"""Factories for move-ins. They write rows directly (any state, known dates); tests of the
lifecycle call `moveins.services` as the application does.

`MoveInFactory(status=...)` gives a move-in in that state whose guards hold for the next steps:
past `documents` its checklist lines (`checklist=True`, copied from the estate's templates) are
done, and no charge is owed unless the test adds one (`MoveInChargeFactory`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from moveins.models import (
    ChargeRule,
    ChecklistItem,
    ChecklistItemTemplate,
    Defect,
    Inspection,
    MoveIn,
    MoveInBatch,
    MoveInCharge,
    MoveInSlot,
)
from residents.models import Unit
from tests.factories import EstateFactory, PersonFactory, UnitFactory

Status = MoveIn.Status
# The states in which the owner's documents are done (the checklist lines are ticked).
PAST_DOCUMENTS = {Status.FEES, Status.INSPECTION, Status.RECTIFICATION, Status.KEYS, Status.COMPLETED}


class ChecklistItemTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItemTemplate
        django_get_or_create = ("estate", "section", "name")

    estate = factory.SubFactory(EstateFactory)
    section = ChecklistItemTemplate.Section.DOCUMENTS_CHECKED
    name = factory.Sequence(lambda n: f"核对资料{n}")


class ChargeRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChargeRule
        django_get_or_create = ("estate", "name")

    estate = factory.SubFactory(EstateFactory)
    kind = ChargeRule.Kind.FEE
    name = factory.Sequence(lambda n: f"入伙费用{n}")
    amount = Decimal("100.00")


class MoveInBatchFactory(factory.django.DjangoModelFactory):
    """A batch running from 1 to 31 March 2026."""

    class Meta:
        model = MoveInBatch

    estate = factory.SubFactory(EstateFactory)
    name = factory.Sequence(lambda n: f"第{n + 1}批集中入伙")
    starts_on = date(2026, 3, 1)
    ends_on = date(2026, 3, 31)


class MoveInSlotFactory(factory.django.DjangoModelFactory):
    """A 09:00–10:00 slot on the batch's first day for 4 move-ins."""

    class Meta:
        model = MoveInSlot

    batch = factory.SubFactory(MoveInBatchFactory)
    starts_at = factory.LazyAttribute(
        lambda o: timezone.make_aware(datetime.combine(o.batch.starts_on, time(9, 0)))
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    capacity = 4


class MoveInFactory(factory.django.DjangoModelFactory):
    """A move-in (scheduled unless told otherwise) of a vacant unit by an owner of its estate (not
    yet an occupant: that happens at the keys)."""

    class Meta:
        model = MoveIn
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory, state=Unit.State.VACANT)
    estate = factory.LazyAttribute(lambda o: o.unit.estate)
    owner = factory.SubFactory(PersonFactory, estate=factory.SelfAttribute("..estate"))
    number = factory.Sequence(lambda n: f"RH2026-{n + 1:04d}")
    status = Status.SCHEDULED
    scheduled_for = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)
    started_at = factory.LazyAttribute(lambda o: None if o.status == Status.SCHEDULED else o.created_at)
    keys_handed_at = factory.LazyAttribute(lambda o: o.created_at if o.status == Status.COMPLETED else None)
    keys_signed_by = factory.LazyAttribute(lambda o: o.owner.name if o.status == Status.COMPLETED else "")
    completed_at = factory.LazyAttribute(lambda o: o.created_at if o.status == Status.COMPLETED else None)
    cancelled_at = factory.LazyAttribute(lambda o: o.created_at if o.status == Status.CANCELLED else None)

    @factory.post_generation
    def checklist(obj, create, extracted, **kwargs):
        """`checklist=True`: copy the estate's active template lines (done past `documents`)."""
        if not create or not extracted:
            return
        done = obj.status in PAST_DOCUMENTS
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                move_in=obj,
                template=template,
                section=template.section,
                name=template.name,
                is_id_check=template.is_id_check,
                needs_signed_copy=template.needs_signed_copy,
                is_required=template.is_required,
                sort_order=template.sort_order,
                done_at=obj.created_at if done else None,
            )
            for template in ChecklistItemTemplate.objects.filter(estate=obj.estate, is_active=True)
        )


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    move_in = factory.SubFactory(MoveInFactory, status=Status.DOCUMENTS)
    section = ChecklistItemTemplate.Section.DOCUMENTS_CHECKED
    name = factory.Sequence(lambda n: f"核对资料{n}")


class MoveInChargeFactory(factory.django.DjangoModelFactory):
    """A charge line without a bill (owed in full) unless given one."""

    class Meta:
        model = MoveInCharge

    move_in = factory.SubFactory(MoveInFactory, status=Status.FEES)
    kind = ChargeRule.Kind.FEE
    name = factory.Sequence(lambda n: f"入伙费用{n}")
    amount = Decimal("100.00")


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    move_in = factory.SubFactory(MoveInFactory, status=Status.RECTIFICATION)
    result = Inspection.Result.DEFECTS
    inspected_by = factory.SubFactory("tests.factories.UserFactory")
    inspected_at = factory.LazyFunction(timezone.now)


class DefectFactory(factory.django.DjangoModelFactory):
    """An open defect without a ticket (give `ticket=` for one awaiting its repair)."""

    class Meta:
        model = Defect

    inspection = factory.SubFactory(InspectionFactory)
    move_in = factory.LazyAttribute(lambda o: o.inspection.move_in)
    location = "主卧"
    description = "墙面空鼓开裂"
    responsible = Defect.Responsible.WARRANTY
    deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=15))
