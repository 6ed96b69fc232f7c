"""Meter readings, one or a sheet at a time, and replacing a meter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    Bill,
    ChargeItem,
    Meter,
    MeterReading,
)
from servicecenter.exceptions import DomainError
from servicecenter.money import MoneyError, parse_money
from servicecenter.periods import month_start


def _parse_reading(text: str) -> Decimal:
    try:
        return parse_money(text)
    except MoneyError:
        raise DomainError(_("Enter the reading as a number, e.g. 1234.5.")) from None


@transaction.atomic
def record_meter_reading(
    *, meter: Meter, period: date, value, actor, reading_date: date | None = None, now: datetime | None = None
) -> MeterReading:
    """Record a month's reading. Consumption = this reading − the previous one; a lower reading is
    refused (a replaced meter is recorded with `replace_meter` and starts from its own reading)."""
    now = now or timezone.now()
    period = month_start(period)
    meter = Meter.objects.select_for_update().get(pk=meter.pk)
    # A reading has the shape of money (12 digits, 2 decimals): the same strict parser.
    value = _parse_reading(str(value))
    if meter.replaced_on is not None:
        raise DomainError(_("This meter has been replaced; enter the reading on its replacement."))
    readings = MeterReading.objects.filter(meter=meter)
    if readings.filter(period=period).exists():
        raise DomainError(
            _("This meter already has a reading for %(period)s.") % {"period": f"{period:%Y-%m}"}
        )
    if readings.filter(period__gt=period).exists():
        raise DomainError(_("A later month already has a reading; readings are entered in order."))
    previous = readings.filter(period__lt=period).order_by("-period").first()
    base = previous.value if previous else meter.initial_reading
    if value < base:
        raise DomainError(
            _(
                "The reading %(value)s is lower than the previous one (%(previous)s). "
                "If the meter was replaced, record the replacement first."
            )
            % {"value": value, "previous": base},
            code="reading_lower_than_previous",
        )
    item_kinds = [k for k, mk in ChargeItem.METER_KIND_OF.items() if mk == meter.kind]
    if (
        Bill.objects.filter(unit_id=meter.unit_id, period=period, charge_item__kind__in=item_kinds)
        .charged()
        .exists()
    ):
        raise DomainError(_("This month's bill for this meter has already been issued."))
    return MeterReading.objects.create(
        estate_id=meter.estate_id,
        unit_id=meter.unit_id,
        meter=meter,
        period=period,
        reading_date=reading_date or timezone.localdate(now),
        value=value,
        consumption=value - base,
        recorded_by=actor,
    )


@dataclass
class BulkReadingResult:
    saved: list[MeterReading] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)


def record_meter_readings(
    *, entries: Iterable[tuple[Meter, str]], period: date, actor, reading_date: date | None = None, now=None
) -> BulkReadingResult:
    """The bulk entry screen: save every valid reading, report the others by meter id."""
    result = BulkReadingResult()
    for meter, raw in entries:
        if raw is None or str(raw).strip() == "":
            continue
        try:
            result.saved.append(
                record_meter_reading(
                    meter=meter, period=period, value=raw, actor=actor, reading_date=reading_date, now=now
                )
            )
        except DomainError as exc:
            result.errors[meter.pk] = exc.message
    return result


@transaction.atomic
def replace_meter(
    *,
    meter: Meter,
    replaced_on: date,
    final_value,
    new_initial_value,
    actor,
    new_serial: str = "",
    period: date | None = None,
) -> Meter:
    """Swap a meter: the old one's final reading is recorded for the month, the new one starts
    from its own initial reading, so consumption never goes negative."""
    period = month_start(period or replaced_on)
    meter = Meter.objects.select_for_update().get(pk=meter.pk)
    if meter.replaced_on is not None:
        raise DomainError(_("This meter has already been replaced."))
    if final_value not in (None, ""):
        record_meter_reading(
            meter=meter, period=period, value=final_value, actor=actor, reading_date=replaced_on
        )
    initial = _parse_reading(str(new_initial_value or "0"))
    meter.replaced_on = replaced_on
    meter.save(update_fields=["replaced_on"])
    new = Meter.objects.create(
        estate_id=meter.estate_id,
        unit_id=meter.unit_id,
        kind=meter.kind,
        serial=new_serial,
        initial_reading=initial,
        installed_on=replaced_on,
    )
    meter.replaced_by = new
    meter.save(update_fields=["replaced_by"])
    return new
