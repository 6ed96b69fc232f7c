"""Callbacks (回访): scheduling at resolution, attempts, outcomes, the resident's rating, sampling."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from servicecenter.exceptions import TransitionError
from staff.models import Notification
from tests.factories import make_zone
from tests.tickets.factories import CallbackFactory, TicketFactory, category
from tickets import services
from tickets.models import Callback, CallbackReview, CallbackSample, RootCause, Ticket, TicketPolicy

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 10, 0, tzinfo=TZ)
S = Ticket.Status


def resolve(ticket, actor, now=NOW):
    # A complaint must carry its root cause when resolved; other kinds need none.
    cause = RootCause.objects.get(code="workmanship") if ticket.kind == Ticket.Kind.COMPLAINT else None
    return services.resolve_ticket(ticket=ticket, actor=actor, note="已处理", root_cause=cause, now=now)


@pytest.fixture
def in_progress(unit_a):
    return lambda **kw: TicketFactory(
        unit=unit_a, status=S.IN_PROGRESS, created_at=NOW - timedelta(hours=3), **kw
    )


# --- scheduling --------------------------------------------------------------------------------


def test_resolving_schedules_a_callback_a_day_later_for_the_zone_housekeeper(
    users, in_progress, estate_a, building_a
):
    make_zone(estate_a, users["housekeeper"], building_a)
    ticket = resolve(in_progress(), users["supervisor"])
    callback = ticket.callbacks.get()
    assert callback.due_at == NOW + timedelta(hours=24)
    assert callback.next_attempt_at == callback.due_at
    assert callback.assigned_to == users["housekeeper"]
    assert callback.status == Callback.Status.PENDING
    assert not callback.is_mandatory


def test_without_a_zone_the_callback_goes_to_customer_service(users, in_progress, customer_service):
    callback = resolve(in_progress(), users["supervisor"]).callbacks.get()
    assert (callback.assigned_to, callback.team) == (None, customer_service)


def test_callback_delay_is_configurable(users, in_progress):
    TicketPolicy.objects.filter(estate__isnull=True).update(callback_delay_hours=48)
    callback = resolve(in_progress(), users["supervisor"]).callbacks.get()
    assert callback.due_at == NOW + timedelta(hours=48)


@pytest.mark.parametrize(
    ("kind", "code", "mandatory"),
    [
        ("complaint", "plumbing", True),
        ("repair", "water_leak", True),
        ("repair", "safety_facility", True),
        ("repair", "plumbing", False),
    ],
)
def test_callbacks_are_mandatory_for_complaints_water_leaks_and_safety(
    users, in_progress, kind, code, mandatory
):
    TicketPolicy.objects.filter(estate__isnull=True).update(callback_share_percent=0)
    ticket = resolve(in_progress(kind=kind, category=category(code)), users["supervisor"])
    assert ticket.callbacks.filter(is_mandatory=True).exists() is mandatory
    assert ticket.callbacks.exists() is mandatory


def test_optional_callbacks_follow_the_configured_share(users, unit_a):
    TicketPolicy.objects.filter(estate__isnull=True).update(callback_share_percent=30)
    tickets = [TicketFactory(unit=unit_a, status=S.IN_PROGRESS) for _ in range(60)]
    for ticket in tickets:
        resolve(ticket, users["supervisor"])
    drawn = Callback.objects.count()
    assert 8 <= drawn <= 30  # 30% of 60 = 18, with room for chance
    expected = sum(services.in_callback_share(ticket_id=t.pk, round_=0, share_percent=30) for t in tickets)
    assert drawn == expected


def test_share_draw_is_stable_for_a_ticket():
    answers = {services.in_callback_share(ticket_id=42, round_=1, share_percent=50) for _ in range(5)}
    assert len(answers) == 1


# --- recording ---------------------------------------------------------------------------------


def test_reached_and_solved_closes_the_ticket(users, in_progress):
    ticket = resolve(in_progress(), users["supervisor"])
    callback = services.record_callback(
        callback=ticket.callbacks.get(),
        actor=users["housekeeper"],
        reached=True,
        satisfaction=5,
        solved=True,
        comment="很满意",
        now=NOW + timedelta(days=1),
    )
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED and not ticket.is_unreachable
    assert (callback.status, callback.satisfaction, callback.is_solved) == (
        Callback.Status.COMPLETED,
        5,
        True,
    )
    assert callback.completed_by == users["housekeeper"]
    assert callback.attempts.get().reached


def test_reached_and_not_solved_reopens_the_ticket(users, in_progress):
    ticket = resolve(in_progress(), users["supervisor"])
    services.record_callback(
        callback=ticket.callbacks.get(),
        actor=users["housekeeper"],
        reached=True,
        satisfaction=2,
        solved=False,
        comment="还在滴水",
        now=NOW + timedelta(days=1),
    )
    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED and ticket.reopen_count == 1
    assert ticket.events.filter(to_status=S.REOPENED, note="还在滴水").exists()


def test_reopened_ticket_gets_a_new_callback_when_resolved_again(users, in_progress):
    ticket = resolve(in_progress(), users["supervisor"])
    services.record_callback(
        callback=ticket.callbacks.get(),
        actor=users["housekeeper"],
        reached=True,
        satisfaction=2,
        solved=False,
        now=NOW,
    )
    services.assign_ticket(ticket=ticket, actor=users["supervisor"], assignee=users["supervisor"], now=NOW)
    services.start_ticket(ticket=ticket, actor=users["supervisor"], now=NOW)
    resolve(ticket, users["supervisor"], now=NOW + timedelta(hours=2))
    assert list(ticket.callbacks.order_by("round").values_list("round", "status")) == [
        (0, Callback.Status.COMPLETED),
        (1, Callback.Status.PENDING),
    ]


def test_failed_attempts_are_spaced_then_the_ticket_closes_unreachable(users, in_progress):
    ticket = resolve(in_progress(), users["supervisor"])
    callback = ticket.callbacks.get()
    first = NOW + timedelta(days=1)
    callback = services.record_callback(
        callback=callback, actor=users["housekeeper"], reached=False, now=first
    )
    assert (callback.status, callback.attempt_count) == (Callback.Status.PENDING, 1)
    assert callback.next_attempt_at == first + timedelta(hours=4)
    callback = services.record_callback(
        callback=callback, actor=users["housekeeper"], reached=False, now=first
    )
    ticket.refresh_from_db()
    assert ticket.status == S.RESOLVED
    callback = services.record_callback(
        callback=callback, actor=users["housekeeper"], reached=False, now=first
    )
    ticket.refresh_from_db()
    assert callback.status == Callback.Status.UNREACHABLE and callback.attempts.count() == 3
    assert ticket.status == S.CLOSED and ticket.is_unreachable


def test_reached_needs_score_and_solved(users, in_progress):
    callback = resolve(in_progress(), users["supervisor"]).callbacks.get()
    with pytest.raises(ValidationError) as exc:
        services.record_callback(callback=callback, actor=users["housekeeper"], reached=True, satisfaction=6)
    assert set(exc.value.message_dict) == {"satisfaction", "solved"}
    callback.refresh_from_db()
    assert callback.attempt_count == 0 and not callback.attempts.exists()


def test_recording_a_finished_callback_is_refused(users, in_progress):
    callback = resolve(in_progress(), users["supervisor"]).callbacks.get()
    services.record_callback(
        callback=callback, actor=users["housekeeper"], reached=True, satisfaction=4, solved=True
    )
    with pytest.raises(TransitionError):
        services.record_callback(
            callback=callback, actor=users["housekeeper"], reached=True, satisfaction=1, solved=False
        )
    callback.refresh_from_db()
    assert callback.satisfaction == 4


def test_resident_rating_completes_the_pending_callback(resident, users, in_progress):
    ticket = resolve(in_progress(), users["supervisor"])
    callback = services.rate_ticket(
        ticket=ticket, actor=resident, satisfaction=4, solved=True, comment="谢谢"
    )
    ticket.refresh_from_db()
    assert callback.method == Callback.Method.PORTAL and callback.completed_by == resident
    assert ticket.status == S.CLOSED
    assert Callback.objects.count() == 1


def test_resident_rating_without_a_drawn_callback_stands_for_one(resident, users, in_progress):
    TicketPolicy.objects.filter(estate__isnull=True).update(callback_share_percent=0)
    ticket = resolve(in_progress(), users["supervisor"])
    assert not ticket.callbacks.exists()
    services.rate_ticket(ticket=ticket, actor=resident, satisfaction=2, solved=False, comment="没修好")
    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED
    assert ticket.callbacks.get().reached


def test_rating_an_unresolved_ticket_is_refused(resident, unit_a):
    with pytest.raises(TransitionError):
        services.rate_ticket(
            ticket=TicketFactory(unit=unit_a, status=S.IN_PROGRESS),
            actor=resident,
            satisfaction=5,
            solved=True,
        )


def test_callback_for_a_ticket_no_longer_resolved_is_refused(users, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.IN_PROGRESS))
    with pytest.raises(TransitionError):
        services.record_callback(callback=callback, actor=users["housekeeper"], reached=False)
    assert not callback.attempts.exists()


# --- reminders and auto-close ------------------------------------------------------------------


def test_due_callbacks_are_reminded_once_per_attempt(users, estate_a, building_a, in_progress):
    make_zone(estate_a, users["housekeeper"], building_a)
    ticket = resolve(in_progress(), users["supervisor"])
    assert services.remind_due_callbacks(now=NOW + timedelta(hours=23)) == 0
    assert services.remind_due_callbacks(now=NOW + timedelta(hours=24)) == 1
    assert services.remind_due_callbacks(now=NOW + timedelta(hours=25)) == 0
    services.record_callback(
        callback=ticket.callbacks.get(),
        actor=users["housekeeper"],
        reached=False,
        now=NOW + timedelta(hours=25),
    )
    assert services.remind_due_callbacks(now=NOW + timedelta(hours=28)) == 0
    assert services.remind_due_callbacks(now=NOW + timedelta(hours=29)) == 1
    assert Notification.objects.filter(recipient=users["housekeeper"], kind="callback_due").count() == 2


def test_callback_reminder_goes_to_the_team_without_a_housekeeper(users, in_progress, customer_service):
    from tests.factories import make_staff

    agent = make_staff("frontdesk", customer_service.estate, username="agent", team=customer_service)
    resolve(in_progress(), users["supervisor"])
    services.remind_due_callbacks(now=NOW + timedelta(days=2))
    assert Notification.objects.filter(recipient=agent, kind="callback_due").exists()


def test_resolved_tickets_without_a_pending_callback_close_after_a_week(users, unit_a):
    TicketPolicy.objects.filter(estate__isnull=True).update(callback_share_percent=0)
    quiet = resolve(TicketFactory(unit=unit_a, status=S.IN_PROGRESS), users["supervisor"])
    waiting = resolve(TicketFactory(unit=unit_a, status=S.IN_PROGRESS, kind="complaint"), users["supervisor"])
    assert services.close_resolved_without_callback(now=NOW + timedelta(days=6)) == 0
    assert services.close_resolved_without_callback(now=NOW + timedelta(days=7)) == 1
    quiet.refresh_from_db()
    waiting.refresh_from_db()
    assert quiet.status == S.CLOSED and quiet.events.last().actor is None
    assert waiting.status == S.RESOLVED
    assert services.close_resolved_without_callback(now=NOW + timedelta(days=8)) == 0


# --- monthly sampling --------------------------------------------------------------------------


def _completed_callbacks(unit, n, when):
    return [
        CallbackFactory(
            ticket=TicketFactory(unit=unit, status=S.CLOSED),
            status=Callback.Status.COMPLETED,
            reached=True,
            satisfaction=5,
            is_solved=True,
            completed_at=when,
        )
        for _ in range(n)
    ]


def test_monthly_sample_takes_ten_percent_but_at_least_five(users, unit_a, unit_b):
    february = datetime(2025, 2, 14, 10, tzinfo=TZ)
    in_a = _completed_callbacks(unit_a, 60, february)
    _completed_callbacks(unit_b, 3, february)
    _completed_callbacks(unit_a, 4, datetime(2025, 3, 2, tzinfo=TZ))  # this month: not sampled
    samples = services.draw_callback_samples(now=datetime(2025, 3, 1, 6, tzinfo=TZ), rng=random.Random(7))
    by_estate = {s.estate.code: s for s in samples}
    assert by_estate["LJY"].population == 60 and by_estate["LJY"].reviews.count() == 6
    assert by_estate["BJDS"].reviews.count() == 3
    assert set(by_estate["LJY"].reviews.values_list("callback_id", flat=True)) <= {c.pk for c in in_a}
    assert Notification.objects.filter(recipient=users["manager"], kind="callback_sample").count() == 1


def test_monthly_sample_is_drawn_once(unit_a):
    _completed_callbacks(unit_a, 12, datetime(2025, 2, 3, tzinfo=TZ))
    services.draw_callback_samples(now=datetime(2025, 3, 1, 6, tzinfo=TZ))
    assert services.draw_callback_samples(now=datetime(2025, 3, 1, 7, tzinfo=TZ)) == []
    assert CallbackSample.objects.count() == 1 and CallbackReview.objects.count() == 5


def test_recheck_is_recorded_once(users, unit_a):
    _completed_callbacks(unit_a, 5, datetime(2025, 2, 3, tzinfo=TZ))
    (sample,) = services.draw_callback_samples(now=datetime(2025, 3, 1, 6, tzinfo=TZ))
    review = sample.reviews.first()
    with pytest.raises(ValidationError):
        services.record_callback_review(review=review, actor=users["manager"], result="maybe")
    services.record_callback_review(
        review=review, actor=users["manager"], result="disputed", note="业主说没人回访", now=NOW
    )
    review.refresh_from_db()
    assert (review.result, review.reviewed_by, review.reviewed_at) == ("disputed", users["manager"], NOW)
    from servicecenter.exceptions import DomainError

    with pytest.raises(DomainError):
        services.record_callback_review(review=review, actor=users["manager"], result="confirmed")
