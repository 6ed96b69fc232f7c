"""Notices: writing, publishing (urgent ones by SMS, once per person), withdrawing, read receipts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from relations import tasks
from relations.models import Notice, NoticeEvent, NoticeRead
from relations.selectors.notices import notice_recipient_users, read_counts
from relations.services import notices as services
from servicecenter.exceptions import DomainError, TransitionError
from staff.models import Notification, OutboundMessage
from tests.factories import BuildingFactory, OccupancyFactory, UnitFactory, make_resident
from tests.relations.notice_helpers import make_notice

pytestmark = pytest.mark.django_db


def test_create_notice_writes_a_draft_with_its_event(users, estate_a, building_a):
    notice = make_notice(estate_a, users["frontdesk"], buildings=[building_a])
    assert notice.status == Notice.Status.DRAFT
    assert list(notice.buildings.all()) == [building_a]
    assert list(NoticeEvent.objects.filter(notice=notice).values_list("action", flat=True)) == ["create"]


def test_create_notice_rejects_end_before_start(users, estate_a):
    today = timezone.localdate()
    with pytest.raises(DomainError) as refused:
        make_notice(estate_a, users["frontdesk"], start_date=today, end_date=today - timedelta(days=1))
    assert refused.value.code == "end_before_start"
    assert not Notice.objects.exists()


def test_create_notice_rejects_a_building_of_another_estate(users, estate_a, estate_b):
    other = BuildingFactory(estate=estate_b)
    with pytest.raises(DomainError) as refused:
        make_notice(estate_a, users["frontdesk"], buildings=[other])
    assert refused.value.code == "building_not_in_estate"
    assert not Notice.objects.exists()


def test_technician_may_not_write_notices(users, estate_a):
    with pytest.raises(PermissionDenied):
        make_notice(estate_a, users["technician"])


def test_staff_of_another_estate_may_not_write_there(users, estate_b):
    with pytest.raises(PermissionDenied):
        make_notice(estate_b, users["frontdesk"])


def test_publish_and_withdraw_write_events(users, estate_a, building_a):
    notice = make_notice(estate_a, users["supervisor"], buildings=[building_a], publish=True)
    assert notice.status == Notice.Status.PUBLISHED and notice.published_at is not None
    services.withdraw_notice(notice=notice, actor=users["supervisor"])
    notice.refresh_from_db()
    assert notice.status == Notice.Status.WITHDRAWN
    assert list(notice.events.values_list("action", flat=True)) == ["create", "publish", "withdraw"]


def test_publish_rejects_a_published_notice(users, estate_a, building_a):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True)
    with pytest.raises(TransitionError):
        services.publish_notice(notice=notice, actor=users["manager"])
    assert notice.events.count() == 2


def test_publish_rejects_an_estate_without_buildings(users, estate_a):
    notice = make_notice(estate_a, users["manager"])
    with pytest.raises(DomainError) as refused:
        services.publish_notice(notice=notice, actor=users["manager"])
    assert refused.value.code == "no_buildings"
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DRAFT


def test_publish_rejects_a_notice_that_has_ended(users, estate_a, building_a):
    past = timezone.localdate() - timedelta(days=10)
    notice = make_notice(
        estate_a, users["manager"], buildings=[building_a], start_date=past, end_date=past + timedelta(days=2)
    )
    with pytest.raises(DomainError) as refused:
        services.publish_notice(notice=notice, actor=users["manager"])
    assert refused.value.code == "notice_ended"


def test_clerk_may_not_publish(users, estate_a, building_a):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a])
    with pytest.raises(PermissionDenied):
        services.publish_notice(notice=notice, actor=users["clerk"])


def test_withdrawn_notice_cannot_be_edited(users, estate_a, building_a):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True)
    services.withdraw_notice(notice=notice, actor=users["manager"])
    with pytest.raises(DomainError) as refused:
        services.update_notice(
            notice=notice,
            actor=users["manager"],
            title="x",
            body="y",
            start_date=notice.start_date,
            end_date=notice.end_date,
            is_urgent=False,
        )
    assert refused.value.code == "notice_withdrawn"


# --- who sees it ------------------------------------------------------------------------------


def test_resident_sees_notices_of_their_building_or_whole_estate_only(users, estate_a, building_a, resident):
    other_building = BuildingFactory(estate=estate_a, code="9")
    mine = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True, title="mine")
    estate_wide = make_notice(estate_a, users["manager"], publish=True, title="all")
    make_notice(estate_a, users["manager"], buildings=[other_building], publish=True, title="theirs")
    make_notice(estate_a, users["manager"], buildings=[building_a], title="draft")
    assert set(Notice.objects.visible_to(resident)) == {mine, estate_wide}


def test_resident_does_not_see_withdrawn_or_future_notices(users, estate_a, building_a, resident):
    tomorrow = timezone.localdate() + timedelta(days=1)
    make_notice(estate_a, users["manager"], buildings=[building_a], publish=True, start_date=tomorrow)
    withdrawn = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True)
    services.withdraw_notice(notice=withdrawn, actor=users["manager"])
    assert not Notice.objects.visible_to(resident).exists()


# --- read receipts ----------------------------------------------------------------------------


def test_read_receipt_is_recorded_once_per_user(users, estate_a, building_a, resident, resident2, unit_a):
    UnitFactory(building=building_a, number="1201")  # a targeted unit nobody lives in: not a household
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True)
    assert services.record_notice_read(notice=notice, user=resident) is True
    assert services.record_notice_read(notice=notice, user=resident) is False
    # A second person of the same household reading it: two readers, still one household.
    make_resident(unit_a, username="spouse")
    spouse = type(resident).objects.get(username="spouse")
    services.record_notice_read(notice=notice, user=spouse)
    assert NoticeRead.objects.filter(notice=notice).count() == 2
    counts = read_counts(notice)
    assert (counts.readers, counts.households_read, counts.households) == (2, 1, 2)
    services.record_notice_read(notice=notice, user=resident2)
    assert read_counts(notice).households_read == 2


def test_draft_notice_records_no_read(users, estate_a, building_a, resident):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a])
    assert services.record_notice_read(notice=notice, user=resident) is False
    assert not NoticeRead.objects.exists()


# --- urgent notices go by SMS -----------------------------------------------------------------


def _sms_to(user):
    return OutboundMessage.objects.filter(notification__recipient=user, channel="sms")


def test_urgent_notice_sends_one_sms_per_person_once(
    users, estate_a, building_a, resident, resident2, unit_a
):
    # The resident also owns a parking space in the same building: still one message.
    OccupancyFactory(unit=UnitFactory(building=building_a, number="P01"), person=resident.persons.get())
    other_building = BuildingFactory(estate=estate_a, code="9")
    outsider = make_resident(UnitFactory(building=other_building, number="101"), username="outsider")
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], urgent=True, publish=True)
    # Celery runs eagerly in tests only when the transaction commits; the task is run here directly.
    tasks.send_urgent_notice_sms(notice.pk)
    tasks.send_urgent_notice_sms(notice.pk)
    assert services.send_due_notice_sms() == 0
    assert _sms_to(resident).count() == 1
    assert _sms_to(resident2).count() == 1
    assert not _sms_to(outsider).exists()
    notice.refresh_from_db()
    assert notice.sms_sent_at is not None
    assert set(notice_recipient_users(notice, today=timezone.localdate())) == {resident, resident2}


def test_ordinary_notice_sends_no_sms(users, estate_a, building_a, resident):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], publish=True)
    assert tasks.send_urgent_notice_sms(notice.pk) == 0
    assert not Notification.objects.filter(recipient=resident).exists()


def test_sweep_sends_what_the_lost_task_did_not(users, estate_a, building_a, resident):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], urgent=True, publish=True)
    Notice.objects.filter(pk=notice.pk).update(sms_sent_at=None)
    Notification.objects.all().delete()
    assert tasks.sweep_urgent_notice_sms() == 1
    assert _sms_to(resident).count() == 1


def test_publishing_urgent_notice_queues_the_task_after_commit(
    users, estate_a, building_a, resident, django_capture_on_commit_callbacks
):
    notice = make_notice(estate_a, users["manager"], buildings=[building_a], urgent=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_notice(notice=notice, actor=users["manager"])
    assert _sms_to(resident).count() == 1
