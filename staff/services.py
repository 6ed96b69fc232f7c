"""Writes for staff: notifications and their outbound delivery."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicecenter.roles import HOUSEKEEPER, MANAGER, SUPERVISOR
from servicecenter.usercache import bump_bell
from servicecenter.validators import normalize_phone
from staff.channels import backend_for
from staff.models import Notification, OutboundMessage, StaffProfile, Team, Zone, ZoneBuilding

if TYPE_CHECKING:  # type hints only: staff reaches the archive through residents' services
    from residents.models import Building, Estate

logger = logging.getLogger("servicecenter.outbound")
User = get_user_model()


def next_allowed_sms_time(moment: datetime) -> datetime:
    """SMS is never sent in quiet hours (default 21:00–08:00 local time); defer to their end."""
    start_hour, end_hour = settings.QUIET_HOURS
    local = timezone.localtime(moment)
    hour = local.hour
    in_quiet = (
        (hour >= start_hour or hour < end_hour) if start_hour > end_hour else start_hour <= hour < end_hour
    )
    if not in_quiet:
        return moment
    release = local.replace(hour=end_hour, minute=0, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release


def _earliest_send(*, channel: str, moment: datetime, ignores_quiet_hours: bool = False) -> datetime:
    if channel == OutboundMessage.Channel.SMS and not ignores_quiet_hours:
        return next_allowed_sms_time(moment)
    return moment


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    estate=None,
    channels: Iterable[str] = (),
    dedupe_key: str | None = None,
    ignores_quiet_hours: bool = False,
    now: datetime | None = None,
) -> list[Notification]:
    """Notify users in-app and, where asked, by SMS/e-mail.

    `dedupe_key` makes the call idempotent per recipient: a task that runs twice notifies once.
    Outbound messages are rows delivered by a periodic sweep, after quiet hours for SMS unless
    `ignores_quiet_hours` (emergencies: a burst pipe at 2 a.m. cannot wait for the morning).
    """
    now = now or timezone.now()
    created: list[Notification] = []
    for user in {u.pk: u for u in recipients if u is not None}.values():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user,
                    estate=estate,
                    kind=kind,
                    title=title,
                    body=body,
                    url=url,
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:
            continue  # already notified under this key
        created.append(notification)
        outbound = []
        for channel in channels:
            address = _address_for(user, channel)
            if not address:
                continue
            not_before = _earliest_send(channel=channel, moment=now, ignores_quiet_hours=ignores_quiet_hours)
            outbound.append(
                OutboundMessage(
                    notification=notification,
                    channel=channel,
                    address=address,
                    subject=title,
                    body=body or title,
                    not_before=not_before,
                    ignores_quiet_hours=ignores_quiet_hours,
                )
            )
        OutboundMessage.objects.bulk_create(outbound)
    if created:
        # The bell of each recipient: one query for all of them, whatever their number.
        bump_bell(n.recipient_id for n in created)
        from servicecenter.tasking import enqueue_after_commit

        # A shortcut: the minute sweep delivers the same rows if this message is lost.
        enqueue_after_commit("staff.tasks.deliver_outbound_messages")
    return created


# Marks a text that carries a one-time code (portal activation, password reset): its body is
# wiped once the gateway took it, so the code is not kept in clear any longer than delivery needs.
ONE_TIME_CODE_SUBJECT = "one-time-code"
REDACTED_BODY = "[redacted]"


def queue_secret_sms(
    *, address: str, body: str, secret: bool = True, now: datetime | None = None
) -> OutboundMessage:
    """A text to a phone number that belongs to no login yet (the kernel's `send_sms` hook).

    A code the person is waiting for goes out at once, even in quiet hours."""
    message = OutboundMessage.objects.create(
        channel=OutboundMessage.Channel.SMS,
        address=normalize_phone(address),
        subject=ONE_TIME_CODE_SUBJECT if secret else "",
        body=body,
        not_before=now or timezone.now(),
        ignores_quiet_hours=secret,
    )
    from servicecenter.tasking import enqueue_after_commit

    enqueue_after_commit("staff.tasks.deliver_outbound_messages")
    return message


def _address_for(user, channel: str) -> str:
    if channel == OutboundMessage.Channel.EMAIL:
        return user.email
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.phone:
        return profile.phone
    person = user.persons.exclude(mobile="").first()
    return person.mobile if person else ""


def retry_delay(*, attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4 ... minutes, then the cap."""
    exponent = min(max(attempts - 1, 0), 30)
    seconds = min(settings.OUTBOUND_RETRY_BASE_SECONDS * 2**exponent, settings.OUTBOUND_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds)


def deliver_due_messages(*, now: datetime | None = None, batch: int = 200, max_seconds: float = 50.0) -> int:
    """Send due outbound messages one at a time and return how many went out.

    Each message is claimed in a short transaction of its own, sent outside any transaction, and
    its result recorded in another short transaction. Concurrent sweeps claim different messages;
    a sweep killed mid-send leaves only the message in flight claimed, and that one is due again
    when its lease runs out. `max_seconds` keeps a sweep stuck on a slow gateway from outliving
    the next beat; whatever is left is the next sweep's work.
    """
    started = time.monotonic()
    sent = 0
    for _slot in range(batch):
        if time.monotonic() - started > max_seconds:
            break
        message = _claim_due_message(now=now or timezone.now())
        if message is None:
            break
        if _send_claimed_message(message=message, now=now):
            sent += 1
    return sent


def _claim_due_message(*, now: datetime) -> OutboundMessage | None:
    lease = timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS)
    while True:
        with transaction.atomic():
            message = (
                OutboundMessage.objects.select_for_update(skip_locked=True)
                .due(now)
                .order_by("not_before", "pk")
                .first()
            )
            if message is None:
                return None
            # Compare-and-set on what we read: SQLite ignores select_for_update, and a row whose
            # lease ran out may be picked by two sweeps at once; only one of them wins it.
            unchanged = OutboundMessage.objects.filter(
                pk=message.pk,
                status=message.status,
                claim_token=message.claim_token,
                attempts=message.attempts,
            )
            if (
                message.channel == OutboundMessage.Channel.SMS
                and not message.ignores_quiet_hours
                and next_allowed_sms_time(now) > now
            ):
                # Due before quiet hours began (a retry, an expired claim, a manual retry): wait.
                unchanged.update(
                    status=OutboundMessage.Status.PENDING,
                    not_before=next_allowed_sms_time(now),
                    leased_until=None,
                    claim_token=None,
                )
                continue
            token = uuid.uuid4()
            # The attempt counts at the claim: a message that kills its worker every time still
            # reaches the last attempt instead of being resent forever.
            won = unchanged.update(
                status=OutboundMessage.Status.SENDING,
                leased_until=now + lease,
                claim_token=token,
                attempts=F("attempts") + 1,
            )
            if not won:
                continue
        message.status = OutboundMessage.Status.SENDING
        message.leased_until = now + lease
        message.claim_token = token
        message.attempts += 1
        return message


