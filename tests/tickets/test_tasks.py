"""SLA warnings and escalations from the periodic sweep: each happens once, from database state."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from staff.models import Notification, OutboundMessage
from tests.tickets.factories import TicketFactory, register
from tickets import services, tasks
from tickets.models import Escalation, Ticket, TicketPolicy

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 10, 0, tzinfo=TZ)
S = Ticket.Status
E = Escalation.Kind


def kinds(ticket):
    return set(ticket.escalations.values_list("kind", flat=True))


def notified(kind):
    return set(
        Notification.objects.filter(kind=f"ticket_{kind}").values_list("recipient__username", flat=True)
    )


@pytest.fixture
def fresh(unit_a, technician):
    """An assigned ticket: 480 min to respond, 4320 to resolve, warnings 60 min before."""
    return TicketFactory(unit=unit_a, status=S.ASSIGNED, assignee=technician, created_at=NOW)


def test_nothing_is_sent_before_the_warning_time(fresh):
    assert services.run_deadline_sweep(now=NOW + timedelta(minutes=419)) == 0
    assert not fresh.escalations.exists()


def test_assignee_is_warned_before_the_response_deadline_once(fresh, users):
    assert services.run_deadline_sweep(now=NOW + timedelta(minutes=420)) == 1
    assert services.run_deadline_sweep(now=NOW + timedelta(minutes=430)) == 0
    assert kinds(fresh) == {E.RESPONSE_WARNING}
    assert notified(E.RESPONSE_WARNING) == {"technician"}


def test_supervisor_is_told_at_the_response_breach_once(fresh, users):
    services.run_deadline_sweep(now=NOW + timedelta(minutes=420))
    services.run_deadline_sweep(now=NOW + timedelta(minutes=480))
    services.run_deadline_sweep(now=NOW + timedelta(minutes=490))
    assert kinds(fresh) == {E.RESPONSE_WARNING, E.RESPONSE_BREACH}
    assert notified(E.RESPONSE_BREACH) == {"supervisor"}
    assert Notification.objects.filter(kind=f"ticket_{E.RESPONSE_BREACH}").count() == 1


def test_a_missed_sweep_goes_straight_to_the_breach(fresh):
    services.run_deadline_sweep(now=NOW + timedelta(hours=9))
    assert kinds(fresh) == {E.RESPONSE_BREACH}


def test_responded_ticket_gets_no_response_escalation(fresh, technician):
    services.start_ticket(ticket=fresh, actor=technician, now=NOW + timedelta(minutes=30))
    services.run_deadline_sweep(now=NOW + timedelta(hours=9))
    assert kinds(fresh) == set()


def test_resolution_warning_then_breach(fresh, technician):
    services.start_ticket(ticket=fresh, actor=technician, now=NOW + timedelta(minutes=30))
    services.run_deadline_sweep(now=NOW + timedelta(minutes=4320 - 60))
    assert kinds(fresh) == {E.RESOLUTION_WARNING}
    services.run_deadline_sweep(now=NOW + timedelta(minutes=4320))
    assert kinds(fresh) == {E.RESOLUTION_WARNING, E.RESOLUTION_BREACH}
    assert notified(E.RESOLUTION_BREACH) == {"supervisor"}


def test_on_hold_tickets_are_not_escalated_and_get_the_time_back(fresh, technician):
    services.start_ticket(ticket=fresh, actor=technician, now=NOW + timedelta(minutes=30))
    services.hold_ticket(ticket=fresh, actor=technician, reason="等配件", now=NOW + timedelta(hours=1))
    services.run_deadline_sweep(now=NOW + timedelta(days=4))
    assert kinds(fresh) == set()
    services.resume_ticket(ticket=fresh, actor=technician, now=NOW + timedelta(days=4, hours=1))
    services.run_deadline_sweep(now=NOW + timedelta(days=4, hours=2))
    assert kinds(fresh) == set()  # 1 h used before the hold, 1 h after: far from 72 h
    fresh.refresh_from_db()
    assert fresh.resolution_due_at == NOW + timedelta(minutes=4320) + timedelta(days=4)


def test_unassigned_ticket_warns_the_team(unit_a, maintenance, technician, technician2):
    ticket = TicketFactory(unit=unit_a, team=maintenance, created_at=NOW)
    services.run_deadline_sweep(now=NOW + timedelta(minutes=425))
    assert kinds(ticket) == {E.RESPONSE_WARNING}
    assert notified(E.RESPONSE_WARNING) == {"technician", "technician2"}


def test_reopened_ticket_may_be_warned_again_for_its_new_resolution_deadline(fresh, technician, users):
    services.start_ticket(ticket=fresh, actor=technician, now=NOW)
    services.run_deadline_sweep(now=NOW + timedelta(minutes=4320 - 30))
    services.resolve_ticket(
        ticket=fresh, actor=technician, note="修好", now=NOW + timedelta(minutes=4320 - 20)
    )
    services.reopen_ticket(
        ticket=fresh, actor=users["frontdesk"], reason="又坏了", now=NOW + timedelta(days=4)
    )
    services.run_deadline_sweep(now=NOW + timedelta(days=7) - timedelta(minutes=30))
    assert list(fresh.escalations.order_by("round").values_list("kind", "round")) == [
        (E.RESOLUTION_WARNING, 0),
        (E.RESOLUTION_WARNING, 1),
    ]


def test_unanswered_complaint_goes_to_the_manager_after_72_hours(unit_a, users):
    complaint = TicketFactory(
        unit=unit_a, kind="complaint", created_at=NOW, response_minutes=4320, resolution_minutes=10080
    )
    services.run_deadline_sweep(now=NOW + timedelta(hours=71, minutes=59))
    assert E.COMPLAINT_OVERDUE not in kinds(complaint)
    services.run_deadline_sweep(now=NOW + timedelta(hours=72))
    services.run_deadline_sweep(now=NOW + timedelta(hours=73))
    assert E.COMPLAINT_OVERDUE in kinds(complaint)
    assert notified(E.COMPLAINT_OVERDUE) == {"manager"}


def test_estate_policy_shortens_the_complaint_limit(unit_a, estate_a, users):
    TicketPolicy.objects.create(estate=estate_a, complaint_reply_hours=24)
    complaint = TicketFactory(unit=unit_a, kind="complaint", created_at=NOW, response_minutes=1440)
    services.run_deadline_sweep(now=NOW + timedelta(hours=24))
    assert E.COMPLAINT_OVERDUE in kinds(complaint)


def test_replied_complaint_is_not_escalated_to_the_manager(unit_a, users):
    complaint = TicketFactory(unit=unit_a, kind="complaint", created_at=NOW, response_minutes=4320)
    services.reply_to_reporter(
        ticket=complaint,
        actor=users["frontdesk"],
        channel="phone",
        note="已致电业主说明处理安排",
        now=NOW + timedelta(hours=2),
    )
    services.run_deadline_sweep(now=NOW + timedelta(hours=80))
    assert E.COMPLAINT_OVERDUE not in kinds(complaint)


def test_internal_work_does_not_answer_a_complaint(unit_a, users):
    """Starting, holding or an internal note is work, not a reply: the manager is still told."""
    complaint = TicketFactory(
        unit=unit_a, kind="complaint", status="in_progress", created_at=NOW, response_minutes=4320
    )
    services.add_comment(
        ticket=complaint, actor=users["supervisor"], body="内部跟进", now=NOW + timedelta(hours=1)
    )
    services.hold_ticket(
        ticket=complaint, actor=users["supervisor"], reason="等待开发商答复", now=NOW + timedelta(hours=2)
    )
    complaint.refresh_from_db()
    assert complaint.first_responded_at is not None and complaint.first_replied_at is None
    services.run_deadline_sweep(now=NOW + timedelta(hours=80))
    assert E.COMPLAINT_OVERDUE in kinds(complaint)


def test_major_complaint_missed_at_registration_is_caught_by_the_sweep(unit_a, users):
    complaint = TicketFactory(unit=unit_a, kind="complaint", is_major=True, created_at=NOW)
    services.run_deadline_sweep(now=NOW + timedelta(minutes=1))
    assert kinds(complaint) == {E.MAJOR_COMPLAINT}
    assert notified(E.MAJOR_COMPLAINT) == {"manager"}


def test_escalation_insert_is_the_lock(fresh):
    """Two workers racing: the second insert hits the unique constraint and sends nothing."""
    assert services.escalate_ticket(ticket=fresh, kind=E.RESPONSE_BREACH, now=NOW) is not None
    assert services.escalate_ticket(ticket=fresh, kind=E.RESPONSE_BREACH, now=NOW) is None
    assert Notification.objects.filter(kind=f"ticket_{E.RESPONSE_BREACH}").count() == 1


def test_breach_of_an_urgent_ticket_also_goes_by_sms(unit_a, users, settings):
    from staff.models import StaffProfile

    StaffProfile.objects.filter(user=users["supervisor"]).update(phone="13700001234")
    ticket = TicketFactory(unit=unit_a, priority="urgent", created_at=NOW, response_minutes=60)
    services.run_deadline_sweep(now=NOW + timedelta(hours=2))
    assert OutboundMessage.objects.filter(channel="sms", address="13700001234").exists()
    assert kinds(ticket) >= {E.RESPONSE_BREACH}


def test_tasks_are_safe_to_run_twice(fresh):
    with mock.patch("tickets.services._common.timezone.now", return_value=NOW + timedelta(hours=9)):
        assert tasks.check_ticket_deadlines(fresh.pk) == 1
        assert tasks.check_ticket_deadlines(fresh.pk) == 0
        assert tasks.sweep_ticket_deadlines() == 0
    assert tasks.check_ticket_deadlines(999999) == 0


def test_periodic_tasks_run(unit_a):
    assert tasks.remind_due_callbacks() == 0
    assert tasks.close_resolved_tickets() == 0
    assert tasks.draw_callback_samples() == 0


def test_broker_down_does_not_stop_registration(users, unit_a, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(
            tasks.check_ticket_deadlines, "apply_async", side_effect=ConnectionError("broker down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = register(users["frontdesk"], unit_a, kind="complaint", is_major=True, now=NOW)
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    # The sweep finds the work later, from the database alone.
    services.run_deadline_sweep(now=NOW + timedelta(hours=73))
    assert {E.MAJOR_COMPLAINT, E.COMPLAINT_OVERDUE} <= kinds(ticket)


def test_registration_queues_the_deadline_check_after_commit(
    users, unit_a, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(tasks.check_ticket_deadlines, "apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = register(users["frontdesk"], unit_a)
    apply_async.assert_called_once_with(kwargs={"ticket_id": ticket.pk}, retry=False)


def test_beat_schedule_lists_the_ticket_sweeps():
    from servicecenter.celery import app

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "tickets.tasks.sweep_ticket_deadlines",
        "tickets.tasks.remind_due_callbacks",
        "tickets.tasks.close_resolved_tickets",
        "tickets.tasks.draw_callback_samples",
    } <= scheduled
