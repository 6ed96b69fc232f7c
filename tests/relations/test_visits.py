"""Issue #14, household visits (拜访): logging visits, a follow-up becoming one ticket, important
(重要业户) and quiet (沉默客户) households, and the zone's list of households due a visit."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from relations.models import ImportantHousehold, Visit
from relations.selectors import visits as selectors
from relations.services import visits as services
from tests.factories import BuildingFactory, OccupancyFactory, UnitFactory, make_staff, make_zone
from tests.tickets.factories import CallbackFactory, TicketFactory
from tickets.models import Callback, Ticket, TicketCategory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 8, 31)
CUTOFF = date(2026, 2, 28)  # six months before 31 August: the end of February


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def visit(unit, actor, day: date, **extra) -> Visit:
    values = {"channel": "home", "met": "业主本人", "topics": "物业费", "notes": "", "follow_up": ""}
    values.update(extra)
    return services.log_visit(actor=actor, unit=unit, visited_on=day, now=at(TODAY), **values)


@pytest.fixture
def housekeeper(users):
    return users["housekeeper"]


@pytest.fixture
def zone(estate_a, building_a, housekeeper):
    return make_zone(estate_a, housekeeper, building_a)


def occupied(building, number: str):
    unit = UnitFactory(building=building, entrance="1", number=number)
    OccupancyFactory(unit=unit, start_date=date(2020, 1, 1))
    return unit


# --- quiet households at the six-month edge ------------------------------------------------------


def test_six_months_before_the_end_of_august_is_the_end_of_february():
    assert selectors.quiet_cutoff(TODAY) == CUTOFF
    assert selectors.quiet_cutoff(date(2026, 7, 15)) == date(2026, 1, 15)


def test_a_visit_on_the_cutoff_day_keeps_the_household_from_being_quiet(unit_a, housekeeper):
    visit(unit_a, housekeeper, CUTOFF)
    assert not selectors.is_quiet(unit=unit_a, today=TODAY)


def test_a_visit_the_day_before_the_cutoff_leaves_it_quiet(unit_a, housekeeper):
    visit(unit_a, housekeeper, CUTOFF - timedelta(days=1))
    assert selectors.is_quiet(unit=unit_a, today=TODAY)
    assert not selectors.is_quiet(unit=unit_a, today=date(2026, 8, 27))  # cutoff 27 February


def test_a_ticket_the_household_reported_counts_as_contact_but_one_staff_passed_on_does_not(unit_a):
    TicketFactory(unit=unit_a, channel=Ticket.Channel.STAFF_RELAY, created_at=at(CUTOFF))
    assert selectors.is_quiet(unit=unit_a, today=TODAY)
    TicketFactory(unit=unit_a, channel=Ticket.Channel.PHONE, created_at=at(CUTOFF))
    assert not selectors.is_quiet(unit=unit_a, today=TODAY)


def test_a_callback_that_reached_the_household_counts_as_contact(unit_a):
    ticket = TicketFactory(unit=unit_a, channel=Ticket.Channel.STAFF_RELAY, created_at=at(date(2025, 1, 1)))
    CallbackFactory(ticket=ticket, status=Callback.Status.UNREACHABLE, completed_at=at(CUTOFF))
    assert selectors.is_quiet(unit=unit_a, today=TODAY)
    CallbackFactory(ticket=ticket, round=1, status=Callback.Status.COMPLETED, completed_at=at(CUTOFF))
    assert not selectors.is_quiet(unit=unit_a, today=TODAY)


# --- the due list --------------------------------------------------------------------------------


def test_due_list_important_never_visited_and_quiet(estate_a, building_a, zone, housekeeper):
    never = occupied(building_a, "101")
    recent = occupied(building_a, "102")
    visit(recent, housekeeper, TODAY - timedelta(days=3))
    important_ok = occupied(building_a, "103")
    visit(important_ok, housekeeper, TODAY - timedelta(days=selectors.IMPORTANT_VISIT_DAYS))
    important_late = occupied(building_a, "104")
    visit(important_late, housekeeper, TODAY - timedelta(days=selectors.IMPORTANT_VISIT_DAYS + 1))
    for unit in (important_ok, important_late):
        services.flag_important(actor=housekeeper, unit=unit, reason="独居老人")
    quiet = occupied(building_a, "105")
    visit(quiet, housekeeper, CUTOFF - timedelta(days=1))
    empty = UnitFactory(building=building_a, entrance="1", number="106")  # nobody lives there
    elsewhere = occupied(BuildingFactory(estate=estate_a, code="9"), "101")  # another building, no zone

    rows = list(selectors.households_due(user=housekeeper, zone=zone, today=TODAY))
    due = {u.pk: selectors.due_row(u, TODAY) for u in rows}
    assert set(due) == {never.pk, important_late.pk, quiet.pk}
    assert due[never.pk].never_visited and due[never.pk].is_quiet
    assert due[important_late.pk].important_overdue and not due[important_late.pk].is_quiet
    assert due[quiet.pk].is_quiet and not due[quiet.pk].is_important
    assert empty.pk not in due and elsewhere.pk not in due
    # Longest without a visit first, never visited on top.
    assert [u.pk for u in rows] == [never.pk, quiet.pk, important_late.pk]
    by_unit = list(selectors.households_due(user=housekeeper, zone=zone, today=TODAY, sort="-unit"))
    assert [u.code for u in by_unit] == sorted((u.code for u in by_unit), reverse=True)


def test_due_page_shows_the_housekeepers_zone_in_few_queries(
    client_as, building_a, zone, housekeeper, django_assert_max_num_queries
):
    for n in range(12):
        occupied(building_a, f"2{n:02d}")
    client = client_as(housekeeper)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("relations:visits_due"))
    assert page.status_code == 200
    assert page.content.count(b'data-testid="due-row"') == 12
    assert b'data-testid="log-visit"' in page.content


def test_due_page_for_a_zone_of_another_estate_is_404(client_as, estate_b, users):
    other = make_zone(estate_b, None, name="二区")
    response = client_as(users["supervisor"]).get(reverse("relations:visits_due"), {"zone": other.pk})
    assert response.status_code == 404


# --- logging visits and follow-ups -----------------------------------------------------------


def test_a_visit_in_the_future_or_with_nothing_said_is_refused(unit_a, housekeeper):
    with pytest.raises(ValidationError) as error:
        services.log_visit(
            actor=housekeeper,
            unit=unit_a,
            visited_on=TODAY + timedelta(days=1),
            channel="home",
            met="x",
            now=at(TODAY),
        )
    assert "visited_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.log_visit(actor=housekeeper, unit=unit_a, visited_on=TODAY, channel="home", now=at(TODAY))
    assert "notes" in error.value.message_dict
    assert not Visit.objects.exists()


def test_the_desk_may_not_log_visits_nor_staff_of_another_estate(unit_a, users, estate_b):
    with pytest.raises(PermissionDenied):
        visit(unit_a, users["frontdesk"], TODAY)
    with pytest.raises(PermissionDenied):
        visit(unit_a, make_staff("housekeeper", estate_b, username="hk-b"), TODAY)
    assert not Visit.objects.exists()


def test_a_follow_up_becomes_one_ticket_however_often_it_is_sent(unit_a, housekeeper):
    logged = visit(unit_a, housekeeper, TODAY, follow_up="楼道灯不亮")
    category = TicketCategory.objects.filter(is_active=True).first()
    first = services.raise_follow_up_ticket(actor=housekeeper, visit=logged, kind="repair", category=category)
    again = services.raise_follow_up_ticket(actor=housekeeper, visit=logged, kind="repair", category=category)
    assert first.pk == again.pk and again.is_replay
    assert Ticket.objects.count() == 1
    assert (first.unit, first.channel) == (unit_a, Ticket.Channel.STAFF_RELAY)
    assert "楼道灯不亮" in first.description
    logged.refresh_from_db()
    assert logged.follow_up_ticket == first


def test_a_visit_without_a_follow_up_raises_no_ticket(unit_a, housekeeper):
    logged = visit(unit_a, housekeeper, TODAY)
    category = TicketCategory.objects.filter(is_active=True).first()
    with pytest.raises(Exception, match="no follow-up"):
        services.raise_follow_up_ticket(actor=housekeeper, visit=logged, kind="repair", category=category)
    assert not Ticket.objects.exists()


def test_flag_again_keeps_the_first_and_clearing_keeps_the_history(unit_a, housekeeper):
    first = services.flag_important(actor=housekeeper, unit=unit_a, reason="独居老人")
    assert services.flag_important(actor=housekeeper, unit=unit_a, reason="别的").pk == first.pk
    services.clear_important(actor=housekeeper, unit=unit_a)
    assert not ImportantHousehold.objects.active().exists() and ImportantHousehold.objects.count() == 1
    with pytest.raises(Exception, match="not flagged"):
        services.clear_important(actor=housekeeper, unit=unit_a)


# --- pages --------------------------------------------------------------------------------------


def test_log_a_visit_from_the_page_and_see_it_on_the_unit_page(client_as, unit_a, housekeeper):
    client = client_as(housekeeper)
    response = client.post(
        reverse("relations:visit_create") + f"?unit={unit_a.pk}",
        {"visited_on": timezone.localdate().isoformat(), "channel": "phone", "met": "业主", "topics": "停车"},
    )
    created = Visit.objects.get()
    assert response.status_code == 302 and created.channel == "phone"
    page = client.get(reverse("residents:unit_detail", args=[unit_a.pk]))
    assert b'data-testid="unit-visits"' in page.content
    assert reverse("relations:visit_detail", args=[created.pk]).encode() in page.content


def test_flag_from_the_unit_page(client_as, unit_a, housekeeper):
    client = client_as(housekeeper)
    client.post(reverse("relations:unit_important", args=[unit_a.pk]), {"reason": "重点关注"})
    assert ImportantHousehold.objects.active().get().reason == "重点关注"
    page = client.get(reverse("residents:unit_detail", args=[unit_a.pk]))
    assert b'data-testid="important-flag"' in page.content


def test_a_resident_gets_404_on_the_visit_pages(client_as, resident, unit_a, housekeeper):
    logged = visit(unit_a, housekeeper, TODAY)
    client = client_as(resident)
    assert client.get(reverse("relations:visit_detail", args=[logged.pk])).status_code == 404
    assert client.get(reverse("relations:visits_due")).status_code == 404


# --- API ----------------------------------------------------------------------------------------


def test_api_visit_follow_up_ticket_is_idempotent(api_as, unit_a, housekeeper):
    client = api_as(housekeeper)
    created = client.post(
        "/api/visits/",
        {
            "unit": unit_a.pk,
            "visited_on": timezone.localdate().isoformat(),
            "channel": "desk",
            "topics": "车位",
            "follow_up": "门禁卡失灵",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    category = TicketCategory.objects.filter(is_active=True).first()
    body = {"kind": "repair", "category": category.pk}
    first = client.post(f"/api/visits/{created.data['id']}/ticket/", body, format="json")
    second = client.post(f"/api/visits/{created.data['id']}/ticket/", body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second["Idempotent-Replayed"] == "true" and first.data["ticket"] == second.data["ticket"]
    assert Ticket.objects.count() == 1


def test_api_due_list_and_flags(api_as, building_a, zone, housekeeper, django_assert_max_num_queries):
    units = [occupied(building_a, f"3{n:02d}") for n in range(5)]
    client = api_as(housekeeper)
    flagged = client.post(
        "/api/important-households/", {"unit": units[0].pk, "reason": "残障"}, format="json"
    )
    assert flagged.status_code == 201
    with django_assert_max_num_queries(10):
        due = client.get("/api/visits/due/", {"zone": zone.pk})
    assert due.status_code == 200 and due.data["count"] == 5
    assert {row["unit"] for row in due.data["results"]} == {u.pk for u in units}
    assert client.get("/api/visits/due/", {"zone": "x"}).status_code == 400
    cleared = client.post(f"/api/important-households/{flagged.data['id']}/clear/")
    assert cleared.status_code == 200 and cleared.data["cleared_at"]
    assert client.get("/api/important-households/").data["count"] == 0


def test_api_residents_are_refused(api_as, resident, unit_a):
    client = api_as(resident)
    assert client.get("/api/visits/").status_code == 403
    assert client.post("/api/visits/", {"unit": unit_a.pk}, format="json").status_code == 403