def _send_claimed_message(*, message: OutboundMessage, now: datetime | None) -> bool:
    try:
        backend_for(message.channel).send(
            channel=message.channel,
            address=message.address,
            subject=message.subject,
            body=message.body,
        )
    except Exception as exc:  # noqa: BLE001  (any gateway failure is retried later, never fatal to the sweep)
        error = (str(exc) or type(exc).__name__).replace(message.address, message.masked_address)[:2000]
        logger.warning(
            "outbound message %s (%s to %s) failed on attempt %s: %s",
            message.pk,
            message.channel,
            message.masked_address,
            message.attempts,
            error,
        )
        _record_delivery_failure(message=message, error=error, now=now or timezone.now())
        return False
    _record_delivery_success(message=message, now=now or timezone.now())
    return True


def _record_delivery_success(*, message: OutboundMessage, now: datetime) -> None:
    # The gateway took it: that is a fact even if our lease ran out and another sweep holds the
    # row now, so mark it sent whoever holds it (their own send is the one allowed duplicate).
    OutboundMessage.objects.filter(pk=message.pk).exclude(status=OutboundMessage.Status.SENT).update(
        status=OutboundMessage.Status.SENT, sent_at=now, leased_until=None, claim_token=None
    )
    OutboundMessage.objects.filter(pk=message.pk, subject=ONE_TIME_CODE_SUBJECT).update(body=REDACTED_BODY)


@transaction.atomic
def _record_delivery_failure(*, message: OutboundMessage, error: str, now: datetime) -> None:
    current = (
        # of=self: PostgreSQL cannot lock the nullable side of the outer join to the notification.
        OutboundMessage.objects.select_for_update(of=("self",))
        .select_related("notification__recipient", "notification__estate")
        .filter(pk=message.pk, status=OutboundMessage.Status.SENDING, claim_token=message.claim_token)
        .first()
    )
    if current is None:
        return  # our lease ran out and another sweep holds the message: its result counts
    current.last_error = error
    current.leased_until = None
    current.claim_token = None
    if current.attempts >= settings.OUTBOUND_MAX_ATTEMPTS:
        current.status = OutboundMessage.Status.FAILED
        current.failed_at = now
        current.save(update_fields=["status", "failed_at", "last_error", "leased_until", "claim_token"])
        _ring_delivery_failure_bell(message=current, now=now)
        return
    retry_at = now + retry_delay(attempts=current.attempts)
    retry_at = _earliest_send(
        channel=current.channel, moment=retry_at, ignores_quiet_hours=current.ignores_quiet_hours
    )
    current.status = OutboundMessage.Status.PENDING
    current.not_before = retry_at
    current.save(update_fields=["status", "not_before", "last_error", "leased_until", "claim_token"])


