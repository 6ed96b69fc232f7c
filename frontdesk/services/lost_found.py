"""Lost and found (物品认领): an item logged with its photo (checked and re-encoded like every
upload), handed to its owner after an ID check, or disposed of once the estate's keep period is
over (earlier only by a manager). The desk is reminded a few days before the disposal date."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontdesk.models import LostFoundRules, LostItem, LostItemEvent
from frontdesk.models.lost_found import DEFAULT_KEEP_DAYS, DEFAULT_REMINDER_DAYS
from frontdesk.services._common import (
    clean_phone,
    not_in_future,
    now_or,
    require_estate,
    require_perm,
    required_text,
)
from frontdesk.workflows import LOST_ITEM
from residents.models import Estate, Person
from servicecenter.crypto import keyed_hash
from servicecenter.exceptions import DomainError
from servicecenter.roles import FRONTDESK, SUPERVISOR
from servicecenter.uploads import prepare_upload
from servicecenter.validators import mask_id_number, normalize_id_number, validate_id_number

HANDLE = "frontdesk.handle_lost_item"


def rules_for(estate_id: int) -> tuple[int, int]:
    """(keep days, reminder days) of the estate: its rules, or the defaults."""
    rules = (
        LostFoundRules.objects.filter(estate_id=estate_id).values_list("keep_days", "reminder_days").first()
    )
    return rules or (DEFAULT_KEEP_DAYS, DEFAULT_REMINDER_DAYS)


@transaction.atomic
def log_lost_item(
    *,
    actor,
    estate: Estate,
    description: str,
    found_place: str,
    storage_place: str,
    found_at: datetime | None = None,
    handed_in_by: str = "",
    photo=None,
    now: datetime | None = None,
) -> LostItem:
    now = now_or(now)
    require_perm(actor, HANDLE, _("You are not allowed to log lost items."))
    require_estate(actor, estate.pk)
    description = required_text(
        description, message=_("Describe the item."), code="item_required", max_length=200
    )
    found_place = required_text(
        found_place, message=_("Enter where the item was found."), code="found_place_required", max_length=200
    )
    storage_place = required_text(
        storage_place,
        message=_("Enter where the item is stored."),
        code="storage_place_required",
        max_length=100,
    )
    found_at = not_in_future(
        found_at or now, now=now, message=_("The time found cannot be in the future."), code="found_in_future"
    )
    keep_days, _reminder = rules_for(estate.pk)
    item = LostItem(
        estate=estate,
        description=description,
        found_place=found_place,
        found_at=found_at,
        handed_in_by=(handed_in_by or "").strip()[:100],
        storage_place=storage_place,
        keep_until=timezone.localdate(found_at) + timedelta(days=keep_days),
        logged_by=actor,
        logged_at=now,
    )
    if photo is not None:
        try:
            stored, content_type = prepare_upload(photo, allowed=IMAGE_TYPES)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="invalid_upload") from None
        item.photo_content_type = content_type
        item.photo.save(stored.name, stored, save=False)
    item.save()
    LostItemEvent.objects.create(
        item=item, action="register", to_status=item.status, actor=actor, created_at=now
    )
    return item


# Photos only: a picture of the item, re-encoded by `prepare_upload`.
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def claim_lost_item(
    *,
    item: LostItem,
    actor,
    claimant_name: str,
    claimant_phone: str,
    id_number: str,
    person: Person | None = None,
    note: str = "",
    ip_address: str | None = None,
    now: datetime | None = None,
) -> LostItem:
    """Hand the item to its owner. The ID presented is checked: against the archive's record when
    the claimant is a person in the archive (the archive's rate-limited, logged check), otherwise
    as a valid mainland ID number. Only its mask and keyed hash are kept. A second claim is a 409."""
    now = now_or(now)
    LOST_ITEM.check(item, "claim", actor, now=now)
    require_estate(actor, item.estate_id)
    claimant_name = required_text(
        claimant_name, message=_("Enter the claimant's name."), code="claimant_required", max_length=100
    )
    phone = clean_phone(claimant_phone, required=True)
    number = normalize_id_number(id_number)
    if not number:
        raise DomainError(_("Check the claimant's ID and enter its number."), code="id_required")
    if person is not None:
        if person.estate_id != item.estate_id:
            raise DomainError(_("The person belongs to another estate."), code="wrong_estate")
        from residents.services import verify_person_id_number

        # Outside the transaction below: the archive's access log keeps the check even when the
        # claim is then refused.
        if not verify_person_id_number(
            actor=actor, person=person, presented=number, ip_address=ip_address, now=now
        ):
            raise DomainError(
                _("The ID number does not match the archive's record of this person."), code="id_mismatch"
            )
    else:
        try:
            validate_id_number(number)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="id_format") from None
    return _hand_over(
        item=item,
        actor=actor,
        name=claimant_name,
        phone=phone,
        number=number,
        person=person,
        note=note,
        now=now,
    )


@transaction.atomic
def _hand_over(*, item, actor, name, phone, number, person, note, now) -> LostItem:
    item = LostItem.objects.select_for_update().get(pk=item.pk)
    LOST_ITEM.check(item, "claim", actor, now=now)
    LOST_ITEM.transition(
        item,
        "claim",
        actor=actor,
        note=(note or "").strip(),
        now=now,
        fields={
            "claimant_name": name,
            "claimant_phone": phone,
            "claimant_person": person,
            "claimant_id_hash": keyed_hash(number),
            "claimant_id_masked": mask_id_number(number),
            "claimed_at": now,
            "handed_out_by": actor,
        },
    )
    return item


@transaction.atomic
def dispose_lost_item(*, item: LostItem, actor, note: str, now: datetime | None = None) -> LostItem:
    """Dispose of an unclaimed item (donated, discarded, handed to the police): `note` says how."""
    now = now_or(now)
    item = LostItem.objects.select_for_update().get(pk=item.pk)
    LOST_ITEM.check(item, "dispose", actor, now=now)
    require_estate(actor, item.estate_id)
    note = required_text(
        note, message=_("Say how the item was disposed of."), code="note_required", max_length=300
    )
    LOST_ITEM.transition(
        item, "dispose", actor=actor, note=note, now=now, fields={"disposed_at": now, "disposal_note": note}
    )
    return item


def remind_lost_items_due(*, now: datetime | None = None) -> int:
    """Tell each estate's desk about held items whose disposal date is within the estate's reminder
    days. Each item is reminded once (`reminder_sent_at`, and the notification's dedupe key)."""
    from staff.selectors import staff_users_of_estate
    from staff.services import notify

    now = now_or(now)
    today = timezone.localdate(now)
    reminded = 0
    estate_ids = (
        LostItem.objects.filter(status=LostItem.Status.HELD, reminder_sent_at__isnull=True)
        .values_list("estate_id", flat=True)
        .distinct()
    )
    for estate in Estate.objects.filter(pk__in=list(estate_ids)):
        _keep, reminder_days = rules_for(estate.pk)
        due = LostItem.objects.filter(
            estate=estate,
            status=LostItem.Status.HELD,
            reminder_sent_at__isnull=True,
            keep_until__lte=today + timedelta(days=reminder_days),
        )
        recipients = list(staff_users_of_estate(estate=estate, role=FRONTDESK)) or list(
            staff_users_of_estate(estate=estate, role=SUPERVISOR)
        )
        for item in due:
            with transaction.atomic():
                claimed = LostItem.objects.filter(
                    pk=item.pk, status=LostItem.Status.HELD, reminder_sent_at__isnull=True
                ).update(reminder_sent_at=now)
                if not claimed:
                    continue  # another run reminded it meanwhile
                notify(
                    recipients=recipients,
                    kind="frontdesk_lost_item_disposal",
                    title=_("Lost item due for disposal on %(date)s: %(item)s")
                    % {"date": item.keep_until.isoformat(), "item": item.description},
                    body=_("Stored at: %(place)s") % {"place": item.storage_place},
                    url=_item_url(item),
                    estate=estate,
                    dedupe_key=f"frontdesk:lost-item:{item.pk}:disposal-reminder",
                    now=now,
                )
            reminded += 1
    return reminded


def _item_url(item: LostItem) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("frontdesk:lost_item", args=[item.pk])
    except NoReverseMatch:
        return ""
