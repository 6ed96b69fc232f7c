"""Demo move-ins for the first demo estate: a bulk move-in (集中入伙) running this week with its
slots, and move-ins of its vacant units in every state of the workflow: scheduled, the owner at the
desk, charges to pay, at the inspection, defects being rectified (repair tickets open, one overdue
soon), keys to hand over, completed (one rated) and cancelled.

Everything goes through `moveins.services` (and billing's services for the payments) with
idempotency keys, as the desk would have done it. The batch and its slots go through mbatch's
`create_batch`/`add_slots`/`book_slot` when they are there, else the rows are written directly.
Idempotent: an estate that already has move-ins is left as it is.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from billing import services as billing
from moveins import services
from moveins.defaults import ensure_movein_defaults
from moveins.models import MoveIn, MoveInBatch, MoveInSlot
from residents import services as residents
from residents.models import Estate, Unit
from servicecenter.validators import id_number_checksum
from staff.models import Team

Status = MoveIn.Status
# The target state of each demo move-in, in the order their units are taken.
PLAN = [
    Status.SCHEDULED,
    Status.SCHEDULED,
    Status.DOCUMENTS,
    Status.FEES,
    Status.FEES,
    Status.INSPECTION,
    Status.RECTIFICATION,
    Status.RECTIFICATION,
    Status.KEYS,
    Status.COMPLETED,
    Status.COMPLETED,
    Status.CANCELLED,
]
ORDER = [Status.DOCUMENTS, Status.FEES, Status.INSPECTION, Status.KEYS, Status.COMPLETED]
BUYERS = [
    "林志远",
    "何晓峰",
    "罗雅琴",
    "高文斌",
    "梁淑芬",
    "宋振华",
    "谢佳怡",
    "韩立军",
    "唐思远",
    "冯丽华",
    "曹俊杰",
    "彭美玲",
]
DEFECTS = [
    ("主卧", "墙面空鼓开裂约30cm", "warranty"),
    ("卫生间", "地漏排水不畅，积水", "warranty"),
    ("客厅", "入户门门锁卡滞", "engineering"),
    ("厨房", "橱柜台面有划痕", "warranty"),
]


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    for estate in estates:
        ensure_movein_defaults(estate)
    estate = estates[0]
    if MoveIn.objects.filter(estate=estate).exists():
        stdout.write(f"moveins: {estate.code} already has move-ins; left as it is")
        return
    with transaction.atomic():
        made = _Seeder(estate=estate, users=users, rng=rng).run()
    stdout.write(f"moveins: {estate.code}: a running batch and {made} move-ins in every state")


def _key(*parts) -> str:
    return "demo:movein:" + ":".join(str(part) for part in parts)


def _scan(name: str) -> SimpleUploadedFile:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (60, 80), (235, 235, 225)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class _Seeder:
    def __init__(self, *, estate: Estate, users: dict, rng: random.Random):
        self.estate = estate
        self.rng = rng
        self.desk = users["frontdesk"]
        self.manager = users["manager"]
        self.clerk = users["clerk"]
        self.engineer = users["engineer"]
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.id_numbers: dict[int, str] = {}

    def run(self) -> int:
        Team.objects.get_or_create(
            estate=self.estate, kind=Team.Kind.WARRANTY, defaults={"name": "开发商售后"}
        )
        units = list(
            Unit.objects.filter(estate=self.estate, state=Unit.State.VACANT, move_ins__isnull=True)
            .select_related("building")
            .order_by("code")[: len(PLAN)]
        )
        slots = self._batch()
        made = 0
        for index, (unit, target) in enumerate(zip(units, PLAN, strict=False)):
            owner = self._buyer(index)
            slot = slots[index % len(slots)] if target == Status.SCHEDULED and slots else None
            move_in = services.schedule_move_in(
                actor=self.desk,
                unit=unit,
                owner=owner,
                scheduled_for=self.now + timedelta(days=index % 5),
                idempotency_key=_key(self.estate.pk, unit.pk),
                notes="",
            )
            if slot is not None:
                self._book(move_in, slot)
            self._walk(move_in, target, index)
            made += 1
        return made

    # --- the batch --------------------------------------------------------------------------------

    def _batch(self) -> list[MoveInSlot]:
        starts_on, ends_on = self.today - timedelta(days=2), self.today + timedelta(days=12)
        name = "第一批集中入伙"
        try:
            from moveins.services.batches import add_slots, create_batch
        except ImportError:
            add_slots = create_batch = None
        days = [self.today + timedelta(days=offset) for offset in (1, 2)]
        if create_batch is not None:
            batch = create_batch(
                actor=self.manager, estate=self.estate, name=name, starts_on=starts_on, ends_on=ends_on
            )
            slots = []
            for day in days:
                slots += add_slots(
                    actor=self.manager,
                    batch=batch,
                    day=day,
                    start=time(9, 0),
                    end=time(12, 0),
                    minutes=60,
                    capacity=4,
                )
            return slots
        batch = MoveInBatch.objects.create(
            estate=self.estate, name=name, starts_on=starts_on, ends_on=ends_on, created_by=self.manager
        )
        slots = []
        for day in days:
            for hour in (9, 10, 11):
                starts_at = timezone.make_aware(datetime.combine(day, time(hour, 0)))
                slots.append(
                    MoveInSlot.objects.create(
                        batch=batch, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), capacity=4
                    )
                )
        return slots

    def _book(self, move_in: MoveIn, slot: MoveInSlot) -> None:
        try:
            from moveins.services.batches import book_slot
        except ImportError:
            MoveIn.objects.filter(pk=move_in.pk).update(
                batch=slot.batch, slot=slot, scheduled_for=slot.starts_at
            )
            return
        book_slot(actor=self.desk, move_in=move_in, slot=slot)

    # --- people -----------------------------------------------------------------------------------

    def _buyer(self, index: int):
        first17 = f"4403051988{(index % 12) + 1:02d}{(index % 27) + 1:02d}{600 + index:03d}"
        id_number = first17 + id_number_checksum(first17)
        mobile = f"139{self.estate.pk:02d}{index:06d}"[:11]
        person = residents.create_person(
            actor=self.desk,
            estate=self.estate,
            name=BUYERS[index % len(BUYERS)],
            id_number=id_number,
            mobile=mobile,
        )
        self.id_numbers[person.pk] = id_number
        return person

    # --- the steps --------------------------------------------------------------------------------

    def _walk(self, move_in: MoveIn, target: str, index: int) -> None:
        if target == Status.SCHEDULED:
            return
        if target == Status.CANCELLED:
            services.cancel_move_in(move_in=move_in, actor=self.manager, reason="业主申请延期，另行预约")
            return
        services.start_move_in(move_in=move_in, actor=self.desk)
        if target == Status.DOCUMENTS:
            # Half the checklist ticked: the owner is at the desk now.
            for item in list(move_in.checklist.order_by("sort_order", "pk"))[:3]:
                self._tick(item, move_in)
            return
        for item in move_in.checklist.filter(done_at__isnull=True, is_required=True):
            self._tick(item, move_in)
        services.finish_documents(move_in=move_in, actor=self.desk)
        if target == Status.FEES:
            if index % 2:
                self._pay(move_in, deposits_only=True)
            return
        if index % 3 == 0:
            services.waive_move_in_fees(
                move_in=move_in, actor=self.manager, reason="开发商承担首期费用（营销活动）"
            )
        else:
            self._pay(move_in)
        services.confirm_fees(move_in=move_in, actor=self.desk)
        self._readings(move_in)
        if target == Status.INSPECTION:
            return
        if target == Status.RECTIFICATION:
            picks = DEFECTS[index % 2 :: 2]
            services.record_defects(
                move_in=move_in,
                actor=self.engineer,
                defects=[
                    services.DefectInput(
                        location=location,
                        description=description,
                        deadline=self.today + timedelta(days=3 + 7 * n),
                        responsible=responsible,
                        category=None,
                        photos=[],
                    )
                    for n, (location, description, responsible) in enumerate(picks)
                ],
                note="业主陪同验房",
            )
            return
        services.pass_inspection(move_in=move_in, actor=self.engineer, note="验房合格")
        if target == Status.KEYS:
            return
        services.hand_over_keys(
            move_in=move_in,
            actor=self.desk,
            keys=[("入户门钥匙", 3), ("信箱钥匙", 2), ("门禁卡", 2)],
            signed_by=move_in.owner.name,
        )
        if index % 2:
            services.rate_handover(move_in=move_in, actor=self.desk, score=5, comment="流程清楚，服务热情")

    def _tick(self, item, move_in: MoveIn) -> None:
        services.complete_checklist_item(
            item=item,
            actor=self.desk,
            id_number=self.id_numbers.get(move_in.owner_id, "") if item.is_id_check else "",
            signed_copy=_scan(f"signed-{item.pk}.png") if item.needs_signed_copy else None,
        )

    def _pay(self, move_in: MoveIn, *, deposits_only: bool = False) -> None:
        for charge in move_in.charges.select_related("bill"):
            if charge.bill_id:
                if deposits_only:
                    continue
                billing.record_payment(
                    unit=move_in.unit,
                    amount=charge.bill.outstanding,
                    method="wechat",
                    actor=self.clerk,
                    idempotency_key=_key("pay", charge.pk),
                    bill_ids=[charge.bill_id],
                )
            else:
                services.take_move_in_deposit(
                    charge=charge, method="cash", actor=self.clerk, idempotency_key=_key("deposit", charge.pk)
                )

    def _readings(self, move_in: MoveIn) -> None:
        from moveins.page_selectors import meters_with_last_reading

        meters = meters_with_last_reading(move_in.unit)
        if not meters:
            return
        # A vacant unit's meters may have this month's reading already (billing's demo): billing
        # keeps one reading a month, so the handover then records none.
        fresh = [m for m in meters if m.last_period is None or m.last_period < self.today.replace(day=1)]
        if fresh:
            services.record_opening_readings(
                move_in=move_in,
                actor=self.engineer,
                readings={meter.pk: str(meter.last_value + 1) for meter in fresh},
            )
