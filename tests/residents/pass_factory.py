"""Passes for the pass tests, issued through the service as the desk would."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from residents import services
from residents.models import Pass
from tests.factories import make_id_number

HOLDER_ID = make_id_number(321)
HOLDER_MOBILE = "13912345678"


def make_pass(
    unit,
    *,
    holder_name: str = "李师傅",
    kind: str = Pass.Kind.SHOP_STAFF,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    allowed_hours: str = "08:00–12:00, 14:00–18:00",
    holder_id_number: str = HOLDER_ID,
    holder_mobile: str = HOLDER_MOBILE,
    now: datetime | None = None,
) -> Pass:
    now = now or timezone.now()
    return services.issue_pass(
        estate=unit.estate,
        unit=unit,
        kind=kind,
        holder_name=holder_name,
        holder_mobile=holder_mobile,
        holder_id_number=holder_id_number,
        valid_from=valid_from or now - timedelta(days=1),
        valid_until=valid_until or now + timedelta(days=30),
        allowed_hours=allowed_hours,
        actor=None,
        now=now,
    )
