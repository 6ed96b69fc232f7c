"""Outbound delivery: one message per claim, a lease for the one in flight, backoff, a failure bell."""

import logging
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from staff import services
from staff.channels import LoggingBackend, mask_email
from staff.models import Notification, OutboundMessage
from tests.factories import UserFactory, make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the sweep may catch it, so nothing gets recorded."""


class FakeGateway:
    """An SMS/e-mail gateway that records what it accepted. `down` makes it refuse;
    `kill_after` accepts that many messages, then kills the worker right after the next one."""

    def __init__(self):
        self.accepted: list[str] = []
        self.down = False
        self.kill_after: int | None = None
        self.error = "gateway unavailable"

    def send(self, *, channel, address, subject, body):
        if self.down:
            raise ConnectionError(self.error)
        self.accepted.append(body)
        if self.kill_after is not None and len(self.accepted) > self.kill_after:
            self.kill_after = None
            raise WorkerKilled


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeGateway()
    monkeypatch.setattr(services, "backend_for", lambda channel: fake)
    return fake


@pytest.fixture
def notification(users, estate_a):
    return Notification.objects.create(
        recipient=users["housekeeper"], estate=estate_a, kind="t", title="Callback due", url="/tickets/1/"
    )


def make_messages(notification, count, *, at=NOON, channel="sms", address="13812345678"):
    return [
        OutboundMessage.objects.create(
            notification=notification,
            channel=channel,
            address=address,
            subject="Callback due",
            body=f"message {i}",
            not_before=at - timedelta(minutes=count - i),
        )
        for i in range(count)
    ]


def statuses():
    return dict(OutboundMessage.objects.values_list("body", "status"))


def test_a_crash_mid_send_leaves_the_others_alone_and_resends_only_the_one_in_flight(
    gateway, notification, settings
):
    make_messages(notification, 5)
    gateway.kill_after = 2  # the third send reaches the gateway, then the worker dies
    with pytest.raises(WorkerKilled):
        services.deliver_due_messages(now=NOON)
    assert statuses() == {
        "message 0": "sent",
        "message 1": "sent",
        "message 2": "sending",
        "message 3": "pending",
        "message 4": "pending",
    }
    assert set(OutboundMessage.objects.filter(status="pending").values_list("attempts", flat=True)) == {0}

    # The next sweep sends the rest but leaves the claimed message alone while its lease holds.
    assert services.deliver_due_messages(now=NOON + timedelta(seconds=30)) == 2
    assert statuses()["message 2"] == "sending"

    lease = timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS)
    assert services.deliver_due_messages(now=NOON + lease) == 1
    assert set(statuses().values()) == {"sent"}
    assert Counter(gateway.accepted) == {
        "message 0": 1,
        "message 1": 1,
        "message 2": 2,
        "message 3": 1,
        "message 4": 1,
    }
    assert OutboundMessage.objects.get(body="message 2").attempts == 2


def test_a_result_from_a_sweep_whose_lease_ran_out_does_not_overwrite_the_new_holder(gateway, notification):
    (message,) = make_messages(notification, 1)
    stale = services._claim_due_message(now=NOON)
    later = NOON + timedelta(seconds=services.settings.OUTBOUND_LEASE_SECONDS)
    fresh = services._claim_due_message(now=later)
    assert fresh.pk == stale.pk and fresh.claim_token != stale.claim_token

    services._record_delivery_failure(message=stale, error="timeout", now=later)
    message.refresh_from_db()
    assert (message.status, message.claim_token, message.last_error) == ("sending", fresh.claim_token, "")

    # The gateway did take the stale sweep's copy: that is recorded, whoever holds the claim.
    services._record_delivery_success(message=stale, now=later)
    services._record_delivery_failure(message=fresh, error="timeout", now=later)
    message.refresh_from_db()
    assert (message.status, message.sent_at) == ("sent", later)


def test_retries_back_off_exponentially_up_to_the_cap(settings):
    settings.OUTBOUND_RETRY_BASE_SECONDS = 60
    settings.OUTBOUND_RETRY_MAX_SECONDS = 3600
    minutes = [services.retry_delay(attempts=n) / timedelta(minutes=1) for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_the_default_schedule_keeps_trying_for_about_a_day():
    waits = sum(
        (services.retry_delay(attempts=n) for n in range(1, services.settings.OUTBOUND_MAX_ATTEMPTS)),
        timedelta(),
    )
    assert timedelta(hours=22) <= waits <= timedelta(hours=26)


def test_a_failed_send_waits_for_its_backoff(gateway, notification):
    (message,) = make_messages(notification, 1, channel="email", address="wang@example.com")
    gateway.down = True
    now = NOON
    waits = []
    for _attempt in range(4):
        assert services.deliver_due_messages(now=now) == 0
        message.refresh_from_db()
        waits.append(message.not_before - now)
        # Not one minute early.
        assert services.deliver_due_messages(now=message.not_before - timedelta(seconds=1)) == 0
        now = message.not_before
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert (message.status, message.attempts, message.last_error) == ("pending", 4, "gateway unavailable")


def test_a_retry_that_would_fall_in_quiet_hours_waits_for_the_morning(gateway, notification):
    (message,) = make_messages(notification, 1, at=datetime(2026, 11, 24, 20, 59, 30, tzinfo=SHANGHAI))
    gateway.down = True
    services.deliver_due_messages(now=datetime(2026, 11, 24, 20, 59, 30, tzinfo=SHANGHAI))
    message.refresh_from_db()
    assert message.not_before == datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI)


def test_an_sms_claim_that_expires_at_night_is_resent_only_in_the_morning(gateway, notification):
    (message,) = make_messages(notification, 1, at=datetime(2026, 11, 24, 20, 58, tzinfo=SHANGHAI))
    gateway.kill_after = 0
    with pytest.raises(WorkerKilled):
        services.deliver_due_messages(now=datetime(2026, 11, 24, 20, 58, tzinfo=SHANGHAI))
    assert services.deliver_due_messages(now=datetime(2026, 11, 24, 22, 0, tzinfo=SHANGHAI)) == 0
    message.refresh_from_db()
    assert (message.status, message.not_before) == ("pending", datetime(2026, 11, 25, 8, tzinfo=SHANGHAI))
    assert services.deliver_due_messages(now=datetime(2026, 11, 25, 8, tzinfo=SHANGHAI)) == 1
    assert gateway.accepted == ["message 0", "message 0"]


def test_the_last_failed_attempt_marks_the_message_failed_and_rings_the_bell_once(
    gateway, notification, users, estate_b, settings
):
    settings.OUTBOUND_MAX_ATTEMPTS = 3
    make_staff("manager", estate_b, username="manager-b")  # another estate's manager hears nothing
    (message,) = make_messages(notification, 1)
    gateway.down = True
    gateway.error = "number 13812345678 unreachable"
    for day in range(6):  # more sweeps than attempts: the bell must still ring only once
        services.deliver_due_messages(now=NOON + timedelta(days=day))
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.failed_at == NOON + timedelta(days=2)
    assert message.last_error == "number 138****5678 unreachable"
    bells = Notification.objects.filter(kind="outbound_failed")
    assert sorted(bells.values_list("recipient__username", flat=True)) == ["manager", "supervisor"]
    bell = bells.first()
    assert "138****5678" in bell.title and "13812345678" not in bell.title + bell.body
    assert users["housekeeper"].get_username() in bell.title
    assert (bell.estate, bell.url) == (notification.estate, "/tickets/1/")
    # Bell only: a failing channel is not used to report its own failure.
    assert OutboundMessage.objects.count() == 1


def test_a_failure_without_an_estate_rings_the_recipients_estates_then_the_administrators(
    gateway, users, settings
):
    settings.OUTBOUND_MAX_ATTEMPTS = 1
    gateway.down = True
    staff_note = Notification.objects.create(recipient=users["clerk"], kind="t", title="x")
    make_messages(staff_note, 1)
    services.deliver_due_messages(now=NOON)
    assert set(
        Notification.objects.filter(kind="outbound_failed").values_list("recipient__username", flat=True)
    ) == {
        "manager",
        "supervisor",
    }
    Notification.objects.filter(kind="outbound_failed").delete()
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    OutboundMessage.objects.create(channel="email", address="x@example.com", body="orphan", not_before=NOON)
    services.deliver_due_messages(now=NOON)
    assert list(Notification.objects.filter(kind="outbound_failed").values_list("recipient", flat=True)) == [
        root.pk
    ]


def test_a_gateway_down_for_several_sweeps_then_back_sends_everything_once(gateway, notification):
    make_messages(notification, 20)
    gateway.down = True
    now = NOON
    for _sweep in range(5):
        assert services.deliver_due_messages(now=now) == 0
        now += timedelta(minutes=10)
    assert set(statuses().values()) == {"pending"}
    gateway.down = False
    sent = 0
    for _sweep in range(3):
        sent += services.deliver_due_messages(now=now)
        now += timedelta(hours=1)
    assert sent == 20
    assert set(statuses().values()) == {"sent"}
    assert sorted(gateway.accepted) == sorted(f"message {i}" for i in range(20))


def test_the_logging_backend_masks_phones_and_emails(caplog):
    with caplog.at_level(logging.INFO, logger="servicecenter.outbound"):
        LoggingBackend().send(channel="sms", address="13812345678", subject="Bill", body="Your bill is due")
        LoggingBackend().send(channel="email", address="zhang.wei@example.com", subject="Bill", body="Due")
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text
    assert "z********@example.com" in caplog.text and "zhang.wei@" not in caplog.text
    assert "Your bill is due" in caplog.text


def test_failure_logs_mask_the_address_even_when_the_gateway_repeats_it(gateway, notification, caplog):
    make_messages(notification, 1)
    gateway.down = True
    gateway.error = "rejected 13812345678"
    with caplog.at_level(logging.WARNING, logger="servicecenter.outbound"):
        services.deliver_due_messages(now=NOON)
    assert "rejected 138****5678" in caplog.text and "13812345678" not in caplog.text


@pytest.mark.parametrize(
    ("address", "masked"), [("a@b.cn", "a*@b.cn"), ("li@x.com", "l*@x.com"), ("no-at-sign", "n*********")]
)
def test_mask_email(address, masked):
    assert mask_email(address) == masked


def test_str_of_an_email_message_is_masked():
    assert str(OutboundMessage(channel="email", address="zhang@example.com")) == "E-mail → z****@example.com"


def test_retrying_failed_messages_starts_a_fresh_schedule(notification, users):
    failed, sent = make_messages(notification, 2)
    OutboundMessage.objects.filter(pk=failed.pk).update(status="failed", attempts=30, failed_at=NOON)
    OutboundMessage.objects.filter(pk=sent.pk).update(status="sent", attempts=1)
    night = datetime(2026, 11, 24, 23, 0, tzinfo=SHANGHAI)
    assert services.retry_failed_messages(messages=[failed, sent], actor=users["manager"], now=night) == 1
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.failed_at) == ("pending", 0, None)
    assert failed.not_before == datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI)  # SMS: after quiet hours
    assert sent.status == "sent"


def test_a_manual_retry_that_fails_again_rings_again(gateway, notification, settings):
    settings.OUTBOUND_MAX_ATTEMPTS = 1
    gateway.down = True
    (message,) = make_messages(notification, 1)
    services.deliver_due_messages(now=NOON)
    services.retry_failed_messages(messages=[message], actor=None, now=NOON + timedelta(hours=1))
    services.deliver_due_messages(now=NOON + timedelta(hours=1))
    manager_bells = Notification.objects.filter(kind="outbound_failed", recipient__username="manager")
    assert manager_bells.count() == 2


def _changelist():
    return reverse("admin:staff_outboundmessage_changelist")


def test_admin_retry_now_requeues_failed_messages(client_as, notification):
    failed, sent = make_messages(notification, 2)
    OutboundMessage.objects.filter(pk=failed.pk).update(status="failed", attempts=30)
    OutboundMessage.objects.filter(pk=sent.pk).update(status="sent")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    response = client_as(root).post(
        _changelist(),
        {"action": "retry_now", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 failed message put back in the queue" in text
    assert "1 selected message was not failed" in text
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert OutboundMessage.objects.get(pk=sent.pk).status == "sent"
    listing = client_as(root).get(_changelist()).content.decode()
    assert "13812345678" not in listing and "Claimed until" in listing


def test_admin_retry_now_needs_the_change_permission(client_as, notification, estate_a):
    (failed,) = make_messages(notification, 1)
    OutboundMessage.objects.filter(pk=failed.pk).update(status="failed")
    viewer = make_staff("manager", estate_a, username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboundmessage"))
    client = client_as(viewer)
    assert "retry_now" not in client.get(_changelist()).content.decode()
    client.post(_changelist(), {"action": "retry_now", "_selected_action": [failed.pk]})
    assert OutboundMessage.objects.get(pk=failed.pk).status == "failed"


@pytest.mark.postgres
def test_two_sweeps_at_once_send_each_message_once(notification, monkeypatch):
    make_messages(notification, 40)
    accepted: list[str] = []
    lock = threading.Lock()

    class SlowGateway:
        def send(self, *, channel, address, subject, body):
            time.sleep(0.01)  # long enough for the two sweeps to interleave
            with lock:
                accepted.append(body)

    monkeypatch.setattr(services, "backend_for", lambda channel: SlowGateway())
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def sweep():
        try:
            barrier.wait()
            counts.append(services.deliver_due_messages(now=NOON))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 40 and all(counts), counts  # both sweeps did part of the work
    assert Counter(accepted) == {f"message {i}": 1 for i in range(40)}
    assert set(statuses().values()) == {"sent"}
