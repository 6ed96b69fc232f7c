"""Registration, dispatch, SLA and every transition of the ticket lifecycle."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from servicecenter.exceptions import DomainError, TransitionError
from staff.models import Notification, Team
from tests.factories import PersonFactory, TeamFactory, UnitFactory, make_staff
from tests.tickets.factories import TicketFactory, category, register
from tickets import services
from tickets.models import Callback, PublicLocation, SlaTarget, Ticket, TicketEvent, TicketPolicy

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 10, 0, tzinfo=TZ)
S = Ticket.Status
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc8!'\x07\x00\x02\xb6\x01\x054\xa6u\xaa\x00\x00\x00\x00IEND\xaeB`\x82"  # 1×1, decodable: uploads are re-encoded


# --- registration ------------------------------------------------------------------------------


def test_register_numbers_per_estate_and_day(users, unit_a, unit_b, maintenance):
    first = register(users["frontdesk"], unit_a, now=NOW)
    second = register(users["frontdesk"], unit_a, now=NOW + timedelta(minutes=5))
    next_day = register(users["frontdesk"], unit_a, now=NOW + timedelta(days=1))
    other_estate = register(users["company"], unit_b, now=NOW)
    assert [first.number, second.number, next_day.number] == [
        "LJY-20250310-0001",
        "LJY-20250310-0002",
        "LJY-20250311-0001",
    ]
    assert other_estate.number == "BJDS-20250310-0001"


def test_register_numbers_by_local_date(users, unit_a):
    late_evening_utc = datetime(2025, 3, 10, 17, 0, tzinfo=ZoneInfo("UTC"))  # 01:00 on the 11th in Shanghai
    assert register(users["frontdesk"], unit_a, now=late_evening_utc).number == "LJY-20250311-0001"


def test_register_takes_priority_and_team_from_category(users, unit_a, maintenance, customer_service):
    ticket = register(users["frontdesk"], unit_a, category=category("water_leak"), now=NOW)
    assert ticket.priority == "urgent"
    assert ticket.team == maintenance
    assert ticket.status == S.NEW
    assert ticket.created_by == users["frontdesk"]
    event = ticket.events.get()
    assert (event.kind, event.to_status, event.actor) == (TicketEvent.Kind.CREATED, S.NEW, users["frontdesk"])


def test_register_dispatch_falls_back_to_customer_service(users, unit_a, customer_service):
    ticket = register(users["frontdesk"], unit_a, category=category("landscaping"), now=NOW)
    assert ticket.team == customer_service


def test_register_without_any_team_leaves_it_for_dispatch(users, unit_a):
    assert register(users["frontdesk"], unit_a, now=NOW).team is None


def test_register_sets_sla_from_category_and_priority(users, unit_a):
    SlaTarget.objects.filter(category=category("plumbing"), priority="urgent").update(
        response_minutes=45, resolution_minutes=600
    )
    ticket = register(users["frontdesk"], unit_a, priority="urgent", now=NOW)
    assert (ticket.response_minutes, ticket.resolution_minutes) == (45, 600)
    assert ticket.response_due_at == NOW + timedelta(minutes=45)
    assert ticket.resolution_due_at == NOW + timedelta(minutes=600)
    assert ticket.response_warn_at == NOW + timedelta(minutes=45 - 11.25)
    assert ticket.resolution_warn_at == NOW + timedelta(minutes=540)


def test_register_missing_sla_row_uses_built_in_defaults(users, unit_a):
    SlaTarget.objects.filter(category=category("plumbing"), priority="emergency").delete()
    ticket = register(users["frontdesk"], unit_a, priority="emergency", now=NOW)
    assert (ticket.response_minutes, ticket.resolution_minutes) == (30, 240)


def test_complaint_must_be_answered_within_72_hours(users, unit_a):
    # neighbour disputes allow 24 h to respond, 7 days to resolve; a complaint is capped at 72 h
    SlaTarget.objects.filter(category=category("neighbour_dispute"), priority="normal").update(
        response_minutes=5 * 24 * 60
    )
    ticket = register(
        users["frontdesk"], unit_a, kind="complaint", category=category("neighbour_dispute"), now=NOW
    )
    assert ticket.response_due_at == NOW + timedelta(hours=72)
    assert ticket.resolution_due_at == NOW + timedelta(days=7)


def test_complaint_reply_limit_comes_from_the_estate_policy(users, unit_a, estate_a):
    TicketPolicy.objects.create(estate=estate_a, complaint_reply_hours=48)
    SlaTarget.objects.filter(category=category("fees"), priority="normal").update(
        response_minutes=100 * 60, resolution_minutes=200 * 60
    )
    ticket = register(users["frontdesk"], unit_a, kind="complaint", category=category("fees"), now=NOW)
    assert ticket.response_due_at == NOW + timedelta(hours=48)


def test_register_public_area_needs_a_public_location_of_the_estate(users, estate_a, estate_b):
    with pytest.raises(ValidationError) as exc:
        register(users["frontdesk"], None, estate=estate_a, location="3栋大堂", now=NOW)
    assert "public_location" in exc.value.message_dict
    lobby = PublicLocation.objects.create(estate=estate_a, name="3栋大堂")
    other = PublicLocation.objects.create(estate=estate_b, name="A座大堂")
    with pytest.raises(ValidationError) as exc:
        register(users["frontdesk"], None, estate=estate_a, public_location=other, now=NOW)
    assert "public_location" in exc.value.message_dict
    retired = PublicLocation.objects.create(estate=estate_a, name="旧会所", is_active=False)
    with pytest.raises(ValidationError) as exc:
        register(users["frontdesk"], None, public_location=retired, now=NOW)
    assert "public_location" in exc.value.message_dict
    ticket = register(
        users["frontdesk"],
        None,
        public_location=lobby,
        location="电梯旁",
        category=category("public_cleaning"),
    )
    assert ticket.unit is None and ticket.estate == estate_a and ticket.place == "3栋大堂 · 电梯旁"


def test_register_rejects_unit_of_another_estate(users, unit_b, estate_a):
    with pytest.raises(ValidationError) as exc:
        register(users["company"], unit_b, estate=estate_a)
    assert "unit" in exc.value.message_dict
    assert not Ticket.objects.exists()


def test_register_refuses_estate_the_staff_member_does_not_work_in(users, unit_b):
    with pytest.raises(ValidationError):
        register(users["frontdesk"], unit_b)


def test_register_needs_a_reporter_for_phone_calls(users, unit_a):
    with pytest.raises(ValidationError) as exc:
        register(users["frontdesk"], unit_a, reporter_name="", reporter_phone="")
    assert "reporter_name" in exc.value.message_dict
    assert register(users["frontdesk"], unit_a, reporter_name="", channel="suggestion_box").pk


def test_register_reporter_must_be_in_the_estate(users, unit_a, estate_b):
    with pytest.raises(ValidationError):
        register(users["frontdesk"], unit_a, reporter=PersonFactory(estate=estate_b))


def test_paid_service_needs_a_price_in_cents(users, unit_a):
    with pytest.raises(ValidationError):
        register(users["frontdesk"], unit_a, is_paid_service=True)
    with pytest.raises(ValidationError):
        register(users["frontdesk"], unit_a, is_paid_service=True, service_price="12.345")
    ticket = register(users["frontdesk"], unit_a, is_paid_service=True, service_price="80.5")
    assert ticket.service_price == Decimal("80.50")
    assert register(users["frontdesk"], unit_a, service_price="99").service_price is None


def test_only_complaints_can_be_major(users, unit_a):
    with pytest.raises(ValidationError):
        register(users["frontdesk"], unit_a, is_major=True)


def test_resident_registers_for_own_unit_as_portal_ticket(resident, unit_a, users):
    ticket = register(resident, unit_a, channel="phone", reporter_name="", assignee=users["technician"])
    assert ticket.channel == Ticket.Channel.PORTAL
    assert ticket.reporter.user == resident
    assert ticket.assignee is None


def test_resident_cannot_register_for_another_unit(resident, unit_a2):
    with pytest.raises(ValidationError):
        register(resident, unit_a2)
    assert not Ticket.objects.exists()


def test_register_with_assignee_dispatches_at_once(users, unit_a, technician, maintenance):
    ticket = register(users["frontdesk"], unit_a, assignee=technician, now=NOW)
    assert ticket.status == S.ASSIGNED and ticket.assignee == technician
    assert list(ticket.events.values_list("kind", flat=True)) == ["created", "assigned"]
    assert Notification.objects.filter(recipient=technician, kind="ticket_assigned").exists()


def test_emergency_alerts_the_whole_team(users, unit_a, technician, technician2):
    register(users["frontdesk"], unit_a, priority="emergency", now=NOW)
    assert set(
        Notification.objects.filter(kind="ticket_emergency").values_list("recipient__username", flat=True)
    ) == {
        "technician",
        "technician2",
    }


def test_register_with_photo(users, unit_a):
    photo = SimpleUploadedFile("leak.png", PNG, content_type="image/png")
    ticket = register(users["frontdesk"], unit_a, attachments=[photo])
    attachment = ticket.attachments.get()
    assert attachment.content_type == "image/png" and not attachment.is_internal


def test_register_rejects_a_file_that_is_not_an_image_or_pdf(users, unit_a):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        register(users["frontdesk"], unit_a, attachments=[fake])
    assert not Ticket.objects.exists()


def test_register_rejects_files_over_the_limit(users, unit_a, settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError):
        register(users["frontdesk"], unit_a, attachments=[SimpleUploadedFile("big.png", PNG * 3)])


# --- the transition table ------------------------------------------------------------------------

ACTIONS = {
    "assign": (S.ASSIGNED, lambda t, u: services.assign_ticket(ticket=t, actor=u, assignee=u, now=NOW)),
    "start": (S.IN_PROGRESS, lambda t, u: services.start_ticket(ticket=t, actor=u, now=NOW)),
    "hold": (S.ON_HOLD, lambda t, u: services.hold_ticket(ticket=t, actor=u, reason="等配件", now=NOW)),
    "resume": (S.IN_PROGRESS, lambda t, u: services.resume_ticket(ticket=t, actor=u, now=NOW)),
    "resolve": (
        S.RESOLVED,
        lambda t, u: services.resolve_ticket(ticket=t, actor=u, note="已更换阀门", now=NOW),
    ),
    "reopen": (S.REOPENED, lambda t, u: services.reopen_ticket(ticket=t, actor=u, reason="仍漏水", now=NOW)),
    "close": (S.CLOSED, lambda t, u: services.close_ticket(ticket=t, actor=u, now=NOW)),
    "cancel": (
        S.CANCELLED,
        lambda t, u: services.cancel_ticket(ticket=t, actor=u, reason="重复登记", now=NOW),
    ),
}
# (action, from) pairs the lifecycle allows; every other pair must be refused.
ALLOWED_PAIRS = {
    ("assign", S.NEW),
    ("assign", S.ASSIGNED),
    ("assign", S.IN_PROGRESS),
    ("assign", S.REOPENED),
    ("start", S.ASSIGNED),
    ("hold", S.IN_PROGRESS),
    ("resume", S.ON_HOLD),
    ("resolve", S.IN_PROGRESS),
    ("reopen", S.RESOLVED),
    ("close", S.RESOLVED),
    ("cancel", S.NEW),
    ("cancel", S.ASSIGNED),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("status", S.values)
def test_every_transition_allowed_or_refused(action, status, users, unit_a):
    actor = users["supervisor"]
    ticket = TicketFactory(unit=unit_a, status=status, created_at=NOW - timedelta(hours=1))
    target, run = ACTIONS[action]
    if (action, status) in ALLOWED_PAIRS:
        result = run(ticket, actor)
        assert result.status == target
        event = ticket.events.get()
        assert (event.from_status, event.to_status, event.actor) == (status, target, actor)
    else:
        with pytest.raises(TransitionError):
            run(ticket, actor)
        ticket.refresh_from_db()
        assert ticket.status == status
        assert not ticket.events.exists()


def test_allowed_table_covers_every_status():
    assert set(services.ALLOWED) == set(S.values)
    assert all(targets <= set(S.values) for targets in services.ALLOWED.values())


def test_transition_error_names_the_states(users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.CLOSED)
    with pytest.raises(TransitionError) as exc:
        services.start_ticket(ticket=ticket, actor=users["supervisor"])
    assert "Closed" in exc.value.message and "In progress" in exc.value.message


# --- lifecycle rules ---------------------------------------------------------------------------


def test_start_is_the_first_response_and_takes_an_unassigned_ticket(technician, unit_a, maintenance):
    ticket = TicketFactory(unit=unit_a, team=maintenance, status=S.ASSIGNED)
    services.start_ticket(ticket=ticket, actor=technician, now=NOW)
    ticket.refresh_from_db()
    assert ticket.first_responded_at == NOW
    assert ticket.assignee == technician


def test_start_keeps_the_first_response_time(users, unit_a):
    earlier = NOW - timedelta(hours=2)
    ticket = TicketFactory(
        unit=unit_a, status=S.ASSIGNED, first_responded_at=earlier, assignee=users["supervisor"]
    )
    services.start_ticket(ticket=ticket, actor=users["supervisor"], now=NOW)
    ticket.refresh_from_db()
    assert ticket.first_responded_at == earlier


def test_hold_and_resume_push_deadlines_back(users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.IN_PROGRESS, created_at=NOW, first_responded_at=NOW)
    due, warn = ticket.resolution_due_at, ticket.resolution_warn_at
    services.hold_ticket(
        ticket=ticket, actor=users["supervisor"], reason="等业主在家", now=NOW + timedelta(hours=1)
    )
    ticket.refresh_from_db()
    assert ticket.on_hold_since == NOW + timedelta(hours=1)
    services.resume_ticket(ticket=ticket, actor=users["supervisor"], now=NOW + timedelta(hours=5, minutes=30))
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == due + timedelta(hours=4, minutes=30)
    assert ticket.resolution_warn_at == warn + timedelta(hours=4, minutes=30)
    assert ticket.on_hold_minutes == 270
    assert ticket.on_hold_since is None


def test_hold_after_the_deadline_does_not_forgive_it(users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.IN_PROGRESS, created_at=NOW - timedelta(days=5))
    due = ticket.resolution_due_at  # 3 days after creation: already passed
    services.hold_ticket(ticket=ticket, actor=users["supervisor"], reason="等配件", now=NOW)
    services.resume_ticket(ticket=ticket, actor=users["supervisor"], now=NOW + timedelta(days=1))
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == due
    assert ticket.on_hold_minutes == 24 * 60


def test_hold_needs_a_reason(users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.hold_ticket(ticket=ticket, actor=users["supervisor"], reason="  ")
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS


def test_resolve_needs_a_note(users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.resolve_ticket(ticket=ticket, actor=users["supervisor"], note="")


def test_cancel_needs_a_reason_and_keeps_it(users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    with pytest.raises(ValidationError):
        services.cancel_ticket(ticket=ticket, actor=users["frontdesk"], reason="")
    services.cancel_ticket(ticket=ticket, actor=users["frontdesk"], reason="业主撤回")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.cancel_reason) == (S.CANCELLED, "业主撤回")


def test_assign_to_person_moves_ticket_to_their_team(
    users, unit_a, technician, maintenance, customer_service
):
    ticket = TicketFactory(unit=unit_a, team=customer_service)
    services.assign_ticket(ticket=ticket, actor=users["supervisor"], assignee=technician, now=NOW)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.team, ticket.status) == (technician, maintenance, S.ASSIGNED)


def test_assign_to_team_clears_the_assignee(users, unit_a, technician, customer_service):
    ticket = TicketFactory(unit=unit_a, status=S.ASSIGNED, assignee=technician)
    services.assign_ticket(ticket=ticket, actor=users["supervisor"], team=customer_service, now=NOW)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.team) == (None, customer_service)


def test_assign_refuses_people_and_teams_of_other_estates(users, unit_a, estate_b):
    ticket = TicketFactory(unit=unit_a)
    outsider = make_staff("technician", estate_b, username="tech-b")
    with pytest.raises(ValidationError):
        services.assign_ticket(ticket=ticket, actor=users["supervisor"], assignee=outsider)
    with pytest.raises(ValidationError):
        services.assign_ticket(ticket=ticket, actor=users["supervisor"], team=TeamFactory(estate=estate_b))
    with pytest.raises(ValidationError):
        services.assign_ticket(ticket=ticket, actor=users["supervisor"])
    ticket.refresh_from_db()
    assert ticket.status == S.NEW and not ticket.events.exists()


def test_assigning_the_same_person_twice_records_once(users, unit_a, technician):
    ticket = TicketFactory(unit=unit_a)
    services.assign_ticket(ticket=ticket, actor=users["supervisor"], assignee=technician, now=NOW)
    services.assign_ticket(ticket=ticket, actor=users["supervisor"], assignee=technician, now=NOW)
    assert ticket.events.count() == 1


def test_assign_notifies_the_assignee_by_sms_when_urgent(users, unit_a, technician):
    ticket = TicketFactory(unit=unit_a, priority="urgent")
    services.assign_ticket(ticket=ticket, actor=users["supervisor"], assignee=technician, now=NOW)
    note = Notification.objects.get(recipient=technician, kind="ticket_assigned")
    assert ticket.number in note.title


def test_reopen_gives_a_fresh_resolution_deadline_and_cancels_the_callback(users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.RESOLVED, created_at=NOW - timedelta(days=10))
    callback = Callback.objects.create(ticket=ticket, estate=ticket.estate, due_at=NOW, next_attempt_at=NOW)
    services.reopen_ticket(ticket=ticket, actor=users["frontdesk"], reason="还是漏", now=NOW)
    ticket.refresh_from_db()
    callback.refresh_from_db()
    assert ticket.reopen_count == 1
    assert ticket.resolved_at is None
    assert ticket.resolution_due_at == NOW + timedelta(minutes=ticket.resolution_minutes)
    assert callback.status == Callback.Status.CANCELLED


def test_close_by_hand_is_refused_while_a_mandatory_callback_is_pending(users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.RESOLVED)
    Callback.objects.create(
        ticket=ticket, estate=ticket.estate, due_at=NOW, next_attempt_at=NOW, is_mandatory=True
    )
    with pytest.raises(DomainError):
        services.close_ticket(ticket=ticket, actor=users["supervisor"])
    ticket.refresh_from_db()
    assert ticket.status == S.RESOLVED


def test_close_by_hand_cancels_an_optional_callback(users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.RESOLVED)
    callback = Callback.objects.create(ticket=ticket, estate=ticket.estate, due_at=NOW, next_attempt_at=NOW)
    services.close_ticket(ticket=ticket, actor=users["supervisor"], now=NOW)
    callback.refresh_from_db()
    assert callback.status == Callback.Status.CANCELLED


def test_public_comment_is_the_first_response_internal_is_not(users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    services.add_comment(ticket=ticket, actor=users["frontdesk"], body="内部备注", is_public=False, now=NOW)
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    services.add_comment(ticket=ticket, actor=users["frontdesk"], body="已联系维修", is_public=True, now=NOW)
    ticket.refresh_from_db()
    assert ticket.first_responded_at == NOW


def test_resident_comment_is_always_public_and_not_a_response(resident, unit_a):
    ticket = TicketFactory(unit=unit_a)
    event = services.add_comment(ticket=ticket, actor=resident, body="下午在家", is_public=False, now=NOW)
    ticket.refresh_from_db()
    assert event.is_public and ticket.first_responded_at is None


def test_flag_major_complaint_tells_the_manager_once(users, unit_a):
    ticket = TicketFactory(unit=unit_a, kind="complaint")
    services.flag_major_complaint(ticket=ticket, actor=users["supervisor"], note="媒体关注", now=NOW)
    services.flag_major_complaint(ticket=ticket, actor=users["supervisor"], now=NOW)
    assert Notification.objects.filter(recipient=users["manager"], kind="ticket_major_complaint").count() == 1
    assert ticket.escalations.count() == 1


def test_flag_major_refuses_other_kinds(users, unit_a):
    with pytest.raises(DomainError):
        services.flag_major_complaint(ticket=TicketFactory(unit=unit_a), actor=users["supervisor"])


def test_register_major_complaint_escalates_at_once(users, unit_a):
    register(users["frontdesk"], unit_a, kind="complaint", is_major=True, now=NOW)
    assert Notification.objects.filter(recipient=users["manager"], kind="ticket_major_complaint").exists()


def test_overdue_queryset(users, unit_a):
    late = TicketFactory(
        unit=unit_a, status=S.IN_PROGRESS, created_at=NOW - timedelta(days=4), first_responded_at=NOW
    )
    unanswered = TicketFactory(unit=unit_a, status=S.NEW, created_at=NOW - timedelta(hours=9))
    TicketFactory(unit=unit_a, status=S.ON_HOLD, created_at=NOW - timedelta(days=4))  # clock stopped
    TicketFactory(unit=unit_a, status=S.RESOLVED, created_at=NOW - timedelta(days=4))
    TicketFactory(unit=unit_a, status=S.NEW, created_at=NOW)
    assert set(Ticket.objects.overdue(NOW)) == {late, unanswered}
    assert late.is_overdue(NOW) and not TicketFactory(unit=unit_a).is_overdue(NOW)


def test_sample_size_rule():
    assert services.sample_size(30, share_percent=10, minimum=5) == 5
    assert services.sample_size(101, share_percent=10, minimum=5) == 11
    assert services.sample_size(3, share_percent=10, minimum=5) == 3
    assert services.sample_size(0, share_percent=10, minimum=5) == 0


def test_previous_month():
    assert services.previous_month(datetime(2025, 1, 1, 6, tzinfo=TZ)) == date(2024, 12, 1)
    assert services.previous_month(datetime(2025, 3, 31, 23, tzinfo=TZ)) == date(2025, 2, 1)


def test_dispatch_team_prefers_the_category_kind(estate_a, maintenance, customer_service):
    assert services.dispatch_team(estate=estate_a, category=category("elevator")) == maintenance
    cleaning = TeamFactory(estate=estate_a, kind=Team.Kind.CLEANING, name="保洁组")
    assert services.dispatch_team(estate=estate_a, category=category("public_cleaning")) == cleaning


def test_default_categories_are_seeded():
    codes = set(category().__class__.objects.values_list("code", flat=True))
    assert {
        "plumbing",
        "electrical",
        "water_leak",
        "safety_facility",
        "elevator",
        "doors_locks",
        "public_cleaning",
        "security",
        "landscaping",
        "noise",
        "parking",
        "neighbour_dispute",
        "fees",
        "renovation",
        "other",
    } <= codes
    assert category("water_leak").is_callback_mandatory and category("safety_facility").is_callback_mandatory
    assert not category("plumbing").is_callback_mandatory
    assert SlaTarget.objects.filter(category=category("elevator")).count() == 4
    assert TicketPolicy.objects.filter(estate__isnull=True).count() == 1


def test_unit_from_factory_is_usable(building_a):
    assert UnitFactory(building=building_a).estate == building_a.estate


def test_partial_indexes_cover_exactly_the_running_states():
    from tickets.models import _CLOCK_RUNNING

    assert set(_CLOCK_RUNNING) == set(Ticket.CLOCK_RUNNING)
