"""Objects the key custody and invoice tests share (imported by each test module: the other
front-desk logs keep their own fixtures)."""

from __future__ import annotations

from decimal import Decimal

from django.core.cache import cache

from billing import services as billing
from billing.models import Bill, PaymentMethod
from frontdesk.services import keys
from residents.models import Person
from tests.billing.conftest import make_bill, new_key
from tests.factories import make_id_number

COLLECTOR_ID = make_id_number(31)
OWNER_ID = make_id_number(32)


def forget_id_checks() -> None:
    # The archive's ID check counts per user in the cache: each test starts from zero.
    cache.clear()


def owner_with_id(resident) -> Person:
    person = Person.objects.get(user=resident)
    person.set_id_number(OWNER_ID)
    person.save()
    return person


def register(unit, owner, actor, *, tag="A-01", collectors=None, **extra):
    return keys.register_key_custody(
        actor=actor,
        unit=unit,
        owner=owner,
        description="入户门、信箱",
        quantity=2,
        storage_tag=tag,
        collectors=collectors
        or [keys.CollectorInput(name="张三", phone="13800138001", id_number=COLLECTOR_ID)],
        **extra,
    )


def paid_bill(unit, actor, amount="100.00", **kwargs) -> Bill:
    bill = make_bill(unit, amount, **kwargs)
    billing.record_payment(
        unit=unit,
        amount=Decimal(amount),
        method=PaymentMethod.CASH,
        actor=actor,
        bill_ids=[bill.pk],
        idempotency_key=new_key(),
    )
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    return bill
