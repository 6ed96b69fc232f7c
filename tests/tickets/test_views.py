"""Staff pages: list, new-ticket form and type-ahead, ticket page and its actions, my work,
callbacks, re-checks, KPIs, and the unit page panel. Real permissions, query counts bounded."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from residents.models import Occupancy
from tests.factories import OccupancyFactory, PersonFactory, make_staff, make_zone
from tests.tickets.factories import CallbackFactory, TicketFactory, category
from tickets import services
from tickets.models import Callback, CallbackReview, Ticket

pytestmark = pytest.mark.django_db
S = Ticket.Status
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc8!'\x07\x00\x02\xb6\x01\x054\xa6u\xaa\x00\x00\x00\x00IEND\xaeB`\x82"  # 1×1, decodable: uploads are re-encoded


# --- the list ----------------------------------------------------------------------------------


def test_list_shows_scoped_tickets(client_as, users, unit_a, unit_b):
    mine = TicketFactory(unit=unit_a)
    other = TicketFactory(unit=unit_b)
    html = client_as(users["frontdesk"]).get(reverse("tickets:list")).content.decode()
    assert mine.number in html and other.number not in html


def test_list_filters_and_saved_views(client_as, technician, unit_a, maintenance, customer_service):
    mine = TicketFactory(unit=unit_a, team=maintenance, assignee=technician, status=S.ASSIGNED)
    team = TicketFactory(unit=unit_a, team=maintenance, status=S.NEW)
    client = client_as(technician)
    html = client.get(reverse("tickets:list") + "?view=mine").content.decode()
    assert mine.number in html and team.number not in html
    html = client.get(reverse("tickets:list") + "?view=team").content.decode()
    assert mine.number in html and team.number in html
    html = client.get(reverse("tickets:list") + "?status=new").content.decode()
    assert team.number in html and mine.number not in html


def test_list_bad_filter_shows_an_error_not_a_crash(client_as, users):
    response = client_as(users["frontdesk"]).get(reverse("tickets:list") + "?created_after=yesterday")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_list_query_count_is_fixed(
    client_as, users, unit_a, technician, maintenance, django_assert_max_num_queries
):
    client = client_as(users["supervisor"])
    TicketFactory.create_batch(30, unit=unit_a, team=maintenance, assignee=technician, status=S.ASSIGNED)
    client.get(reverse("tickets:list"))
    with django_assert_max_num_queries(13) as few:
        client.get(reverse("tickets:list"))
    TicketFactory.create_batch(30, unit=unit_a, team=maintenance, assignee=technician, status=S.ASSIGNED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("tickets:list"))
    assert response.content.decode().count('href="/tickets/') >= 25


def test_list_pages_without_counting_the_whole_table(client_as, users, unit_a):
    TicketFactory.create_batch(27, unit=unit_a)
    client = client_as(users["supervisor"])
    first = client.get(reverse("tickets:list")).content.decode()
    assert "1–25" in first and "27" in first and "page=2" in first
    second = client.get(reverse("tickets:list") + "?page=2").content.decode()
    assert "26–27" in second


def test_list_needs_permission(client_as, users, resident):
    # Residents get a 404 on staff pages (the README's promise); staff without the permission a 403.
    assert client_as(resident).get(reverse("tickets:list")).status_code == 404


def test_list_redirects_anonymous_to_login(client):
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- new ticket --------------------------------------------------------------------------------


def test_new_ticket_form_sends_category_defaults(client_as, users, maintenance):
    html = client_as(users["frontdesk"]).get(reverse("tickets:create")).content.decode()
    assert 'id="category-defaults"' in html and '"team_kind": "maintenance"' in html
    assert 'id="teams-by-estate"' in html and f'"maintenance": {maintenance.pk}' in html
    assert "js/tickets.js" in html


def test_frontdesk_registers_a_phone_complaint(client_as, users, unit_a, resident, customer_service):
    person = Occupancy.objects.get(unit=unit_a).person
    response = client_as(users["frontdesk"]).post(
        reverse("tickets:create"),
        {
            "unit": unit_a.pk,
            "reporter": person.pk,
            "kind": "complaint",
            "channel": "phone",
            "category": category("noise").pk,
            "description": "楼上深夜装修噪音",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert (ticket.kind, ticket.reporter, ticket.unit, ticket.priority) == (
        "complaint",
        person,
        unit_a,
        "normal",
    )


def test_register_and_start_another_returns_to_the_form(client_as, users, unit_a):
    response = client_as(users["frontdesk"]).post(
        reverse("tickets:create"),
        {
            "unit": unit_a.pk,
            "kind": "repair",
            "channel": "walk_in",
            "category": category().pk,
            "description": "门禁坏了",
            "reporter_name": "王",
            "another": "1",
        },
    )
    assert response["Location"] == reverse("tickets:create")


def test_new_ticket_with_photos(client_as, users, unit_a):
    client_as(users["frontdesk"]).post(
        reverse("tickets:create"),
        {
            "unit": unit_a.pk,
            "kind": "repair",
            "channel": "walk_in",
            "category": category().pk,
            "description": "墙面渗水",
            "reporter_name": "王",
            "photos": [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)],
        },
    )
    assert Ticket.objects.get().attachments.count() == 2


def test_new_ticket_errors_are_shown_and_nothing_saved(client_as, users, unit_b):
    response = client_as(users["frontdesk"]).post(
        reverse("tickets:create"),
        {
            "unit": unit_b.pk,
            "kind": "repair",
            "channel": "phone",
            "category": category().pk,
            "description": "",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a unit from the search results." in html and "This field is required." in html
    assert not Ticket.objects.exists()


def test_new_ticket_service_error_lands_on_its_field(client_as, users, unit_a):
    response = client_as(users["frontdesk"]).post(
        reverse("tickets:create"),
        {
            "unit": unit_a.pk,
            "kind": "repair",
            "channel": "phone",
            "category": category().pk,
            "description": "x",
            "reporter_name": "王",
            "is_paid_service": "on",
        },
    )
    assert response.status_code == 400 and "Enter the price of the paid service." in response.content.decode()


def test_new_ticket_prefills_the_unit_from_the_unit_page(client_as, users, unit_a):
    html = (
        client_as(users["frontdesk"]).get(reverse("tickets:create") + f"?unit={unit_a.pk}").content.decode()
    )
    assert f'name="unit" value="{unit_a.pk}"' in html and "3-2-1101" in html


def test_lookup_by_phone_name_and_unit_masks_phones(client_as, users, unit_a, unit_b):
    person = PersonFactory(estate=unit_a.estate, name="赵敏", mobile="13912345678")
    OccupancyFactory(unit=unit_a, person=person)
    outsider = PersonFactory(estate=unit_b.estate, name="赵四", mobile="13912340000")
    OccupancyFactory(unit=unit_b, person=outsider)
    client = client_as(users["frontdesk"])
    for query in ("5678", "13912345678", "139-1234-5678", "赵", "3-2-11"):
        rows = client.get(reverse("tickets:lookup"), {"q": query}).json()["results"]
        assert [r["person"]["id"] for r in rows if r["person"]] == [person.pk], query
        assert rows[0]["unit"]["code"] == "3-2-1101"
        assert rows[0]["person"]["mobile_masked"] == "139****5678"
        assert "13912345678" not in str(rows)


def test_lookup_finds_units_without_occupants(client_as, users, unit_a2):
    rows = client_as(users["frontdesk"]).get(reverse("tickets:lookup"), {"q": "3-2-1102"}).json()["results"]
    assert rows == [
        {
            "unit": {
                "id": unit_a2.pk,
                "code": "3-2-1102",
                "estate_id": unit_a2.estate_id,
                "estate": "绿景苑",
            },
            "person": None,
        }
    ]


def test_lookup_needs_two_characters_and_permission(client_as, users, technician):
    assert client_as(users["frontdesk"]).get(reverse("tickets:lookup"), {"q": "1"}).json() == {"results": []}
    assert client_as(users["frontdesk"]).get(reverse("tickets:lookup"), {"q": " "}).json() == {"results": []}
    assert client_as(technician).get(reverse("tickets:lookup"), {"q": "13"}).status_code == 403


def test_lookup_query_count_is_fixed(client_as, users, unit_a, django_assert_max_num_queries):
    for n in range(8):
        OccupancyFactory(unit=unit_a, person=PersonFactory(estate=unit_a.estate, name=f"钱{n}"))
    client = client_as(users["frontdesk"])
    client.get(reverse("tickets:lookup"), {"q": "钱"})
    with django_assert_max_num_queries(8):
        assert len(client.get(reverse("tickets:lookup"), {"q": "钱"}).json()["results"]) == 8


# --- the ticket page ---------------------------------------------------------------------------


def test_ticket_page_shows_timeline_files_and_actions(client_as, users, unit_a, maintenance):
    ticket = TicketFactory(unit=unit_a, team=maintenance)
    services.add_comment(ticket=ticket, actor=users["frontdesk"], body="请带梯子", is_public=False)
    html = client_as(users["supervisor"]).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert ticket.number in html and "请带梯子" in html and "internal" in html
    assert reverse("tickets:action", args=[ticket.pk, "assign"]) in html
    assert reverse("tickets:action", args=[ticket.pk, "cancel"]) in html
    assert reverse("tickets:action", args=[ticket.pk, "resolve"]) not in html


def test_ticket_page_query_count_is_fixed(client_as, users, unit_a, django_assert_max_num_queries):
    ticket = TicketFactory(unit=unit_a)
    for n in range(6):
        services.add_comment(ticket=ticket, actor=users["frontdesk"], body=f"n{n}", is_public=bool(n % 2))
    client = client_as(users["supervisor"])
    client.get(reverse("tickets:detail", args=[ticket.pk]))
    with django_assert_max_num_queries(22):
        assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 200


def test_ticket_page_queries_do_not_grow_with_the_timeline(
    client_as, users, technician, unit_a, maintenance, django_assert_max_num_queries
):
    # Dispatched, so the team and the assignee (fetched by key beside the ticket) are there.
    ticket = TicketFactory(unit=unit_a, team=maintenance, assignee=technician, status=S.ASSIGNED)
    client = client_as(users["supervisor"])
    url = reverse("tickets:detail", args=[ticket.pk])
    client.get(url)
    with django_assert_max_num_queries(15) as short:
        client.get(url)
    for n in range(25):
        services.add_comment(ticket=ticket, actor=users["frontdesk"], body=f"第{n}次", is_public=bool(n % 2))
    with django_assert_max_num_queries(len(short.captured_queries)):
        html = client.get(url).content.decode()
    assert "第0次" in html and "第24次" in html and maintenance.name in html


def test_ticket_of_another_estate_is_404(client_as, unit_a, estate_b):
    ticket = TicketFactory(unit=unit_a)
    outsider = make_staff("supervisor", estate_b, username="sup-b")
    client = client_as(outsider)
    assert client.get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404
    assert (
        client.post(reverse("tickets:action", args=[ticket.pk, "cancel"]), {"reason": "x"}).status_code == 404
    )
    assert client.post(reverse("tickets:comment", args=[ticket.pk]), {"body": "x"}).status_code == 404


def test_actions_through_the_page(client_as, users, technician, unit_a, maintenance):
    ticket = TicketFactory(unit=unit_a, team=maintenance)
    desk = client_as(users["frontdesk"])
    desk.post(reverse("tickets:action", args=[ticket.pk, "assign"]), {"assignee": technician.pk})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (S.ASSIGNED, technician)
    tech = client_as(technician)
    tech.post(reverse("tickets:action", args=[ticket.pk, "start"]))
    tech.post(reverse("tickets:action", args=[ticket.pk, "hold"]), {"reason": "等配件"})
    tech.post(reverse("tickets:action", args=[ticket.pk, "resume"]))
    response = tech.post(
        reverse("tickets:action", args=[ticket.pk, "resolve"]),
        {"note": "换了水龙头", "next": reverse("tickets:my_work")},
    )
    assert response["Location"] == reverse("tickets:my_work")
    ticket.refresh_from_db()
    assert ticket.status == S.RESOLVED
    assert list(ticket.events.values_list("to_status", flat=True)) == [
        "assigned",
        "in_progress",
        "on_hold",
        "in_progress",
        "resolved",
    ]


def test_action_refused_by_the_lifecycle_shows_a_message_and_changes_nothing(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.ASSIGNED)
    client = client_as(users["supervisor"])
    Ticket.objects.filter(pk=ticket.pk).update(status=S.CLOSED)  # closed by someone else meanwhile
    response = client.post(reverse("tickets:action", args=[ticket.pk, "start"]), follow=True)
    assert "This action is not allowed" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED


def test_action_without_permission_is_403(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.ASSIGNED)
    assert (
        client_as(users["frontdesk"]).post(reverse("tickets:action", args=[ticket.pk, "start"])).status_code
        == 403
    )
    assert (
        client_as(users["frontdesk"]).post(reverse("tickets:action", args=[ticket.pk, "fly"])).status_code
        == 404
    )


def test_action_with_missing_reason_shows_an_error(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    response = client_as(users["frontdesk"]).post(
        reverse("tickets:action", args=[ticket.pk, "cancel"]), follow=True
    )
    assert "This field is required." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == S.NEW


def test_unsafe_next_is_ignored(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    response = client_as(users["frontdesk"]).post(
        reverse("tickets:action", args=[ticket.pk, "cancel"]),
        {"reason": "重复", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk])


def test_comments_internal_and_public(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    client = client_as(users["frontdesk"])
    client.post(reverse("tickets:comment", args=[ticket.pk]), {"body": "已回复业主", "is_public": "on"})
    event = ticket.events.get()
    assert event.is_public and event.note == "已回复业主"
    assert client.post(reverse("tickets:comment", args=[ticket.pk]), {"body": ""}).status_code == 400


def test_upload_and_download_attachment_with_permission(client_as, users, unit_a, resident, resident2):
    ticket = TicketFactory(unit=unit_a)
    client = client_as(users["frontdesk"])
    client.post(reverse("tickets:attach", args=[ticket.pk]), {"files": [SimpleUploadedFile("x.png", PNG)]})
    attachment = ticket.attachments.get()
    url = reverse("tickets:attachment", args=[ticket.pk, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    portal_url = reverse("portal:ticket_attachment", args=[ticket.pk, attachment.pk])
    assert client_as(resident).get(portal_url).status_code == 200
    assert client_as(resident2).get(portal_url).status_code == 404


def test_upload_rejects_a_disguised_file(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a)
    response = client_as(users["frontdesk"]).post(
        reverse("tickets:attach", args=[ticket.pk]), {"files": [SimpleUploadedFile("x.png", b"<script>")]}
    )
    assert response.status_code == 400 and not ticket.attachments.exists()


def test_internal_attachment_is_hidden_from_the_resident(client_as, users, unit_a, resident):
    ticket = TicketFactory(unit=unit_a)
    client_as(users["frontdesk"]).post(
        reverse("tickets:attach", args=[ticket.pk]),
        {"files": [SimpleUploadedFile("x.png", PNG)], "is_internal": "on"},
    )
    attachment = ticket.attachments.get()
    assert (
        client_as(resident)
        .get(reverse("portal:ticket_attachment", args=[ticket.pk, attachment.pk]))
        .status_code
        == 404
    )


# --- my work -----------------------------------------------------------------------------------


def test_my_work_lists_mine_and_the_team_queue(client_as, technician, technician2, unit_a, maintenance):
    mine = TicketFactory(unit=unit_a, team=maintenance, assignee=technician, status=S.IN_PROGRESS)
    queue = TicketFactory(unit=unit_a, team=maintenance, status=S.NEW)
    colleague = TicketFactory(unit=unit_a, team=maintenance, assignee=technician2, status=S.ASSIGNED)
    html = client_as(technician).get(reverse("tickets:my_work")).content.decode()
    assert mine.description in html and queue.number in html and colleague.number not in html
    assert reverse("tickets:action", args=[queue.pk, "take"]) in html
    assert reverse("tickets:action", args=[mine.pk, "resolve"]) in html


def test_my_work_asks_the_guards_once_for_all_cards(
    client_as, technician, unit_a, maintenance, django_assert_max_num_queries
):
    from tests.renovations.factories import ViolationFactory

    mine = TicketFactory.create_batch(
        6, unit=unit_a, team=maintenance, assignee=technician, status=S.IN_PROGRESS
    )
    TicketFactory.create_batch(6, unit=unit_a, team=maintenance, status=S.NEW)
    # A complaint under a violation check is resolved with the violation, never from the card.
    checked = mine[0]
    ViolationFactory(unit=unit_a, ticket=checked)
    client = client_as(technician)
    client.get(reverse("tickets:my_work"))
    with django_assert_max_num_queries(11):
        html = client.get(reverse("tickets:my_work")).content.decode()
    assert reverse("tickets:action", args=[checked.pk, "resolve"]) not in html
    assert reverse("tickets:action", args=[mine[1].pk, "resolve"]) in html
    assert html.count('name="note"') == 5


def test_my_work_queries_do_not_grow_with_the_cards(
    client_as, technician, unit_a, maintenance, django_assert_max_num_queries
):
    TicketFactory(unit=unit_a, team=maintenance, assignee=technician, status=S.IN_PROGRESS)
    TicketFactory(unit=unit_a, team=maintenance, status=S.NEW)
    client = client_as(technician)
    client.get(reverse("tickets:my_work"))
    with django_assert_max_num_queries(11) as few:
        client.get(reverse("tickets:my_work"))
    more = TicketFactory.create_batch(
        8, unit=unit_a, team=maintenance, assignee=technician, status=S.IN_PROGRESS
    ) + TicketFactory.create_batch(8, unit=unit_a, team=maintenance, status=S.NEW)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("tickets:my_work")).content.decode()
    for ticket in more:
        assert reverse("tickets:detail", args=[ticket.pk]) in html


def test_technician_takes_from_the_queue(client_as, technician, unit_a, maintenance):
    ticket = TicketFactory(unit=unit_a, team=maintenance, status=S.NEW)
    client_as(technician).post(reverse("tickets:action", args=[ticket.pk, "take"]))
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (technician, S.ASSIGNED)


def test_technician_cannot_take_another_teams_ticket(client_as, technician, unit_a, customer_service):
    ticket = TicketFactory(unit=unit_a, team=customer_service, assignee=technician, status=S.ASSIGNED)
    other = TicketFactory(unit=unit_a, team=customer_service, status=S.NEW)
    assert client_as(technician).post(reverse("tickets:action", args=[other.pk, "take"])).status_code == 404
    assert client_as(technician).post(reverse("tickets:action", args=[ticket.pk, "take"])).status_code == 403


# --- callbacks and re-checks --------------------------------------------------------------------


def test_callback_list_and_record_from_the_ticket_page(client_as, users, unit_a, estate_a, building_a):
    make_zone(estate_a, users["housekeeper"], building_a)
    ticket = TicketFactory(unit=unit_a, status=S.IN_PROGRESS)
    services.resolve_ticket(ticket=ticket, actor=users["supervisor"], note="ok")
    callback = ticket.callbacks.get()
    client = client_as(users["housekeeper"])
    assert ticket.number in client.get(reverse("tickets:callbacks")).content.decode()
    html = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert reverse("tickets:callback_record", args=[callback.pk]) in html
    client.post(
        reverse("tickets:callback_record", args=[callback.pk]),
        {"reached": "yes", "satisfaction": "5", "solved": "yes", "method": "phone", "comment": "好"},
    )
    callback.refresh_from_db()
    ticket.refresh_from_db()
    assert callback.status == Callback.Status.COMPLETED and ticket.status == S.CLOSED


def test_callback_record_errors_are_messages(client_as, users, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    response = client_as(users["housekeeper"]).post(
        reverse("tickets:callback_record", args=[callback.pk]),
        {"reached": "yes", "method": "phone"},
        follow=True,
    )
    assert "Give a satisfaction score from 1 to 5." in response.content.decode()
    callback.refresh_from_db()
    assert callback.attempt_count == 0


def test_callback_list_query_count_is_fixed(client_as, users, unit_a, django_assert_max_num_queries):
    for _ in range(3):
        CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    client = client_as(users["supervisor"])
    client.get(reverse("tickets:callbacks"))
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("tickets:callbacks"))
    for _ in range(10):
        CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("tickets:callbacks"))


def test_manager_rechecks_sampled_callbacks(client_as, users, unit_a):
    tz = ZoneInfo("Asia/Shanghai")
    for _ in range(5):
        CallbackFactory(
            ticket=TicketFactory(unit=unit_a, status=S.CLOSED),
            status=Callback.Status.COMPLETED,
            reached=True,
            satisfaction=5,
            is_solved=True,
            completed_at=datetime(2025, 2, 3, tzinfo=tz),
            completed_by=users["housekeeper"],
        )
    services.draw_callback_samples(now=datetime(2025, 3, 1, 6, tzinfo=tz))
    review = CallbackReview.objects.first()
    client = client_as(users["manager"])
    assert review.callback.ticket.number in client.get(reverse("tickets:callback_reviews")).content.decode()
    client.post(
        reverse("tickets:callback_review_record", args=[review.pk]), {"result": "confirmed", "note": "属实"}
    )
    review.refresh_from_db()
    assert review.result == "confirmed" and review.reviewed_by == users["manager"]
    assert client_as(users["supervisor"]).get(reverse("tickets:callback_reviews")).status_code == 403


# --- KPIs, navigation, unit page ---------------------------------------------------------------


def test_metrics_page(client_as, users, estate_a, unit_a):
    TicketFactory(unit=unit_a)
    html = client_as(users["manager"]).get(reverse("tickets:metrics")).content.decode()
    assert "Timely handling rate" in html and "Repair" in html
    assert client_as(users["frontdesk"]).get(reverse("tickets:metrics")).status_code == 403


def test_navigation_shows_ticket_pages_by_role(client_as, users, technician):
    html = client_as(users["manager"]).get(reverse("tickets:list")).content.decode()
    for name in (
        "tickets:create",
        "tickets:list",
        "tickets:callbacks",
        "tickets:callback_reviews",
        "tickets:metrics",
    ):
        assert f'href="{reverse(name)}"' in html
    html = client_as(technician).get(reverse("tickets:my_work")).content.decode()
    assert (
        f'href="{reverse("tickets:my_work")}"' in html and f'href="{reverse("tickets:create")}"' not in html
    )


def test_unit_page_lists_the_units_tickets(client_as, users, unit_a, django_assert_max_num_queries):
    tickets = [
        TicketFactory(unit=unit_a, created_at=datetime(2025, 1, d, tzinfo=ZoneInfo("UTC")))
        for d in range(1, 13)
    ]
    client = client_as(users["frontdesk"])
    html = client.get(reverse("residents:unit_detail", args=[unit_a.pk])).content.decode()
    shown = re.findall(r"T-\d{6}", html)
    assert shown[:10] == [t.number for t in reversed(tickets)][:10] and len(set(shown)) == 10
    assert f"{reverse('tickets:list')}?unit={unit_a.pk}" in html


def test_unit_panel_query_count_does_not_grow(rf, users, unit_a, django_assert_num_queries):
    from tickets.panels import unit_tickets_context

    request = rf.get("/")
    request.user = users["frontdesk"]
    TicketFactory.create_batch(3, unit=unit_a)
    unit_tickets_context(request, unit_a)  # warm the user's permission cache
    with django_assert_num_queries(1):
        unit_tickets_context(request, unit_a)
    TicketFactory.create_batch(12, unit=unit_a)
    with django_assert_num_queries(1):
        assert len(unit_tickets_context(request, unit_a)["tickets"]) == 10


def test_overdue_view_sorts_by_deadline(client_as, users, unit_a):
    base = datetime(2025, 1, 1, tzinfo=ZoneInfo("UTC"))
    later = TicketFactory(unit=unit_a, status=S.IN_PROGRESS, created_at=base + timedelta(days=2))
    earlier = TicketFactory(unit=unit_a, status=S.IN_PROGRESS, created_at=base)
    html = client_as(users["supervisor"]).get(reverse("tickets:list") + "?view=overdue").content.decode()
    assert html.index(earlier.number) < html.index(later.number)


def test_technician_cannot_download_files_of_another_teams_ticket(
    client_as, users, technician, unit_a, customer_service
):
    ticket = TicketFactory(unit=unit_a, team=customer_service)
    attachment = services.add_attachment(
        ticket=ticket, actor=users["frontdesk"], uploaded=SimpleUploadedFile("x.png", PNG)
    )
    url = reverse("tickets:attachment", args=[ticket.pk, attachment.pk])
    assert client_as(technician).get(url).status_code == 404
    assert client_as(users["frontdesk"]).get(url).status_code == 200
