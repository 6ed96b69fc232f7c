"""KPI definitions that cannot be gamed (issue: correct figures), each on fixed data through the
shared selectors: timeliness on the first resolution, complaints answered only by replies that
reached the complainant, sampling that re-checks unreachable callbacks, KPIs by team, staff
member and zone, root causes and public locations."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from staff.models import Notification, Team
from tests.factories import BuildingFactory, TeamFactory, UnitFactory, make_resident, make_staff, make_zone
from tests.tickets.factories import CallbackFactory, TicketFactory, category, register
from tickets import selectors, services
from tickets.models import Callback, CallbackReview, PublicLocation, RootCause, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
S = Ticket.Status
MARCH = date(2025, 3, 1)


def at(day, hour, minute=0):
    return datetime(2025, 3, day, hour, minute, tzinfo=TZ)


def cause(code="workmanship"):
    return RootCause.objects.get(code=code)


# --- timeliness: the first resolution against the original deadline -------------------------


def test_a_late_resolution_stays_late_after_reopen_and_a_quick_second_resolution(users, unit_a, maintenance):
    supervisor = users["supervisor"]
    ticket = register(supervisor, unit_a, now=at(2, 9))  # normal plumbing: 3 days to resolve
    original_due = ticket.resolution_due_at
    services.assign_ticket(ticket=ticket, actor=supervisor, team=maintenance, now=at(2, 10))
    services.start_ticket(ticket=ticket, actor=supervisor, now=at(2, 11))
    late = original_due + timedelta(days=2)
    services.resolve_ticket(ticket=ticket, actor=supervisor, note="已修复", now=late)
    services.reopen_ticket(ticket=ticket, actor=supervisor, reason="仍漏水", now=late + timedelta(hours=1))
    services.assign_ticket(ticket=ticket, actor=supervisor, team=maintenance, now=late + timedelta(hours=2))
    services.start_ticket(ticket=ticket, actor=supervisor, now=late + timedelta(hours=3))
    services.resolve_ticket(ticket=ticket, actor=supervisor, note="更换阀门", now=late + timedelta(hours=4))
    ticket.refresh_from_db()
    # The reopen gave a fresh working deadline, which the second resolution met...
    assert ticket.resolved_at <= ticket.resolution_due_at
    # ...but the KPI keeps the first resolution and the promise then in force.
    assert (ticket.first_resolved_at, ticket.first_resolution_due_at) == (late, original_due)
    m = selectors.ticket_metrics(estate=unit_a.estate, month=MARCH, now=late + timedelta(days=1))
    assert m.timely_handling_rate == 0.0


def test_time_on_hold_before_the_first_resolution_moves_the_original_deadline(users, unit_a, maintenance):
    supervisor = users["supervisor"]
    ticket = register(supervisor, unit_a, now=at(2, 9))
    original_due = ticket.resolution_due_at
    services.assign_ticket(ticket=ticket, actor=supervisor, team=maintenance, now=at(2, 10))
    services.start_ticket(ticket=ticket, actor=supervisor, now=at(2, 11))
    services.hold_ticket(ticket=ticket, actor=supervisor, reason="等配件", now=at(2, 12))
    services.resume_ticket(ticket=ticket, actor=supervisor, now=at(4, 12))  # two days on hold
    resolved = original_due + timedelta(days=1)  # a day past the original, within the extension
    services.resolve_ticket(ticket=ticket, actor=supervisor, note="已修复", now=resolved)
    ticket.refresh_from_db()
    assert ticket.first_resolution_due_at > resolved
    m = selectors.ticket_metrics(estate=unit_a.estate, month=MARCH, now=resolved)
    assert m.timely_handling_rate == 1.0


# --- complaints: only a reply that reached the complainant counts --------------------------


def test_only_recorded_replies_answer_a_complaint(users, unit_a, maintenance):
    supervisor = users["supervisor"]
    worked = register(supervisor, unit_a, kind="complaint", category=category("noise"), now=at(2, 9))
    services.assign_ticket(ticket=worked, actor=supervisor, team=maintenance, now=at(2, 10))
    services.start_ticket(ticket=worked, actor=supervisor, now=at(2, 11))
    services.hold_ticket(ticket=worked, actor=supervisor, reason="等物业公司答复", now=at(2, 12))
    services.add_comment(ticket=worked, actor=supervisor, body="内部记录", now=at(2, 13))
    replied = register(supervisor, unit_a, kind="complaint", category=category("noise"), now=at(3, 9))
    event = services.reply_to_reporter(
        ticket=replied, actor=users["frontdesk"], channel="phone", note="已致电说明", now=at(5, 8)
    )
    assert (event.kind, event.channel, event.is_public) == (TicketEvent.Kind.REPLIED, "phone", False)
    replied.refresh_from_db()
    assert replied.first_replied_at == at(5, 8) and replied.first_responded_at == at(5, 8)
    # 72 h later: the worked-on complaint was never answered; the other was, after 71 h.
    m = selectors.ticket_metrics(estate=unit_a.estate, month=MARCH, now=at(6, 12))
    assert m.complaints_replied_within_72h_rate == 0.5
    # A second reply does not move the first.
    services.reply_to_reporter(ticket=replied, actor=supervisor, channel="sms", note="再次告知", now=at(9, 8))
    replied.refresh_from_db()
    assert replied.first_replied_at == at(5, 8)


def test_a_portal_reply_needs_a_portal_account_and_reaches_the_resident(users, unit_a):
    walk_in = register(users["frontdesk"], unit_a, kind="complaint", now=at(2, 9))
    with pytest.raises(ValidationError) as exc:
        services.reply_to_reporter(ticket=walk_in, actor=users["frontdesk"], channel="portal", note="您好")
    assert "channel" in exc.value.message_dict
    walk_in.refresh_from_db()
    assert walk_in.first_replied_at is None and not walk_in.events.filter(kind="replied").exists()

    resident = make_resident(unit_a, username="owner")
    person = resident.persons.get()
    ticket = register(users["frontdesk"], unit_a, kind="complaint", reporter=person, now=at(2, 9))
    event = services.reply_to_reporter(
        ticket=ticket, actor=users["frontdesk"], channel="portal", note="已安排维修", now=at(2, 10)
    )
    assert event.is_public  # on the resident's own timeline
    assert Notification.objects.filter(recipient=resident, kind="ticket_reply").count() == 1


@pytest.mark.parametrize("channel, note", [("fax", "说明"), ("phone", "  ")])
def test_reply_refuses_bad_input_and_changes_nothing(users, unit_a, channel, note):
    ticket = register(users["frontdesk"], unit_a, kind="complaint", now=at(2, 9))
    with pytest.raises(ValidationError):
        services.reply_to_reporter(ticket=ticket, actor=users["frontdesk"], channel=channel, note=note)
    ticket.refresh_from_db()
    assert ticket.first_replied_at is None and not ticket.events.filter(kind="replied").exists()


# --- callback sampling: unreachable callbacks are re-checked too -----------------------------


def test_sampling_draws_unreachable_callbacks_and_the_recheck_is_held_against_the_original(unit_a):
    reached = CallbackFactory(
        ticket=TicketFactory(unit=unit_a, status=S.CLOSED),
        status=Callback.Status.COMPLETED,
        reached=True,
        satisfaction=5,
        is_solved=True,
        completed_at=at(10, 10),
    )
    unreachable = CallbackFactory(
        ticket=TicketFactory(unit=unit_a, status=S.CLOSED),
        status=Callback.Status.UNREACHABLE,
        reached=False,
        attempt_count=3,
        completed_at=at(11, 10),
    )
    CallbackFactory(ticket=TicketFactory(unit=unit_a), status=Callback.Status.PENDING)
    [sample] = services.draw_callback_samples(now=datetime(2025, 4, 1, 6, tzinfo=TZ), rng=random.Random(1))
    assert sample.population == 2
    reviews = {r.callback_id: r for r in sample.reviews.select_related("callback")}
    assert set(reviews) == {reached.pk, unreachable.pk}  # the policy's minimum takes both

    manager = make_staff("manager", unit_a.estate, username="mgr2")
    services.record_callback_review(
        review=reviews[unreachable.pk], actor=manager, result=CallbackReview.Result.DISPUTED, note="一打就通"
    )
    services.record_callback_review(
        review=reviews[reached.pk], actor=manager, result=CallbackReview.Result.CONFIRMED
    )
    fresh = {r.callback_id: r for r in CallbackReview.objects.select_related("callback")}
    assert fresh[unreachable.pk].matches_original is False
    assert fresh[reached.pk].matches_original is True


def test_review_page_shows_the_original_outcome_beside_the_recheck(client, users, unit_a):
    callback = CallbackFactory(
        ticket=TicketFactory(unit=unit_a, status=S.CLOSED),
        status=Callback.Status.UNREACHABLE,
        reached=False,
        attempt_count=3,
        completed_at=at(11, 10),
    )
    [sample] = services.draw_callback_samples(now=datetime(2025, 4, 1, 6, tzinfo=TZ), rng=random.Random(1))
    review = sample.reviews.get(callback=callback)
    services.record_callback_review(
        review=review, actor=users["manager"], result=CallbackReview.Result.DISPUTED
    )
    client.force_login(users["manager"])
    html = client.get("/tickets/callback-reviews/?done=1").content.decode()
    assert "unreachable after 3 attempts" in html and "differs from the original" in html


# --- KPIs by team, staff member and zone ------------------------------------------------------


@pytest.fixture
def two_teams_month(estate_a, building_a, unit_a):
    """Estate A in March: the plumbers resolve one ticket on time and one late; the cleaners one
    on time. Zone 一区 holds building 3 (unit_a); building 5 is in no zone."""
    plumbers = TeamFactory(estate=estate_a, kind=Team.Kind.MAINTENANCE, name="维修组")
    cleaners = TeamFactory(estate=estate_a, kind=Team.Kind.CLEANING, name="保洁组")
    wang = make_staff("technician", estate_a, username="wang", first_name="王", team=plumbers)
    li = make_staff("technician", estate_a, username="li", first_name="李", team=cleaners)
    zone = make_zone(estate_a, make_staff("housekeeper", estate_a, username="hk1"), building_a, name="一区")
    other_unit = UnitFactory(building=BuildingFactory(estate=estate_a, code="5", name="5栋"), number="0101")

    def done(unit, team, assignee, late):
        due = at(4, 12)
        resolved = due + timedelta(hours=5) if late else due - timedelta(hours=5)
        return TicketFactory(
            unit=unit,
            team=team,
            assignee=assignee,
            status=S.RESOLVED,
            created_at=at(2, 9),
            resolution_due_at=due,
            resolved_at=resolved,
        )

    done(unit_a, plumbers, wang, late=False)
    done(other_unit, plumbers, wang, late=True)
    done(unit_a, cleaners, li, late=False)
    return {"plumbers": plumbers, "cleaners": cleaners, "wang": wang, "li": li, "zone": zone}


def test_kpis_by_team_staff_member_and_zone_use_the_same_definitions(two_teams_month, estate_a):
    now = at(20, 12)
    t = two_teams_month
    by_team = {
        row.key: row for row in selectors.ticket_metrics_by(estate=estate_a, month=MARCH, by="team", now=now)
    }
    assert by_team[t["plumbers"].pk].label == "维修组"
    assert by_team[t["plumbers"].pk].metrics.ticket_count == 2
    assert by_team[t["plumbers"].pk].metrics.timely_handling_rate == 0.5
    assert by_team[t["cleaners"].pk].metrics.timely_handling_rate == 1.0
    by_person = {
        row.key: row
        for row in selectors.ticket_metrics_by(estate=estate_a, month=MARCH, by="assignee", now=now)
    }
    assert by_person[t["wang"].pk].label == "王" and by_person[t["wang"].pk].metrics.ticket_count == 2
    by_zone = {
        row.key: row for row in selectors.ticket_metrics_by(estate=estate_a, month=MARCH, by="zone", now=now)
    }
    assert by_zone[t["zone"].pk].label == "一区" and by_zone[t["zone"].pk].metrics.ticket_count == 2
    assert by_zone[None].metrics.ticket_count == 1 and by_zone[None].metrics.timely_handling_rate == 0.0
    whole = selectors.ticket_metrics(estate=estate_a, month=MARCH, now=now)
    assert whole.timely_handling_rate == round(2 / 3, 4)
    assert sum(row.metrics.ticket_count for row in by_zone.values()) == whole.ticket_count


def test_kpis_by_group_take_a_fixed_number_of_queries(
    two_teams_month, estate_a, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        selectors.ticket_metrics_by(estate=estate_a, month=MARCH, by="zone", now=at(20, 12))


def test_metrics_api_groups_by_team(two_teams_month, estate_a, users, api_as):
    response = api_as(users["manager"]).get(
        f"/api/tickets/metrics/?estate={estate_a.pk}&month=2025-03&by=team"
    )
    assert response.status_code == 200
    rows = {row["label"]: row for row in response.json()["results"]}
    assert rows["维修组"]["ticket_count"] == 2 and rows["保洁组"]["ticket_count"] == 1
    bad = api_as(users["manager"]).get(f"/api/tickets/metrics/?estate={estate_a.pk}&month=2025-03&by=floor")
    assert bad.status_code == 400


def test_metrics_page_shows_the_breakdowns(two_teams_month, estate_a, users, client):
    client.force_login(users["manager"])
    html = client.get(f"/tickets/metrics/?estate={estate_a.pk}&month=2025-03").content.decode()
    assert "By team" in html and "维修组" in html and "一区" in html


# --- root causes --------------------------------------------------------------------------------


def test_a_complaint_is_resolved_and_closed_with_its_root_cause(users, unit_a, maintenance):
    supervisor = users["supervisor"]
    complaint = TicketFactory(unit=unit_a, kind="complaint", status=S.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.resolve_ticket(ticket=complaint, actor=supervisor, note="已处理")
    assert "root_cause" in exc.value.message_dict
    complaint.refresh_from_db()
    assert complaint.status == S.IN_PROGRESS
    retired = RootCause.objects.create(code="old", name="旧原因", is_active=False)
    with pytest.raises(ValidationError):
        services.resolve_ticket(ticket=complaint, actor=supervisor, note="已处理", root_cause=retired)
    services.resolve_ticket(
        ticket=complaint, actor=supervisor, note="已处理", root_cause=cause("staff_attitude")
    )
    complaint.refresh_from_db()
    assert complaint.root_cause.code == "staff_attitude"

    repair = TicketFactory(unit=unit_a, status=S.IN_PROGRESS)
    services.resolve_ticket(ticket=repair, actor=supervisor, note="已修复")  # no cause needed
    assert Ticket.objects.get(pk=repair.pk).root_cause is None


def test_closing_a_complaint_by_hand_needs_a_root_cause_if_it_has_none(users, unit_a):
    legacy = TicketFactory(unit=unit_a, kind="complaint", status=S.RESOLVED)  # resolved before causes
    with pytest.raises(ValidationError):
        services.close_ticket(ticket=legacy, actor=users["supervisor"])
    services.close_ticket(ticket=legacy, actor=users["supervisor"], root_cause=cause("third_party"))
    legacy.refresh_from_db()
    assert (legacy.status, legacy.root_cause.code) == (S.CLOSED, "third_party")


def test_root_cause_names_are_translated_on_display():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(cause("materials")) != "Materials"
    with translation.override("en"):
        assert str(cause("materials")) == "Materials"


# --- public locations and the API --------------------------------------------------------------


def test_locations_api_lists_only_the_estates_within_reach(users, estate_a, estate_b, api_as):
    PublicLocation.objects.create(estate=estate_a, name="北门", sort_order=2)
    PublicLocation.objects.create(estate=estate_a, name="大堂", sort_order=1)
    PublicLocation.objects.create(estate=estate_a, name="旧会所", is_active=False)
    PublicLocation.objects.create(estate=estate_b, name="A座大堂")
    response = api_as(users["frontdesk"]).get("/api/locations/")
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["大堂", "北门"]
    causes = api_as(users["frontdesk"]).get("/api/root-causes/").json()
    assert [c["code"] for c in causes][:2] == ["workmanship", "materials"]


def test_reply_through_the_api_and_who_may(users, unit_a, api_as, technician):
    ticket = register(users["frontdesk"], unit_a, kind="complaint")
    url = f"/api/tickets/{ticket.pk}/reply/"
    refused = api_as(technician).post(url, {"channel": "phone", "note": "已回复"}, format="json")
    assert refused.status_code in (403, 404)
    response = api_as(users["housekeeper"]).post(url, {"channel": "phone", "note": "已回复"}, format="json")
    assert response.status_code == 201 and response.json()["channel"] == "phone"
    assert (
        api_as(users["housekeeper"]).post(url, {"channel": "x", "note": "a"}, format="json").status_code
        == 400
    )
    assert Ticket.objects.get(pk=ticket.pk).events.filter(kind="replied").count() == 1


def test_resolving_a_complaint_through_the_api_needs_the_root_cause(users, unit_a, api_as):
    complaint = TicketFactory(unit=unit_a, kind="complaint", status=S.IN_PROGRESS)
    client = api_as(users["supervisor"])
    url = f"/api/tickets/{complaint.pk}/resolve/"
    assert client.post(url, {"note": "已处理"}, format="json").status_code == 400
    ok = client.post(url, {"note": "已处理", "root_cause": cause("response_time").pk}, format="json")
    assert ok.status_code == 200 and ok.json()["root_cause"] == cause("response_time").pk


def test_desk_ticket_page_offers_the_reply_and_records_it(users, unit_a, client):
    ticket = register(users["frontdesk"], unit_a, kind="complaint")
    client.force_login(users["frontdesk"])
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'name="channel"' in page
    response = client.post(f"/tickets/{ticket.pk}/act/reply/", {"channel": "in_person", "note": "当面解释"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.first_replied_at is not None
