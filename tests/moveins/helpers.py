"""Walking a move-in through its states with the services, as the desk does."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from billing import services as billing
from moveins import services
from moveins.models import MoveIn
from tests.moveins.conftest import OWNER_ID, a_photo, new_key


def schedule(*, unit, owner, actor, key=None, **kwargs) -> MoveIn:
    return services.schedule_move_in(
        actor=actor, unit=unit, owner=owner, idempotency_key=key or new_key(), **kwargs
    )


def do_checklist(move_in: MoveIn, actor) -> None:
    for item in move_in.checklist.filter(done_at__isnull=True):
        services.complete_checklist_item(
            item=item,
            actor=actor,
            id_number=OWNER_ID if item.is_id_check else "",
            signed_copy=a_photo(f"{item.pk}.png") if item.needs_signed_copy else None,
        )


def pay_everything(move_in: MoveIn, cashier) -> None:
    for charge in move_in.charges.all():
        if charge.bill_id:
            billing.record_payment(
                unit=move_in.unit,
                amount=charge.bill.outstanding,
                method="cash",
                actor=cashier,
                idempotency_key=new_key(),
                bill_ids=[charge.bill_id],
            )
        else:
            services.take_move_in_deposit(
                charge=charge, method="cash", actor=cashier, idempotency_key=new_key()
            )


def walk(*, unit, owner, desk, manager, to: str) -> MoveIn:
    """A move-in of `unit` brought to state `to` through the services (desk and manager)."""
    move_in = schedule(unit=unit, owner=owner, actor=desk)
    steps = [
        ("documents", lambda m: services.start_move_in(move_in=m, actor=desk)),
        ("fees", lambda m: (do_checklist(m, desk), services.finish_documents(move_in=m, actor=desk))[1]),
        (
            "inspection",
            lambda m: (pay_everything(m, manager), services.confirm_fees(move_in=m, actor=desk))[1],
        ),
        ("keys", lambda m: services.pass_inspection(move_in=m, actor=desk)),
        (
            "completed",
            lambda m: services.hand_over_keys(
                move_in=m, actor=desk, keys=[("入户门钥匙", 3)], signed_by=m.owner.name
            ),
        ),
    ]
    for status, step in steps:
        if move_in.status == to:
            break
        move_in = step(move_in)
        assert move_in.status == status
    move_in.refresh_from_db()
    return move_in


def tomorrow():
    return timezone.localdate() + timedelta(days=1)
