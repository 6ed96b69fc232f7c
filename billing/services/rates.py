"""Tariffs and enrollments: the rate of a charge item from a date, and which units pay it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from billing.models import (
    ChargeEnrollment,
    ChargeItem,
    ChargeRate,
)
from residents.models import Unit
from servicecenter.exceptions import DomainError

# --- Tariffs and enrollments ------------------------------------------------------------------


@transaction.atomic
def set_charge_rate(
    *, charge_item: ChargeItem, rate: Decimal, effective_from: date, actor, note: str = ""
) -> ChargeRate:
    """Add a rate from a date on. Bills already issued keep the rate they copied."""
    rate = Decimal(str(rate))
    if rate < 0:
        raise DomainError(_("A rate cannot be negative."))
    if rate != rate.quantize(Decimal("0.0001")):
        raise DomainError(_("Rates have at most four decimal places."))
    try:
        with transaction.atomic():
            return ChargeRate.objects.create(
                charge_item=charge_item, rate=rate, effective_from=effective_from, created_by=actor, note=note
            )
    except IntegrityError as exc:
        raise DomainError(
            _("This item already has a rate from that date; add one from another date.")
        ) from exc


def check_enrollment(
    *,
    unit: Unit,
    charge_item: ChargeItem,
    start_date: date,
    quantity: Decimal = Decimal(1),
    end_date: date | None = None,
    exclude_pk: int | None = None,
) -> None:
    """The rules of an enrollment, or a translated DomainError. An overlapping enrollment of the
    same unit and item is refused: the generator would bill only one of them."""
    if charge_item.estate_id != unit.estate_id:
        raise DomainError(_("The charge item belongs to another estate."))
    if Decimal(str(quantity)) <= 0:
        raise DomainError(_("The quantity must be more than zero."))
    if end_date and end_date < start_date:
        raise DomainError(_("The end date is before the start date."))
    overlapping = ChargeEnrollment.objects.filter(unit=unit, charge_item=charge_item).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date)
    )
    if end_date:
        overlapping = overlapping.filter(start_date__lte=end_date)
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    if overlapping.exists():
        raise DomainError(
            _("The unit is already enrolled for this item in that time."), code="enrollment_overlaps"
        )


@transaction.atomic
def enroll_unit(
    *,
    unit: Unit,
    charge_item: ChargeItem,
    start_date: date,
    actor,
    quantity: Decimal = Decimal(1),
    end_date=None,
    note: str = "",
) -> ChargeEnrollment:
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    check_enrollment(
        unit=unit, charge_item=charge_item, start_date=start_date, quantity=quantity, end_date=end_date
    )
    return ChargeEnrollment.objects.create(
        estate_id=unit.estate_id,
        unit=unit,
        charge_item=charge_item,
        quantity=quantity,
        start_date=start_date,
        end_date=end_date,
        note=note[:200],
    )


@transaction.atomic
def change_enrollment(
    *,
    enrollment: ChargeEnrollment,
    actor,
    quantity: Decimal,
    start_date: date,
    end_date: date | None = None,
    note: str = "",
) -> ChargeEnrollment:
    """Change an enrollment's quantity or dates (e.g. end it when the parking space is given up),
    under the same rules as a new one."""
    Unit.objects.select_for_update().filter(pk=enrollment.unit_id).first()
    enrollment = ChargeEnrollment.objects.select_related("unit", "charge_item").get(pk=enrollment.pk)
    check_enrollment(
        unit=enrollment.unit,
        charge_item=enrollment.charge_item,
        start_date=start_date,
        quantity=quantity,
        end_date=end_date,
        exclude_pk=enrollment.pk,
    )
    enrollment.quantity = quantity
    enrollment.start_date = start_date
    enrollment.end_date = end_date
    enrollment.note = note[:200]
    enrollment.save(update_fields=["quantity", "start_date", "end_date", "note"])
    return enrollment
