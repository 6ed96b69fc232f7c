"""Demo desk logs for the first demo estate: visitors (inside and gone), lost items in every state
(one near its disposal date) and parcels (at the desk, picked up, returned). Everything goes
through `frontdesk.services`, at times relative to now, as the desk would have done it.
Idempotent: an estate that already has visitors is left as it is."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from frontdesk import services
from frontdesk.models import LostItem, Visitor
from residents.models import Estate, Occupancy, Unit
from servicecenter.validators import id_number_checksum

VISITORS = [
    ("陈晓东", "13612345678", "探亲", 3, None),
    ("快递员刘师傅", "13798765432", "送大件家具", 5, 4),
    ("林女士", "", "看房（中介陪同）", 28, 27),
    ("王师傅", "13587654321", "上门维修空调", 50, 48),
]
LOST_ITEMS = [
    # description, where found, storage, days ago, outcome
    ("黑色折叠雨伞", "1栋大堂", "前台储物柜A", 2, "held"),
    ("儿童滑板车（蓝色）", "中心花园", "物业仓库", 85, "held"),
    ("钥匙一串（3把，带小熊挂件）", "地下车库B区", "前台保险柜", 10, "claimed"),
    ("蓝牙耳机", "会所健身房", "前台储物柜A", 120, "disposed"),
]
PARCELS = [
    ("顺丰", "SF1409876543210", 0, "held"),
    ("京东", "JDVA2234567890", 1, "held"),
    ("中通", "78312345678901", 2, "picked_up"),
    ("韵达", "4312345678901", 6, "returned"),
]


def _id_number(serial: int) -> str:
    body = f"440305199001{serial:02d}{serial % 10}{serial % 10}{serial % 10}"[:17]
    return body + id_number_checksum(body)


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    estate = estates[0]
    if Visitor.objects.filter(estate=estate).exists():
        stdout.write(f"frontdesk: {estate.code} already has desk logs; left as it is")
        return
    desk = users.get("frontdesk")
    manager = users.get("manager")
    units = list(
        Unit.objects.filter(estate=estate, pk__in=Occupancy.objects.current().values("unit_id")).order_by(
            "code"
        )[:20]
    )
    if desk is None or not units:
        stdout.write("frontdesk: no desk login or occupied unit; nothing seeded")
        return
    now = timezone.now()
    with transaction.atomic():
        for name, phone, purpose, hours_ago, left_hours_ago in VISITORS:
            visitor = services.register_visitor(
                actor=desk,
                unit=rng.choice(units),
                name=name,
                phone=phone,
                purpose=purpose,
                arrived_at=now - timedelta(hours=hours_ago),
                now=now - timedelta(hours=hours_ago),
            )
            if left_hours_ago is not None:
                services.record_visitor_departure(
                    visitor=visitor, actor=desk, left_at=now - timedelta(hours=left_hours_ago), now=now
                )
        for serial, (description, found_place, storage, days_ago, outcome) in enumerate(LOST_ITEMS, start=1):
            found_at = now - timedelta(days=days_ago)
            item = services.log_lost_item(
                actor=desk,
                estate=estate,
                description=description,
                found_place=found_place,
                storage_place=storage,
                found_at=found_at,
                handed_in_by="保安巡逻",
                now=found_at,
            )
            if outcome == "claimed":
                services.claim_lost_item(
                    item=item,
                    actor=desk,
                    claimant_name="赵女士",
                    claimant_phone="13912340000",
                    id_number=_id_number(serial),
                    now=found_at + timedelta(days=1),
                )
            elif outcome == "disposed":
                services.dispose_lost_item(
                    item=LostItem.objects.get(pk=item.pk),
                    actor=manager or desk,
                    note="超过保管期无人认领，登记后交派出所",
                    now=now - timedelta(days=days_ago - 95),
                )
        for carrier, number, days_ago, outcome in PARCELS:
            received = now - timedelta(days=days_ago, hours=2)
            parcel = services.log_parcel(
                actor=desk, unit=rng.choice(units), carrier=carrier, tracking_number=number, now=received
            )
            if outcome == "picked_up":
                services.pick_up_parcel(
                    parcel=parcel, actor=desk, collected_by="业主本人", now=received + timedelta(hours=5)
                )
            elif outcome == "returned":
                services.return_parcel(
                    parcel=parcel,
                    actor=desk,
                    note="超过5天无人领取，退回快递员",
                    now=received + timedelta(days=5),
                )
    stdout.write(f"frontdesk: {estate.code}: visitors, lost items and parcels in every state")
