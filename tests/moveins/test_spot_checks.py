"""The manager's spot checks of move-in records and the monthly reminder (4 a month while a batch
runs, 1 otherwise)."""

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from moveins import reports, services, tasks
from moveins.models import MoveIn, SpotCheck, SpotCheckReminder
from servicecenter.exceptions import DomainError
from staff.models import Notification
from tests.factories import make_staff
from tests.moveins.factories import MoveInBatchFactory, MoveInFactory

pytestmark = pytest.mark.django_db

# 20 March 2026, 10:00: the reminder day of a month in which the factories' batch runs.
REMINDER_DAY = timezone.make_aware(datetime(2026, 3, 20, 10, 0))
MARCH = date(2026, 3, 1)


@pytest.fixture
def record(unit_a):
    """A move-in record to check (the owner came)."""
    return MoveInFactory(unit=unit_a, status=MoveIn.Status.COMPLETED)


def check(manager, move_in, when, result=SpotCheck.Result.IN_ORDER, findings=""):
    return services.record_spot_check(
        actor=manager, move_in=move_in, result=result, findings=findings, now=when
    )


def manager_reminders():
    return Notification.objects.filter(kind="movein_spot_checks_due")


# --- recording ----------------------------------------------------------------------------------


def test_record_spot_check(users, record):
    spot = check(users["manager"], record, REMINDER_DAY)
    assert (spot.estate, spot.move_in, spot.checked_by, spot.checked_at) == (
        record.estate,
        record,
        users["manager"],
        REMINDER_DAY,
    )


def test_findings_are_required_with_the_findings_result(users, record):
    with pytest.raises(DomainError) as error:
        check(users["manager"], record, REMINDER_DAY, result=SpotCheck.Result.FINDINGS, findings="  ")
    assert error.value.code == "findings_required"
    assert not SpotCheck.objects.exists()
    spot = check(users["manager"], record, REMINDER_DAY, result=SpotCheck.Result.FINDINGS, findings="缺签字")
    assert spot.findings == "缺签字"


def test_a_move_in_not_started_has_nothing_to_check(users, unit_a):
    with pytest.raises(DomainError) as error:
        check(users["manager"], MoveInFactory(unit=unit_a), REMINDER_DAY)
    assert error.value.code == "nothing_to_check"


@pytest.mark.parametrize("role", ["frontdesk", "clerk", "supervisor", "company"])
def test_only_a_manager_spot_checks(users, record, role):
    with pytest.raises(PermissionDenied):
        check(users[role], record, REMINDER_DAY)


def test_a_manager_of_another_estate_cannot_check_here(record, estate_b):
    with pytest.raises(PermissionDenied):
        check(make_staff("manager", estate_b, username="manager-b"), record, REMINDER_DAY)


# --- what is required ---------------------------------------------------------------------------


def test_four_are_required_in_a_month_a_batch_runs_one_otherwise(estate_a):
    MoveInBatchFactory(estate=estate_a, starts_on=date(2026, 2, 25), ends_on=date(2026, 3, 3))
    assert services.required_spot_checks(estate_id=estate_a.pk, month=date(2026, 2, 1)) == 4
    assert services.required_spot_checks(estate_id=estate_a.pk, month=MARCH) == 4
    assert services.required_spot_checks(estate_id=estate_a.pk, month=date(2026, 4, 1)) == 1


def test_spot_check_status_counts_the_months_checks(users, estate_a, record):
    MoveInBatchFactory(estate=estate_a)
    check(users["manager"], record, REMINDER_DAY)
    check(users["manager"], record, REMINDER_DAY, result=SpotCheck.Result.FINDINGS, findings="x")
    check(users["manager"], record, timezone.make_aware(datetime(2026, 4, 1, 0, 5)))  # April
    status = reports.spot_check_status(estate=estate_a, month=MARCH)
    assert (status.required, status.done, status.with_findings, status.missing) == (4, 2, 1, 2)
    assert status.batch_running and not status.is_met


# --- the reminder -------------------------------------------------------------------------------


def test_reminds_the_managers_when_fewer_than_four_were_done_during_a_batch(users, estate_a, record):
    MoveInBatchFactory(estate=estate_a)
    for _ in range(3):
        check(users["manager"], record, REMINDER_DAY)
    assert services.remind_spot_checks(now=REMINDER_DAY) == 1
    reminder = SpotCheckReminder.objects.get()
    assert (reminder.estate, reminder.month, reminder.required) == (estate_a, MARCH, 4)
    assert list(manager_reminders().values_list("recipient__username", flat=True)) == ["manager"]


def test_one_check_is_enough_without_a_batch(users, estate_a, record):
    check(users["manager"], record, REMINDER_DAY)
    assert services.remind_spot_checks(now=REMINDER_DAY) == 0
    assert not manager_reminders().exists()


def test_no_check_without_a_batch_is_reminded_with_one_required(users, estate_a, record):
    assert services.remind_spot_checks(now=REMINDER_DAY) == 1
    assert SpotCheckReminder.objects.get().required == 1


def test_no_reminder_before_the_reminder_day(users, estate_a, record):
    assert services.remind_spot_checks(now=timezone.make_aware(datetime(2026, 3, 19, 23, 0))) == 0
    assert not SpotCheckReminder.objects.exists()


def test_an_estate_without_move_ins_is_not_reminded(users, estate_a):
    assert services.remind_spot_checks(now=REMINDER_DAY) == 0


def test_the_reminder_is_sent_once_a_month(users, estate_a, record):
    assert services.remind_spot_checks(now=REMINDER_DAY) == 1
    assert services.remind_spot_checks(now=REMINDER_DAY.replace(day=25)) == 0
    assert manager_reminders().count() == 1
    # Next month is a new month.
    assert services.remind_spot_checks(now=timezone.make_aware(datetime(2026, 4, 21, 9, 0))) == 1


def test_the_task_run_twice_reminds_once(users, estate_a, record, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: REMINDER_DAY)
    assert tasks.remind_movein_spot_checks.delay().get() == 1
    assert tasks.remind_movein_spot_checks.delay().get() == 0
    assert manager_reminders().count() == 1 and SpotCheckReminder.objects.count() == 1


def test_the_beat_schedule_runs_the_reminder():
    from servicecenter.celery import app

    tasks_scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "moveins.tasks.remind_movein_spot_checks" in tasks_scheduled