def _ring_delivery_failure_bell(*, message: OutboundMessage, now: datetime) -> None:
    """Tell the estate's managers and duty supervisors in the bell, never through the failing channel:
    someone has to reach the person another way."""
    notification = message.notification
    recipient = notification.recipient if notification else None
    estate = notification.estate if notification else None
    if estate is not None:
        estate_ids = [estate.pk]
    elif recipient is not None:
        estate_ids = list(
            StaffProfile.objects.filter(user=recipient)
            .values_list("estates", flat=True)
            .exclude(estates=None)
        )
    else:
        estate_ids = []
    watchers = User.objects.filter(
        is_active=True,
        groups__name__in=[MANAGER, SUPERVISOR],
        staff_profile__estates__in=estate_ids,
    ).distinct()
    if not watchers.exists():
        # No estate to go by (or nobody in charge there): the administrators must hear of it.
        watchers = User.objects.filter(is_active=True, is_superuser=True)
    person = (recipient.get_full_name() or recipient.get_username()) if recipient else "-"
    notify(
        recipients=list(watchers),
        kind="outbound_failed",
        title=_("%(channel)s to %(person)s (%(address)s) could not be sent")
        % {"channel": message.get_channel_display(), "person": person, "address": message.masked_address},
        body=_("%(subject)s\nTried %(attempts)s times; the last error was: %(error)s")
        % {
            "subject": message.subject or message.body[:100],
            "attempts": message.attempts,
            "error": message.last_error,
        },
        url=notification.url if notification else "",
        estate=estate,
        # One bell per failure, however often this runs; a manual retry that fails again rings again.
        dedupe_key=f"outbound:{message.pk}:failed:{int(message.failed_at.timestamp())}",
        now=now,
    )


@transaction.atomic
def retry_failed_messages(*, messages: Iterable[OutboundMessage], actor, now: datetime | None = None) -> int:
    """Put failed messages back in the queue with a fresh schedule of attempts; the next sweep
    (within a minute) sends them, SMS only outside quiet hours. Other statuses are left alone."""
    now = now or timezone.now()
    requeued = 0
    for message in OutboundMessage.objects.select_for_update().filter(
        pk__in=[m.pk for m in messages], status=OutboundMessage.Status.FAILED
    ):
        message.status = OutboundMessage.Status.PENDING
        message.attempts = 0
        message.failed_at = None
        message.not_before = _earliest_send(
            channel=message.channel, moment=now, ignores_quiet_hours=message.ignores_quiet_hours
        )
        message.save(update_fields=["status", "attempts", "failed_at", "not_before"])
        requeued += 1
    logger.info("%s requeued %s failed outbound messages", actor, requeued)
    return requeued


