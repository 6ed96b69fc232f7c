"""Possible duplicates at the desk and linking a second report to the open ticket (issue #12):
the seven-day window, co-reporters with their own callbacks on their own phones, the API, scoping
and query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicecenter.exceptions import DomainError
from tests.factories import PersonFactory
from tests.tickets.factories import TicketFactory, category
from tickets import selectors, services
from tickets.models import Callback, PublicLocation, Ticket, TicketCoReporter, TicketEvent, TicketPolicy

pytestmark = pytest.mark.django_db

S = Ticket.Status


def _dupes(user, **kwargs):
    return [t.number for t in selectors.possible_duplicates(user=user, **kwargs)]


# --- detection ---------------------------------------------------------------------------------


def test_duplicates_are_open_tickets_of_the_same_unit_and_category_from_the_last_seven_days(
    users, unit_a, unit_a2
):
    now = timezone.now()
    plumbing = category("plumbing")
    TicketFactory(unit=unit_a, number="SAME", created_at=now - timedelta(days=6, hours=23))
    TicketFactory(unit=unit_a, number="OLD", created_at=now - timedelta(days=7, minutes=1))
    TicketFactory(unit=unit_a, number="DONE", status=S.RESOLVED)
    TicketFactory(unit=unit_a, number="HELD", status=S.ON_HOLD)
    TicketFactory(unit=unit_a, number="OTHER-CAT", category=category("electrical"))
    TicketFactory(unit=unit_a2, number="OTHER-UNIT")
    found = _dupes(users["frontdesk"], category_id=plumbing.pk, unit_id=unit_a.pk, now=now)
    assert sorted(found) == ["HELD", "SAME"]


def test_duplicates_of_a_public_place(users, estate_a, unit_a):
    lobby = PublicLocation.objects.create(estate=estate_a, name="1栋大堂")
    garden = PublicLocation.objects.create(estate=estate_a, name="花园")
    lift = category("elevator")
    TicketFactory(unit=None, estate=estate_a, public_location=lobby, category=lift, number="LOBBY")
    TicketFactory(unit=None, estate=estate_a, public_location=garden, category=lift, number="GARDEN")
    TicketFactory(unit=unit_a, category=lift, number="UNIT")
    assert _dupes(users["frontdesk"], category_id=lift.pk, public_location_id=lobby.pk) == ["LOBBY"]


def test_no_unit_or_place_or_category_finds_nothing(users, unit_a):
    TicketFactory(unit=unit_a)
    assert _dupes(users["frontdesk"], category_id=None, unit_id=unit_a.pk) == []
    assert _dupes(users["frontdesk"], category_id=category().pk) == []


def test_duplicates_of_another_estate_are_not_shown(users, unit_b):
    TicketFactory(unit=unit_b)
    assert _dupes(users["frontdesk"], category_id=category().pk, unit_id=unit_b.pk) == []


def test_duplicates_cost_one_query(users, unit_a, django_assert_max_num_queries):
    for _ in range(5):
        TicketFactory(unit=unit_a)
    user = users["frontdesk"]
    user.has_perm("tickets.view_all_tickets")  # permission cache warmed, as in a request
    with django_assert_max_num_queries(3):
        assert (
            len(selectors.possible_duplicates(user=user, category_id=category().pk, unit_id=unit_a.pk)) == 5
        )


# --- linking -----------------------------------------------------------------------------------


def test_linking_adds_a_co_reporter_and_a_timeline_row(users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    co = services.link_report(
        ticket=ticket, actor=users["frontdesk"], name="赵女士", phone="139-1234-5678", note="楼上也漏"
    )
    assert (co.name, co.phone, co.phone_masked) == ("赵女士", "13912345678", "139****5678")
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.LINKED)
    assert event.actor == users["frontdesk"] and not event.is_public
    assert "赵女士" in event.note and "139****5678" in event.note and "5678" in event.note
    assert "13912345678" not in event.note  # the timeline shows the masked number only


def test_linking_twice_with_one_key_links_once(users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    first = services.link_report(ticket=ticket, actor=users["frontdesk"], name="赵女士", idempotency_key="k1")
    again = services.link_report(ticket=ticket, actor=users["frontdesk"], name="赵女士", idempotency_key="k1")
    assert again.pk == first.pk and again.is_replay
    assert TicketCoReporter.objects.count() == 1
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.LINKED).count() == 1
    with pytest.raises(services.IdempotencyConflict):
        services.link_report(ticket=ticket, actor=users["frontdesk"], name="钱先生", idempotency_key="k1")


def test_linking_a_resident_from_the_archive(users, unit_a):
    person = PersonFactory(estate=unit_a.estate, mobile="13700001234")
    ticket = TicketFactory(unit=unit_a)
    co = services.link_report(ticket=ticket, actor=users["frontdesk"], person=person)
    assert co.person == person and co.display_name == person.name and co.phone == ""
    with pytest.raises(Exception, match="already reported"):
        services.link_report(ticket=ticket, actor=users["frontdesk"], person=person)


@pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED, S.CANCELLED])
def test_only_an_open_ticket_takes_a_second_report(users, unit_a, status):
    ticket = TicketFactory(unit=unit_a, status=status)
    with pytest.raises(DomainError, match="no longer open"):
        services.link_report(ticket=ticket, actor=users["frontdesk"], name="赵女士")
    assert not TicketCoReporter.objects.exists()


def test_linking_needs_a_name_or_a_resident(users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    with pytest.raises(Exception, match="Who reported it"):
        services.link_report(ticket=ticket, actor=users["frontdesk"], name=" ")


# --- callbacks ---------------------------------------------------------------------------------


def _resolved_with_co_reporter(users, unit_a):
    TicketPolicy.objects.filter(estate__isnull=True).update(callback_share_percent=100)
    ticket = TicketFactory(unit=unit_a, status=S.IN_PROGRESS)
    co = services.link_report(ticket=ticket, actor=users["frontdesk"], name="赵女士", phone="13912345678")
    services.resolve_ticket(ticket=ticket, actor=users["manager"], note="换了阀门")
    return ticket, co


def test_every_reporter_gets_a_callback(users, unit_a):
    ticket, co = _resolved_with_co_reporter(users, unit_a)
    callbacks = Callback.objects.filter(ticket=ticket).order_by("pk")
    assert [c.co_reporter_id for c in callbacks] == [None, co.pk]
    assert all(c.status == Callback.Status.PENDING for c in callbacks)


def test_no_callback_drawn_means_none_for_co_reporters_either(users, unit_a):
    TicketPolicy.objects.filter(estate__isnull=True).update(callback_share_percent=0)
    ticket = TicketFactory(unit=unit_a, status=S.IN_PROGRESS)
    services.link_report(ticket=ticket, actor=users["frontdesk"], name="赵女士")
    services.resolve_ticket(ticket=ticket, actor=users["manager"], note="done")
    assert not Callback.objects.filter(ticket=ticket).exists()


def test_the_call_button_of_a_co_reporters_callback_dials_the_co_reporter(users, unit_a, client_as):
    ticket, co = _resolved_with_co_reporter(users, unit_a)
    callback = Callback.objects.get(ticket=ticket, co_reporter=co)
    response = client_as(users["housekeeper"]).post(reverse("tickets:callback_call", args=[callback.pk]))
    html = response.content.decode()
    assert 'href="tel:13912345678"' in html
    assert "tel:13800001111" not in html  # not the ticket's own reporter (TicketFactory's phone)
    own = Callback.objects.get(ticket=ticket, co_reporter__isnull=True)
    response = client_as(users["housekeeper"]).post(reverse("tickets:callback_call", args=[own.pk]))
    assert 'href="tel:13800001111"' in response.content.decode()


def test_a_co_reporters_callback_moves_nothing_and_survives_the_close(users, unit_a):
    ticket, co = _resolved_with_co_reporter(users, unit_a)
    own = Callback.objects.get(ticket=ticket, co_reporter__isnull=True)
    services.record_callback(callback=own, actor=users["manager"], reached=True, satisfaction=5, solved=True)
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED
    theirs = Callback.objects.get(ticket=ticket, co_reporter=co)
    assert theirs.status == Callback.Status.PENDING
    services.record_callback(
        callback=theirs, actor=users["manager"], reached=True, satisfaction=2, solved=False
    )
    ticket.refresh_from_db()
    theirs.refresh_from_db()
    assert ticket.status == S.CLOSED and theirs.status == Callback.Status.COMPLETED


def test_reopening_cancels_the_co_reporters_callback_too(users, unit_a):
    ticket, co = _resolved_with_co_reporter(users, unit_a)
    services.reopen_ticket(ticket=ticket, actor=users["manager"], reason="again")
    assert set(Callback.objects.filter(ticket=ticket).values_list("status", flat=True)) == {"cancelled"}


# --- pages -------------------------------------------------------------------------------------


def _form(unit, **extra):
    data = {
        "unit": unit.pk,
        "estate": unit.estate_id,
        "kind": "repair",
        "channel": "phone",
        "category": category().pk,
        "description": "楼上漏水",
        "reporter_name": "赵女士",
        "reporter_phone": "13912345678",
        "idempotency_key": "form-token-1",
    }
    return data | extra


def test_the_form_shows_duplicates_on_submit_and_registers_nothing(users, unit_a, client_as):
    existing = TicketFactory(unit=unit_a)
    response = client_as(users["frontdesk"]).post(reverse("tickets:create"), _form(unit_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="possible-duplicates"' in html and existing.number in html
    assert reverse("tickets:link_report", args=[existing.pk]) in html
    assert Ticket.objects.count() == 1


def test_confirming_a_new_problem_registers_it(users, unit_a, client_as):
    TicketFactory(unit=unit_a)
    response = client_as(users["frontdesk"]).post(reverse("tickets:create"), _form(unit_a, confirm_new="1"))
    assert response.status_code == 302
    assert Ticket.objects.count() == 2


def test_linking_from_the_form(users, unit_a, client_as):
    existing = TicketFactory(unit=unit_a)
    client = client_as(users["frontdesk"])
    url = reverse("tickets:link_report", args=[existing.pk])
    response = client.post(url, _form(unit_a))
    assert response.status_code == 302 and response["Location"] == reverse(
        "tickets:detail", args=[existing.pk]
    )
    assert client.post(url, _form(unit_a)).status_code == 302  # the form sent twice
    co = TicketCoReporter.objects.get()
    assert (co.ticket, co.name, co.phone, co.note) == (existing, "赵女士", "13912345678", "楼上漏水")
    assert Ticket.objects.count() == 1
    page = client.get(reverse("tickets:detail", args=[existing.pk])).content.decode()
    assert 'data-testid="co-reporters"' in page and "赵女士" in page and "139****5678" in page


def test_the_duplicates_panel_endpoint(users, unit_a, client_as):
    existing = TicketFactory(unit=unit_a)
    response = client_as(users["frontdesk"]).get(
        reverse("tickets:duplicates"), {"unit": unit_a.pk, "category": category().pk}
    )
    assert response.status_code == 200 and existing.number in response.content.decode()


def test_linking_a_ticket_of_another_estate_is_a_404(users, unit_b, client_as):
    other = TicketFactory(unit=unit_b)
    response = client_as(users["frontdesk"]).post(
        reverse("tickets:link_report", args=[other.pk]), _form(unit_b)
    )
    assert response.status_code == 404
    assert not TicketCoReporter.objects.exists()


# --- API ---------------------------------------------------------------------------------------


def test_api_link_report_is_idempotent(users, unit_a, api_as):
    ticket = TicketFactory(unit=unit_a)
    client = api_as(users["frontdesk"])
    url = f"/api/tickets/{ticket.pk}/link-report/"
    body = {"reporter_name": "赵女士", "reporter_phone": "13912345678"}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.content
    assert first.json()["phone_masked"] == "139****5678" and "13912345678" not in first.content.decode()
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = client.post(url, {"reporter_name": "钱先生"}, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert other.status_code == 409
    assert TicketCoReporter.objects.count() == 1


def test_api_link_report_refuses_a_closed_ticket_and_other_estates(users, unit_a, unit_b, api_as):
    client = api_as(users["frontdesk"])
    closed = TicketFactory(unit=unit_a, status=S.CLOSED)
    assert (
        client.post(
            f"/api/tickets/{closed.pk}/link-report/", {"reporter_name": "x"}, format="json"
        ).status_code
        == 409
    )
    other = TicketFactory(unit=unit_b)
    assert (
        client.post(
            f"/api/tickets/{other.pk}/link-report/", {"reporter_name": "x"}, format="json"
        ).status_code
        == 404
    )


def test_api_technicians_and_residents_may_not_link(users, unit_a, api_as, resident):
    ticket = TicketFactory(unit=unit_a)
    for user in (users["technician"], resident):
        response = api_as(user).post(
            f"/api/tickets/{ticket.pk}/link-report/", {"reporter_name": "x"}, format="json"
        )
        assert response.status_code in (403, 404)
    assert not TicketCoReporter.objects.exists()


def test_api_possible_duplicates(users, unit_a, unit_b, api_as, django_assert_max_num_queries):
    mine = TicketFactory(unit=unit_a)
    TicketFactory(unit=unit_b)
    client = api_as(users["frontdesk"])
    with django_assert_max_num_queries(8):
        response = client.get(
            "/api/tickets/possible-duplicates/", {"unit": unit_a.pk, "category": category().pk}
        )
    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [mine.number]
    assert client.get(
        "/api/tickets/possible-duplicates/", {"unit": unit_b.pk, "category": category().pk}
    ).json() == {"results": []}
    assert client.get("/api/tickets/possible-duplicates/", {"category": category().pk}).status_code == 400


def test_detail_page_queries_do_not_grow_with_co_reporters(users, unit_a, client_as):
    ticket = TicketFactory(unit=unit_a)
    client = client_as(users["manager"])
    url = reverse("tickets:detail", args=[ticket.pk])
    services.link_report(ticket=ticket, actor=users["frontdesk"], name="邻居", phone="13900000009")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(4):
        services.link_report(ticket=ticket, actor=users["frontdesk"], name=f"邻居{n}", phone=f"1390000000{n}")
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    assert len(five) == len(one)


def test_api_ticket_detail_lists_co_reporters_for_staff_only(users, unit_a, api_as, resident):
    ticket = TicketFactory(unit=unit_a)
    services.link_report(ticket=ticket, actor=users["frontdesk"], name="赵女士", phone="13912345678")
    staff = api_as(users["frontdesk"]).get(f"/api/tickets/{ticket.pk}/").json()
    assert [(r["name"], r["phone_masked"]) for r in staff["co_reporters"]] == [("赵女士", "139****5678")]
    mine = api_as(resident).get(f"/api/tickets/{ticket.pk}/")
    assert mine.status_code == 200 and mine.json()["co_reporters"] == []
