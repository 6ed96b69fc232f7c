"""Parcels held at the desk: logged (the recipient, or the unit's occupants, notified), picked up
against a signature (who collected it, who handed it over, when) or returned to the carrier."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from frontdesk.models import Parcel, ParcelEvent
from frontdesk.services._common import now_or, occupant_users, require_estate, require_perm, required_text
from frontdesk.workflows import PARCEL
from residents.models import Person, Unit
from servicecenter.exceptions import DomainError

HANDLE = "frontdesk.handle_parcel"


@transaction.atomic
def log_parcel(
    *,
    actor,
    unit: Unit,
    carrier: str,
    tracking_number: str,
    recipient: Person | None = None,
    recipient_name: str = "",
    notify_resident: bool = True,
    now: datetime | None = None,
) -> Parcel:
    now = now_or(now)
    require_perm(actor, HANDLE, _("You are not allowed to log parcels."))
    require_estate(actor, unit.estate_id)
    carrier = required_text(carrier, message=_("Enter the carrier."), code="carrier_required", max_length=50)
    tracking_number = required_text(
        tracking_number, message=_("Enter the tracking number."), code="tracking_required", max_length=50
    ).replace(" ", "")
    if recipient is not None and recipient.estate_id != unit.estate_id:
        raise DomainError(_("The recipient belongs to another estate."), code="wrong_estate")
    if Parcel.objects.filter(
        estate_id=unit.estate_id, carrier=carrier, tracking_number=tracking_number, status=Parcel.Status.HELD
    ).exists():
        raise DomainError(_("This parcel is already at the desk."), code="duplicate_parcel")
    parcel = Parcel.objects.create(
        estate_id=unit.estate_id,
        unit=unit,
        recipient=recipient,
        recipient_name=(recipient_name or (recipient.name if recipient else "")).strip()[:100],
        carrier=carrier,
        tracking_number=tracking_number,
        received_at=now,
        logged_by=actor,
    )
    ParcelEvent.objects.create(
        parcel=parcel, action="register", to_status=parcel.status, actor=actor, created_at=now
    )
    if notify_resident:
        _notify_recipient(parcel, now=now)
    return parcel


def _notify_recipient(parcel: Parcel, *, now: datetime) -> None:
    from staff.services import notify

    recipient_user = parcel.recipient.user if parcel.recipient and parcel.recipient.user_id else None
    users = (
        [recipient_user]
        if recipient_user and recipient_user.is_active
        else occupant_users(parcel.unit, today=now.date())
    )
    if not users:
        return
    sent = notify(
        recipients=users,
        kind="frontdesk_parcel",
        title=_("A parcel for %(unit)s is at the service centre: %(carrier)s %(number)s")
        % {"unit": parcel.unit, "carrier": parcel.carrier, "number": parcel.tracking_number},
        estate=parcel.estate,
        channels=("sms",),
        dedupe_key=f"frontdesk:parcel:{parcel.pk}",
        now=now,
    )
    if sent:
        parcel.notified_at = now
        parcel.save(update_fields=["notified_at"])


def _lock(parcel: Parcel) -> Parcel:
    return Parcel.objects.select_for_update().get(pk=parcel.pk)


@transaction.atomic
def pick_up_parcel(*, parcel: Parcel, actor, collected_by: str, now: datetime | None = None) -> Parcel:
    """The parcel is signed for: `collected_by` is who took it, the actor who handed it over."""
    now = now_or(now)
    parcel = _lock(parcel)
    PARCEL.check(parcel, "pick_up", actor, now=now)
    require_estate(actor, parcel.estate_id)
    collected_by = required_text(
        collected_by,
        message=_("Enter who collected the parcel."),
        code="collected_by_required",
        max_length=100,
    )
    PARCEL.transition(
        parcel,
        "pick_up",
        actor=actor,
        now=now,
        fields={"collected_by": collected_by, "handed_over_by": actor, "picked_up_at": now},
    )
    return parcel


@transaction.atomic
def return_parcel(*, parcel: Parcel, actor, note: str = "", now: datetime | None = None) -> Parcel:
    """The parcel goes back to the carrier (refused, unknown recipient, kept too long)."""
    now = now_or(now)
    parcel = _lock(parcel)
    PARCEL.check(parcel, "return", actor, now=now)
    require_estate(actor, parcel.estate_id)
    PARCEL.transition(
        parcel, "return", actor=actor, note=(note or "").strip(), now=now, fields={"returned_at": now}
    )
    return parcel
