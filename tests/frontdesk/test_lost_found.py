"""Lost and found: logging (photo re-encoded, keep period from the estate's rules), the claim with
its ID check, claiming twice, disposal and its period, the reminder task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from frontdesk import services
from frontdesk.models import LostFoundRules, LostItem, LostItemEvent
from frontdesk.tasks import remind_lost_items_due_for_disposal
from residents.models import SensitiveAccessLog
from servicecenter.crypto import keyed_hash
from servicecenter.exceptions import DomainError, TransitionError
from staff.models import Notification
from tests.factories import PersonFactory, make_id_number, make_staff
from tests.frontdesk.helpers import png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def _log(estate, actor, **overrides):
    values = {
        "description": "黑色折叠雨伞",
        "found_place": "3栋大堂",
        "storage_place": "前台储物柜A",
        "handed_in_by": "保安小李",
        **overrides,
    }
    return services.log_lost_item(actor=actor, estate=estate, **values)


def _claim(item, actor, **overrides):
    values = {
        "claimant_name": "赵女士",
        "claimant_phone": "13912340000",
        "id_number": make_id_number(3),
        **overrides,
    }
    return services.claim_lost_item(item=item, actor=actor, **values)


def test_logging_keeps_the_item_for_the_default_period(estate_a, users):
    found = timezone.now() - timedelta(days=1)
    item = _log(estate_a, users["frontdesk"], found_at=found)
    assert item.status == LostItem.Status.HELD
    assert item.keep_until == timezone.localdate(found) + timedelta(days=90)
    assert item.events.get().action == "register"


def test_the_keep_period_comes_from_the_estates_rules(estate_a, users):
    LostFoundRules.objects.create(estate=estate_a, keep_days=30, reminder_days=3)
    item = _log(estate_a, users["frontdesk"])
    assert item.keep_until == timezone.localdate() + timedelta(days=30)


def test_the_photo_is_re_encoded_and_anything_else_refused(estate_a, users):
    uploaded = png()
    original = uploaded.read()
    uploaded.seek(0)
    item = _log(estate_a, users["frontdesk"], photo=uploaded)
    assert item.photo_content_type == "image/png"
    stored = item.photo.read()
    assert stored.startswith(b"\x89PNG") and stored != original
    with pytest.raises(DomainError) as error:
        _log(estate_a, users["frontdesk"], photo=SimpleUploadedFile("x.png", b"<script>alert(1)</script>"))
    assert error.value.code == "invalid_upload"
    assert LostItem.objects.count() == 1


def test_claim_checks_the_id_and_keeps_only_its_mask_and_hash(estate_a, users):
    item = _log(estate_a, users["frontdesk"])
    number = make_id_number(3)
    _claim(item, users["frontdesk"], id_number=number, claimant_phone="139 1234 0000")
    item.refresh_from_db()
    assert item.status == LostItem.Status.CLAIMED
    assert item.claimant_phone == "13912340000"
    assert item.claimant_id_hash == keyed_hash(number)
    assert item.claimant_id_masked.startswith(number[:3]) and "*" in item.claimant_id_masked
    assert number not in str(LostItem.objects.filter(pk=item.pk).values().get())
    assert item.handed_out_by == users["frontdesk"]
    event = item.events.get(action="claim")
    assert (event.from_status, event.to_status) == ("held", "claimed")


def test_claim_with_an_invalid_id_number_is_refused(estate_a, users):
    item = _log(estate_a, users["frontdesk"])
    with pytest.raises(DomainError) as error:
        _claim(item, users["frontdesk"], id_number="110101198001010000")
    assert error.value.code == "id_format"
    item.refresh_from_db()
    assert item.status == LostItem.Status.HELD


def test_claim_by_a_person_in_the_archive_uses_the_archives_id_check(estate_a, users):
    person = PersonFactory(estate=estate_a, name="赵女士")
    person.set_id_number(make_id_number(5))
    person.save()
    item = _log(estate_a, users["frontdesk"])
    with pytest.raises(DomainError) as error:
        _claim(item, users["frontdesk"], person=person, id_number=make_id_number(6))
    assert error.value.code == "id_mismatch"
    item.refresh_from_db()
    assert item.status == LostItem.Status.HELD
    # The archive logged the failed check, even though the claim was refused.
    assert SensitiveAccessLog.objects.filter(person=person, matched=False).count() == 1
    _claim(item, users["frontdesk"], person=person, id_number=make_id_number(5))
    item.refresh_from_db()
    assert (item.status, item.claimant_person) == (LostItem.Status.CLAIMED, person)


def test_claiming_twice_is_refused_as_a_conflict(estate_a, users):
    item = _log(estate_a, users["frontdesk"])
    _claim(item, users["frontdesk"])
    with pytest.raises(TransitionError) as error:
        _claim(item, users["supervisor"], claimant_name="另一人")
    assert error.value.status_code == 409
    item.refresh_from_db()
    assert item.claimant_name == "赵女士"
    assert item.events.filter(action="claim").count() == 1


def test_disposal_before_the_keep_period_ends_is_refused_for_the_desk(estate_a, users):
    item = _log(estate_a, users["frontdesk"])
    with pytest.raises(DomainError) as error:
        services.dispose_lost_item(item=item, actor=users["frontdesk"], note="丢弃")
    assert error.value.code == "keep_period_not_over"
    item.refresh_from_db()
    assert item.status == LostItem.Status.HELD


def test_a_manager_may_dispose_early(estate_a, users):
    item = _log(estate_a, users["frontdesk"])
    services.dispose_lost_item(item=item, actor=users["manager"], note="食品变质，已丢弃")
    item.refresh_from_db()
    assert item.status == LostItem.Status.DISPOSED
    assert item.disposal_note == "食品变质，已丢弃"


def test_after_the_keep_period_the_desk_disposes(estate_a, users):
    item = _log(estate_a, users["frontdesk"])
    later = timezone.now() + timedelta(days=91)
    services.dispose_lost_item(item=item, actor=users["frontdesk"], note="交派出所", now=later)
    item.refresh_from_db()
    assert item.status == LostItem.Status.DISPOSED
    event = LostItemEvent.objects.get(item=item, action="dispose")
    assert (event.from_status, event.to_status, event.note) == ("held", "disposed", "交派出所")


def test_disposal_needs_a_note(estate_a, users):
    item = _log(estate_a, users["frontdesk"])
    with pytest.raises(DomainError) as error:
        services.dispose_lost_item(item=item, actor=users["manager"], note=" ")
    assert error.value.code == "note_required"


@pytest.mark.parametrize("role", ["clerk", "housekeeper", "technician"])
def test_readers_and_technicians_cannot_log_or_claim(estate_a, users, role):
    with pytest.raises(PermissionDenied):
        _log(estate_a, users[role])
    item = _log(estate_a, users["frontdesk"])
    with pytest.raises(PermissionDenied):
        _claim(item, users[role])


def test_staff_of_another_estate_cannot_claim(estate_a, estate_b, users):
    item = _log(estate_a, users["frontdesk"])
    with pytest.raises(PermissionDenied):
        _claim(item, make_staff("frontdesk", estate_b, username="desk-b"))


def test_the_reminder_tells_the_desk_once_some_days_before_disposal(estate_a, users):
    LostFoundRules.objects.create(estate=estate_a, keep_days=30, reminder_days=5)
    now = timezone.now()
    due = _log(estate_a, users["frontdesk"], found_at=now - timedelta(days=26), description="滑板车")
    _log(estate_a, users["frontdesk"], found_at=now - timedelta(days=10), description="雨伞")
    claimed = _log(estate_a, users["frontdesk"], found_at=now - timedelta(days=29), description="钥匙")
    _claim(claimed, users["frontdesk"])

    assert remind_lost_items_due_for_disposal.delay().get() == 1
    notes = Notification.objects.filter(kind="frontdesk_lost_item_disposal")
    assert list(notes.values_list("recipient__username", flat=True)) == ["frontdesk"]
    assert "滑板车" in notes.get().title
    due.refresh_from_db()
    assert due.reminder_sent_at is not None

    assert remind_lost_items_due_for_disposal.delay().get() == 0
    assert notes.count() == 1
