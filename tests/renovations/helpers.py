"""Driving a renovation through its lifecycle with the services, as the desk would."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from renovations import services
from tests.billing.conftest import new_key
from tests.renovations.conftest import at, worker

# The smallest valid PDF the upload check accepts (its type is judged by its bytes).
ONE_WORKER = (worker(1),)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "协议.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def register(unit, owner, actor, items, *, workers=ONE_WORKER, key=None, now=None, **overrides):
    fields = {
        "contractor_company": "深圳市安居装饰工程有限公司",
        "contractor_licence": "91440300MA5XXXXX1A",
        "contractor_contact": "李工",
        "contractor_phone": "139 1234 5678",
        "planned_start": date(2026, 3, 2),
        "planned_end": date(2026, 4, 30),
        "description": "厨卫翻新",
        **overrides,
    }
    return services.register_renovation(
        unit=unit,
        owner=owner,
        actor=actor,
        scope_items=items,
        workers=list(workers),
        idempotency_key=key or new_key(),
        now=now or at(2026, 2, 10),
        **fields,
    )


def approved(unit, owner, users, items, *, workers=ONE_WORKER, now=None):
    """Registered, reviewed (engineering first when non-regular) and approved by the manager."""
    now = now or at(2026, 2, 10)
    renovation = register(unit, owner, users["frontdesk"], items, workers=workers, now=now)
    renovation = services.send_for_review(renovation=renovation, actor=users["frontdesk"], now=now)
    if not renovation.is_regular:
        renovation = services.engineering_approve(renovation=renovation, actor=users["engineer"], now=now)
    return services.approve_renovation(renovation=renovation, actor=users["manager"], now=now)


def pay_everything(renovation, clerk, *, now=None):
    """The deposit taken and every fee bill paid at the cashier."""
    from billing import services as billing

    now = now or at(2026, 2, 12)
    services.take_renovation_deposit(
        renovation=renovation, actor=clerk, method="cash", idempotency_key=new_key(), now=now
    )
    bills = [c.bill for c in renovation.charges.exclude(bill=None).select_related("bill")]
    if bills:
        billing.record_payment(
            unit=renovation.unit,
            amount=str(sum(b.amount for b in bills)),
            method="cash",
            actor=clerk,
            idempotency_key=new_key(),
            bill_ids=[b.pk for b in bills],
            now=now,
        )


def permitted(unit, owner, users, items, *, workers=ONE_WORKER, now=None):
    renovation = approved(unit, owner, users, items, workers=workers)
    pay_everything(renovation, users["clerk"])
    services.record_agreement(
        renovation=renovation, actor=users["clerk"], scanned_copy=pdf(), now=at(2026, 2, 12)
    )
    return services.issue_permit(renovation=renovation, actor=users["clerk"], now=now or at(2026, 2, 13))
