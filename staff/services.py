"""Writes for staff: notifications and their outbound delivery."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from staff.channels import backend_for
from staff.models import Notification, OutboundMessage

MAX_DELIVERY_ATTEMPTS = 5


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
    now: datetime | None = None,
) -> list[Notification]:
    """Notify users in-app and, where asked, by SMS/e-mail.

    `dedupe_key` makes the call idempotent per recipient: a task that runs twice notifies once.
    Outbound messages are rows delivered by a periodic sweep, after quiet hours for SMS.
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
            not_before = next_allowed_sms_time(now) if channel == OutboundMessage.Channel.SMS else now
            outbound.append(
                OutboundMessage(
                    notification=notification,
                    channel=channel,
                    address=address,
                    subject=title,
                    body=body or title,
                    not_before=not_before,
                )
            )
        OutboundMessage.objects.bulk_create(outbound)
    if created:
        from servicecenter.tasking import enqueue_after_commit
        from staff.tasks import deliver_outbound_messages

        # A shortcut: the minute sweep delivers the same rows if this message is lost.
        enqueue_after_commit(deliver_outbound_messages)
    return created


def _address_for(user, channel: str) -> str:
    if channel == OutboundMessage.Channel.EMAIL:
        return user.email
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.phone:
        return profile.phone
    person = user.persons.exclude(mobile="").first()
    return person.mobile if person else ""


def deliver_due_messages(*, now: datetime | None = None, batch: int = 200) -> int:
    """Send pending outbound messages whose time has come. Safe to run concurrently and twice:
    each row is claimed under a row lock and marked sent in the same transaction."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = list(
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboundMessage.Status.PENDING, not_before__lte=now)
            .order_by("not_before")[:batch]
        )
        for message in due:
            message.attempts += 1
            try:
                backend_for(message.channel).send(
                    channel=message.channel,
                    address=message.address,
                    subject=message.subject,
                    body=message.body,
                )
            except Exception as exc:  # noqa: BLE001  (a backend failure must not stop the batch)
                message.last_error = str(exc)[:2000]
                if message.attempts >= MAX_DELIVERY_ATTEMPTS:
                    message.status = OutboundMessage.Status.FAILED
                message.save(update_fields=["attempts", "last_error", "status"])
                continue
            message.status = OutboundMessage.Status.SENT
            message.sent_at = now
            message.save(update_fields=["attempts", "status", "sent_at"])
            sent += 1
    return sent


def mark_notifications_read(*, user, ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    qs = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=now or timezone.now())


def purge_read_notifications(*, older_than_days: int = 180, now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    deleted, _ = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted
