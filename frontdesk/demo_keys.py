"""Demo key custody and invoice requests for the first demo estate: keys at the desk, keys handed
out to a named neighbour, keys returned to their owner; invoice requests open, issued and rejected
for bills the billing demo has already paid. Plus the knowledge base's seed.

Everything goes through `frontdesk.services` as the desk would have done it. Idempotent: an estate
that already has key custodies is left as it is. Hooked into `seed_demo` by calling
`seed_demo_data` after the billing demo (from `frontdesk.demo`, or by listing this module)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from billing.models import Bill
from frontdesk.knowledge_defaults import ensure_default_knowledge
from frontdesk.models import InvoiceRequest, KeyCustody, KnowledgeEntry
from frontdesk.services import invoices, keys
from residents.models import Estate, Occupancy
from servicecenter.crypto import decrypt_text
from servicecenter.validators import id_number_checksum

COLLECTORS = [
    ("李秀英", "13912340001"),
    ("王建华", "13912340002"),
    ("张丽", "13912340003"),
    ("刘洋", "13912340004"),
]
KEYS = ["入户门钥匙", "入户门、信箱钥匙", "车库门遥控器及钥匙", "入户门钥匙（装修期间）"]


def _id_number(serial: int) -> str:
    first17 = f"44030519850101{serial % 1000:03d}"
    return first17 + id_number_checksum(first17)


def seed_demo_data(*, estates: list[Estate], users: dict, rng: random.Random, stdout) -> None:
    added = ensure_default_knowledge(entry_model=KnowledgeEntry)
    estate = estates[0]
    if KeyCustody.objects.filter(estate=estate).exists():
        stdout.write(f"frontdesk keys: {estate.code} already has key custodies; left as it is")
        return
    with transaction.atomic():
        custodies = _keys(estate, users, rng)
        requests = _invoices(estate, users)
    stdout.write(
        f"frontdesk: {estate.code}: {custodies} key custodies, {requests} invoice requests; "
        f"{added} knowledge entries added"
    )


def _keys(estate: Estate, users: dict, rng: random.Random) -> int:
    desk = users["frontdesk"]
    now = timezone.now()
    owners = list(
        Occupancy.objects.current()
        .filter(unit__estate=estate, role=Occupancy.Role.OWNER)
        .select_related("unit", "person")
        .order_by("unit__code")[:40]
    )
    rng.shuffle(owners)
    made = 0
    for index, occupancy in enumerate(owners[:4]):
        name, phone = COLLECTORS[index]
        custody = keys.register_key_custody(
            actor=desk,
            unit=occupancy.unit,
            owner=occupancy.person,
            description=KEYS[index],
            quantity=1 + index % 2,
            storage_tag=f"K-{index + 1:02d}",
            collectors=[keys.CollectorInput(name=name, phone=phone, id_number=_id_number(index + 1))],
            note="业主出差期间托管",
            now=now - timedelta(days=20 - index),
        )
        made += 1
        if index in (1, 2):
            keys.hand_out_keys(
                custody=custody,
                actor=desk,
                collector=custody.collectors.get(),
                id_number=_id_number(index + 1),
                note="代业主开门接待维修",
                now=now - timedelta(days=3),
            )
        if index == 2:
            keys.take_back_keys(custody=custody, actor=desk, now=now - timedelta(days=2))
            # The owner shows their own ID card (the archive holds its number for most demo owners).
            owner_id = (
                decrypt_text(custody.owner.id_number_ciphertext) if custody.owner.id_number_ciphertext else ""
            )
            keys.return_keys_to_owner(
                custody=custody,
                actor=users["supervisor"],
                id_number=owner_id,
                note="业主回来取回",
                now=now - timedelta(days=1),
            )
    return made


def _invoices(estate: Estate, users: dict) -> int:
    paid = list(
        Bill.objects.filter(estate=estate, status=Bill.Status.PAID)
        .exclude(unit__in=InvoiceRequest.objects.values("unit_id"))
        .order_by("unit_id", "period")[:40]
    )
    by_unit: dict[int, list[Bill]] = {}
    for bill in paid:
        by_unit.setdefault(bill.unit_id, []).append(bill)
    made = 0
    for index, bills in enumerate(list(by_unit.values())[:3]):
        request = invoices.request_invoice(
            actor=users["frontdesk"],
            unit=bills[0].unit,
            bill_ids=[b.pk for b in bills[:3]],
            title=["王芳", "深圳市某某科技有限公司", "陈明"][index],
            tax_number="91440300MA5F1A2B3C" if index == 1 else "",
            idempotency_key=f"demo:invoice:{estate.pk}:{index}",
        )
        made += 1
        if index == 1:
            invoices.issue_invoice(request=request, actor=users["clerk"], invoice_number="44031234 00012345")
        elif index == 2:
            invoices.reject_invoice_request(
                request=request, actor=users["clerk"], reason="抬头需与缴费人一致"
            )
    return made
