"""Demo move-outs and moving requests for the first demo estate: one request in every state, one
held up by what its unit owes and one a manager released anyway, all through
`frontdesk.services` at dates relative to today. Idempotent: an estate that already has requests
is left as it is.

Called as `seed_demo_data(...)`, with the same arguments as every app's `seed_demo_data`, by the
front desk's demo module."""

from __future__ import annotations

import random
from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from billing.models import Bill
from frontdesk import services
from frontdesk.models import MoveOut
from residents.models import Estate, Occupancy

ITEMS = [
    "双开门冰箱一台、布艺沙发一套、纸箱十二个",
    "实木床一张、衣柜一组、洗衣机一台",
    "书柜两个、办公桌一张、纸箱八个",
    "钢琴一台（需四人搬运）",
    "电视机一台、餐桌椅一套",
]
PLATES = ["粤B3K5Q8", "粤B12345", "粤BD67890", "", "粤B9Z2C1"]


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    estate = estates[0]
    if MoveOut.objects.filter(estate=estate).exists():
        stdout.write(f"move-outs: {estate.code} already has requests; left as it is")
        return
    desk, manager = users["frontdesk"], users["manager"]
    owing = set(Bill.objects.unpaid().filter(estate=estate).values_list("unit_id", flat=True))
    occupancies = list(
        Occupancy.objects.current()
        .filter(unit__estate=estate)
        .select_related("unit", "unit__estate", "person")
        .order_by("unit__code", "pk")
    )
    settled = [o for o in occupancies if o.unit_id not in owing]
    in_arrears = [o for o in occupancies if o.unit_id in owing]
    if len(settled) < 4:
        stdout.write(f"move-outs: {estate.code} has too few occupants without arrears; nothing added")
        return
    today = timezone.localdate()
    plan = [
        # (occupancy, kind, days from today, then: the steps taken)
        (settled[0], MoveOut.Kind.MOVING, 1, ()),
        (settled[1], MoveOut.Kind.MOVING, 0, ("approve",)),
        (settled[2], MoveOut.Kind.MOVING, 2, ("approve", "cancel")),
        (settled[3], MoveOut.Kind.MOVE_OUT, 3, ()),
    ]
    if len(settled) > 4:
        plan.append((settled[4], MoveOut.Kind.MOVE_OUT, 0, ("approve", "complete")))
    if in_arrears:
        plan.append((in_arrears[0], MoveOut.Kind.MOVE_OUT, 2, ()))
    if len(in_arrears) > 1:
        plan.append((in_arrears[1], MoveOut.Kind.MOVE_OUT, 1, ("override",)))
    made = 0
    with transaction.atomic():
        for index, (occupancy, kind, days, steps) in enumerate(plan):
            moveout = services.register_moveout(
                unit=occupancy.unit,
                person=occupancy.person,
                kind=kind,
                planned_date=today + timedelta(days=days),
                window_start=time(9, 0) if days else time(8, 0),
                window_end=time(12, 0) if days else time(23, 59),
                items=ITEMS[index % len(ITEMS)],
                vehicle_plate=PLATES[index % len(PLATES)],
                helpers=rng.randint(0, 4),
                actor=desk,
                idempotency_key=f"demo-moveout-{estate.code}-{index}",
            )
            for step in steps:
                if step == "approve":
                    services.approve_moveout(moveout=moveout, actor=desk)
                elif step == "override":
                    services.approve_moveout(
                        moveout=moveout, actor=manager, override_reason="业主书面承诺本月底前结清欠费"
                    )
                elif step == "cancel":
                    services.cancel_moveout(moveout=moveout, actor=desk, reason="业主改期")
                elif step == "complete":
                    services.complete_moveout(moveout=moveout, actor=desk)
            made += 1
    stdout.write(f"move-outs: {made} requests in {estate.code}")