def mark_notifications_read(*, user, ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    qs = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    marked = qs.update(read_at=now or timezone.now())
    if marked:
        bump_bell([user.pk])
    return marked


def purge_read_notifications(*, older_than_days: int = 180, now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    deleted, _ = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted


# --- Staff profiles and zones (the admin's writes) ---------------------------------------------


def _check_profile(*, team, estate_ids: set[int], phone: str) -> str:
    errors: dict[str, list[str]] = {}
    normalized = normalize_phone(phone or "")
    if (phone or "").strip() and not normalized:
        errors["phone"] = [_("Enter the phone number in digits.")]
    elif len(normalized) > StaffProfile._meta.get_field("phone").max_length:
        errors["phone"] = [_("This phone number is too long.")]
    if team is not None and team.estate_id not in estate_ids:
        # Dispatch offers a team's members for its estate's tickets; a member who does not work
        # there could not open them.
        errors["team"] = [_("This team belongs to an estate this person does not work in.")]
    if errors:
        raise ValidationError(errors)
    return normalized


@transaction.atomic
def create_staff_profile(
    *, actor, user, estates: Iterable[Estate], team: Team | None = None, phone: str = "", title: str = ""
) -> StaffProfile:
    """Give a login a staff profile: the estates it works in, its team, phone and job title."""
    if StaffProfile.objects.filter(user=user).exists():
        raise ValidationError({"user": [_("This login already has a staff profile.")]})
    estates = list(estates)
    phone = _check_profile(team=team, estate_ids={e.pk for e in estates}, phone=phone)
    profile = StaffProfile.objects.create(user=user, team=team, phone=phone, title=(title or "").strip())
    profile.estates.set(estates)
    logger.info("%s created the staff profile of %s", actor, user)
    return profile


@transaction.atomic
def update_staff_profile(
    *,
    actor,
    profile: StaffProfile,
    estates: Iterable[Estate],
    team: Team | None = None,
    phone: str = "",
    title: str = "",
) -> StaffProfile:
    """Change where someone works and their team, phone and title. `estates` is the whole new set."""
    profile = StaffProfile.objects.select_for_update().get(pk=profile.pk)
    estates = list(estates)
    profile.phone = _check_profile(team=team, estate_ids={e.pk for e in estates}, phone=phone)
    profile.team, profile.title = team, (title or "").strip()
    profile.save(update_fields=["team", "phone", "title"])
    profile.estates.set(estates)
    logger.info("%s changed the staff profile of %s", actor, profile.user_id)
    return profile


def check_zone_buildings(*, zone: Zone, estate: Estate, buildings: Iterable[Building]) -> None:
    """A zone's buildings are of its estate, and each building is in one zone only: otherwise
    "who is the housekeeper of this unit" would have two answers."""
    errors = []
    for building in buildings:
        if building.estate_id != estate.pk:
            errors.append(_("Building %(building)s belongs to another estate.") % {"building": building})
            continue
        other = (
            ZoneBuilding.objects.filter(building=building)
            .exclude(zone_id=zone.pk)
            .select_related("zone")
            .first()
        )
        if other is not None:
            errors.append(
                _("Building %(building)s is already in zone %(zone)s.")
                % {"building": building, "zone": other.zone}
            )
    if errors:
        raise ValidationError(errors)


def _check_zone(*, estate: Estate, name: str, housekeeper, zone_pk: int | None) -> str:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter the zone's name.")]
    elif Zone.objects.filter(estate=estate, name=name).exclude(pk=zone_pk).exists():
        errors["name"] = [_("This estate already has a zone with this name.")]
    if housekeeper is not None and not (
        housekeeper.is_active
        and housekeeper.groups.filter(name=HOUSEKEEPER).exists()
        and StaffProfile.objects.filter(user=housekeeper, estates=estate).exists()
    ):
        errors["housekeeper"] = [_("Choose an active housekeeper who works in this estate.")]
    if errors:
        raise ValidationError(errors)
    return name


@transaction.atomic
def create_zone(
    *, actor, estate: Estate, name: str, housekeeper=None, buildings: Iterable[Building] = ()
) -> Zone:
    name = _check_zone(estate=estate, name=name, housekeeper=housekeeper, zone_pk=None)
    zone = Zone.objects.create(estate=estate, name=name, housekeeper=housekeeper)
    buildings = list(buildings)
    if buildings:
        set_zone_buildings(actor=actor, zone=zone, buildings=buildings)
    return zone


@transaction.atomic
def update_zone(*, actor, zone: Zone, name: str, housekeeper=None) -> Zone:
    """Rename a zone or hand it to another housekeeper (its estate is fixed: its buildings are there)."""
    zone = Zone.objects.select_for_update().get(pk=zone.pk)
    zone.name = _check_zone(estate=zone.estate, name=name, housekeeper=housekeeper, zone_pk=zone.pk)
    zone.housekeeper = housekeeper
    zone.save(update_fields=["name", "housekeeper"])
    return zone


@transaction.atomic
def set_zone_buildings(*, actor, zone: Zone, buildings: Iterable[Building]) -> Zone:
    """Make `buildings` the zone's whole list of buildings."""
    zone = Zone.objects.select_for_update().select_related("estate").get(pk=zone.pk)
    buildings = list({b.pk: b for b in buildings}.values())
    check_zone_buildings(zone=zone, estate=zone.estate, buildings=buildings)
    zone.zone_buildings.exclude(building__in=[b.pk for b in buildings]).delete()
    kept = set(zone.zone_buildings.values_list("building_id", flat=True))
    try:
        with transaction.atomic():
            ZoneBuilding.objects.bulk_create(
                [ZoneBuilding(zone=zone, building=b) for b in buildings if b.pk not in kept]
            )
    except IntegrityError as exc:  # another zone took the building since the check
        raise ValidationError(_("A building is already in another zone.")) from exc
    return zone


@transaction.atomic
def delete_zone(*, actor, zone: Zone) -> None:
    """Remove a zone; its buildings are free for another zone (no housekeeper until then)."""
    logger.info("%s deleted zone %s (%s)", actor, zone.pk, zone.name)
    zone.delete()
