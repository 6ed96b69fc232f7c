from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from staff import services
from staff.models import Notification, OutboundMessage

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_notify_writes_in_app_rows_and_outbound_messages(users, django_capture_on_commit_callbacks):
    users["technician"].email = "tech@example.com"
    users["technician"].save()
    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify(
            recipients=[users["technician"]], kind="test", title="Pipe burst", channels=("email",)
        )
    assert len(created) == 1
    message = OutboundMessage.objects.get()
    assert (message.channel, message.address, message.status) == ("email", "tech@example.com", "sent")


@pytest.mark.django_db
def test_the_same_dedupe_key_notifies_once(users):
    for _ in range(3):
        services.notify(
            recipients=[users["supervisor"]], kind="esc", title="Breach", dedupe_key="ticket:1:breach"
        )
    assert Notification.objects.filter(recipient=users["supervisor"]).count() == 1


@pytest.mark.parametrize(
    ("local_time", "expected"),
    [
        (datetime(2026, 11, 23, 22, 30), datetime(2026, 11, 24, 8, 0)),
        (datetime(2026, 11, 24, 6, 15), datetime(2026, 11, 24, 8, 0)),
        (datetime(2026, 11, 24, 8, 0), datetime(2026, 11, 24, 8, 0)),
        (datetime(2026, 11, 24, 20, 59), datetime(2026, 11, 24, 20, 59)),
    ],
)
def test_sms_waits_for_the_end_of_quiet_hours(local_time, expected):
    result = services.next_allowed_sms_time(local_time.replace(tzinfo=SHANGHAI))
    assert result.astimezone(SHANGHAI).replace(tzinfo=None) == expected


@pytest.mark.django_db
def test_sms_created_at_night_is_sent_only_after_eight(users):
    users["housekeeper"].staff_profile.phone = "13800000001"
    users["housekeeper"].staff_profile.save()
    night = datetime(2026, 11, 23, 23, 0, tzinfo=SHANGHAI)
    services.notify(
        recipients=[users["housekeeper"]], kind="t", title="Callback due", channels=("sms",), now=night
    )
    message = OutboundMessage.objects.get()
    assert message.status == "pending"
    assert services.deliver_due_messages(now=datetime(2026, 11, 24, 7, 59, tzinfo=SHANGHAI)) == 0
    assert services.deliver_due_messages(now=datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)) == 1
    assert services.deliver_due_messages(now=datetime(2026, 11, 24, 8, 5, tzinfo=SHANGHAI)) == 0
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1


@pytest.mark.django_db
def test_a_failing_channel_is_retried_then_marked_failed(users, settings):
    settings.SMS_BACKEND = "tests.staff.test_notify.BrokenBackend"
    users["housekeeper"].staff_profile.phone = "13800000000"
    users["housekeeper"].staff_profile.save()
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
    services.notify(recipients=[users["housekeeper"]], kind="t", title="x", channels=("sms",), now=noon)
    settings.OUTBOUND_MAX_ATTEMPTS = 5
    for day in range(5):  # a day apart: well past every backoff wait
        services.deliver_due_messages(now=noon.replace(day=23 + day))
    message = OutboundMessage.objects.get()
    assert (message.status, message.attempts, message.last_error) == ("failed", 5, "gateway down")


class BrokenBackend:
    def send(self, **kwargs):
        raise RuntimeError("gateway down")


@pytest.mark.django_db
def test_notify_succeeds_when_the_broker_is_down(users, monkeypatch, django_capture_on_commit_callbacks):
    from staff import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    users["clerk"].email = "clerk@example.com"
    users["clerk"].save()
    monkeypatch.setattr(tasks.deliver_outbound_messages, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[users["clerk"]], kind="t", title="Still saved", channels=("email",))
    assert Notification.objects.filter(title="Still saved").exists()
    assert OutboundMessage.objects.get().status == "pending"
    # The periodic sweep delivers what the broker could not carry.
    tasks.deliver_outbound_messages.apply()
    assert OutboundMessage.objects.get().status == "sent"


@pytest.mark.django_db
def test_bell_shows_the_unread_count(client_as, users):
    services.notify(recipients=[users["frontdesk"]], kind="t", title="One")
    services.notify(recipients=[users["frontdesk"]], kind="t", title="Two")
    page = client_as(users["frontdesk"]).get(reverse("staff:notifications"))
    assert b'data-testid="unread-count">2<' in page.content
    client_as(users["frontdesk"]).post(reverse("staff:notifications_read"))
    page = client_as(users["frontdesk"]).get(reverse("staff:notifications"))
    assert b"unread-count" not in page.content


def test_outbound_sms_text_form_masks_the_phone():
    message = OutboundMessage(channel="sms", address="13812345678", body="x")
    assert "138****5678" in str(message) and "13812345678" not in str(message)
