"""Calls from tasks (issue #8): one click on a pending callback, a technician's own assigned ticket
or the ticket page shows the reporter's number for that call and logs it with the task as purpose;
lists show masked numbers only and log nothing."""

import pytest
from django.urls import reverse

from residents.models import SensitiveAccessLog
from residents.services import TaskNotFound
from tests.factories import PersonFactory, UnitFactory
from tests.tickets.factories import CallbackFactory, TicketFactory
from tickets import services
from tickets.models import Callback, Ticket

pytestmark = pytest.mark.django_db

S = Ticket.Status
FREE_TEXT_PHONE = "13800001111"  # TicketFactory's reporter_phone


def _call_rows():
    return list(
        SensitiveAccessLog.objects.order_by("pk").values_list(
            "action", "purpose", "purpose_id", "person_id", "reason", "estate_id", "actor_id"
        )
    )


# --- callbacks ---------------------------------------------------------------------------------


def test_calling_a_pending_callback_logs_one_row_with_the_callback_as_purpose(client_as, users, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    response = client_as(users["housekeeper"]).post(reverse("tickets:callback_call", args=[callback.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="tel:{FREE_TEXT_PHONE}"' in html and "Dial 138 0000 1111" in html
    assert "no-store" in response["Cache-Control"]
    # A free-text reporter is not in the archive: the row has no person but keeps estate and task.
    assert _call_rows() == [
        (
            "call",
            "callback",
            callback.pk,
            None,
            f"Callback for {callback.ticket.number}",
            unit_a.estate_id,
            users["housekeeper"].pk,
        )
    ]


def test_callback_of_an_archive_reporter_logs_the_person(client_as, users, unit_a):
    person = PersonFactory(estate=unit_a.estate, mobile="13912345678")
    ticket = TicketFactory(unit=unit_a, status=S.RESOLVED, reporter=person, reporter_phone="")
    callback = CallbackFactory(ticket=ticket)
    response = client_as(users["housekeeper"]).post(reverse("tickets:callback_call", args=[callback.pk]))
    assert 'href="tel:13912345678"' in response.content.decode()
    log = SensitiveAccessLog.objects.get()
    assert (log.person, log.action, log.purpose) == (person, "call", "callback")


def test_each_call_is_its_own_log_row(client_as, users, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    client = client_as(users["housekeeper"])
    for _ in range(2):
        assert client.post(reverse("tickets:callback_call", args=[callback.pk])).status_code == 200
    assert SensitiveAccessLog.objects.filter(action="call", purpose_id=callback.pk).count() == 2


@pytest.mark.parametrize("status", [Callback.Status.COMPLETED, Callback.Status.CANCELLED])
def test_a_callback_that_is_not_pending_is_404_and_logs_nothing(client_as, users, unit_a, status):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.CLOSED), status=status)
    response = client_as(users["housekeeper"]).post(reverse("tickets:callback_call", args=[callback.pk]))
    assert response.status_code == 404
    assert FREE_TEXT_PHONE not in response.content.decode()
    assert not SensitiveAccessLog.objects.exists()


def test_a_callback_of_another_estate_is_404(client_as, users, unit_b):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_b, status=S.RESOLVED))
    response = client_as(users["housekeeper"]).post(reverse("tickets:callback_call", args=[callback.pk]))
    assert response.status_code == 404
    assert not SensitiveAccessLog.objects.exists()


def test_the_service_refuses_a_callback_outside_the_actors_estates(users, unit_b):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_b, status=S.RESOLVED))
    with pytest.raises(TaskNotFound):
        services.call_for_callback(actor=users["housekeeper"], callback=callback)
    assert not SensitiveAccessLog.objects.exists()


def test_only_callback_recorders_may_call(client_as, users, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    # The front desk sees callbacks but does not make them.
    response = client_as(users["frontdesk"]).post(reverse("tickets:callback_call", args=[callback.pk]))
    assert response.status_code == 403
    assert not SensitiveAccessLog.objects.exists()


def test_calling_needs_a_post(client_as, users, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    assert (
        client_as(users["housekeeper"]).get(reverse("tickets:callback_call", args=[callback.pk])).status_code
        == 405
    )
    assert not SensitiveAccessLog.objects.exists()


def test_a_missing_number_is_a_clear_message_and_logs_nothing(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.RESOLVED, reporter_phone="")
    callback = CallbackFactory(ticket=ticket)
    response = client_as(users["housekeeper"]).post(
        reverse("tickets:callback_call", args=[callback.pk]), follow=True
    )
    assert response.status_code == 200
    assert "No phone number is on file for this call." in response.content.decode()
    assert not SensitiveAccessLog.objects.exists()


def test_callback_list_shows_masked_numbers_and_call_buttons_and_logs_nothing(
    client_as, users, unit_a, django_assert_max_num_queries
):
    callbacks = [CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED)) for _ in range(3)]
    client = client_as(users["housekeeper"])
    client.get(reverse("tickets:callbacks"))
    with django_assert_max_num_queries(10) as few:
        html = client.get(reverse("tickets:callbacks")).content.decode()
    assert FREE_TEXT_PHONE not in html and "138****1111" in html
    for callback in callbacks:
        assert reverse("tickets:callback_call", args=[callback.pk]) in html
    for _ in range(10):
        CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("tickets:callbacks"))
    assert not SensitiveAccessLog.objects.exists()


def test_callback_list_offers_no_call_to_those_who_do_not_make_callbacks(client_as, users, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    html = client_as(users["frontdesk"]).get(reverse("tickets:callbacks")).content.decode()
    assert callback.ticket.number in html
    assert reverse("tickets:callback_call", args=[callback.pk]) not in html


def test_ticket_page_offers_the_callback_call(client_as, users, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    html = client_as(users["housekeeper"]).get(reverse("tickets:detail", args=[callback.ticket_id])).content
    assert reverse("tickets:callback_call", args=[callback.pk]) in html.decode()
    assert FREE_TEXT_PHONE not in html.decode()


# --- tickets (technicians, dispatchers) --------------------------------------------------------


def test_technician_calls_the_reporter_of_their_own_assigned_ticket(
    client_as, technician, unit_a, maintenance
):
    ticket = TicketFactory(unit=unit_a, team=maintenance, assignee=technician, status=S.IN_PROGRESS)
    response = client_as(technician).post(
        reverse("tickets:call", args=[ticket.pk]), {"next": reverse("tickets:my_work")}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="tel:{FREE_TEXT_PHONE}"' in html
    assert f'href="{reverse("tickets:my_work")}"' in html
    assert _call_rows() == [
        (
            "call",
            "ticket",
            ticket.pk,
            None,
            f"Call about ticket {ticket.number}",
            unit_a.estate_id,
            technician.pk,
        )
    ]


@pytest.mark.parametrize("holder", ["colleague", "nobody"])
def test_technician_cannot_call_about_a_ticket_that_is_not_theirs(
    client_as, technician, technician2, unit_a, maintenance, holder
):
    # Both are visible to the technician (their team's work), neither is assigned to them.
    ticket = TicketFactory(
        unit=unit_a,
        team=maintenance,
        assignee=technician2 if holder == "colleague" else None,
        status=S.ASSIGNED if holder == "colleague" else S.NEW,
    )
    response = client_as(technician).post(reverse("tickets:call", args=[ticket.pk]))
    assert response.status_code == 404
    assert FREE_TEXT_PHONE not in response.content.decode()
    assert not SensitiveAccessLog.objects.exists()


def test_technician_cannot_call_about_their_closed_ticket(client_as, technician, unit_a, maintenance):
    ticket = TicketFactory(unit=unit_a, team=maintenance, assignee=technician, status=S.RESOLVED)
    assert client_as(technician).post(reverse("tickets:call", args=[ticket.pk])).status_code == 404
    assert not SensitiveAccessLog.objects.exists()


def test_technician_cannot_call_about_another_estates_ticket(client_as, technician, maintenance):
    unit = UnitFactory()
    ticket = TicketFactory(unit=unit, assignee=technician, status=S.IN_PROGRESS)
    assert client_as(technician).post(reverse("tickets:call", args=[ticket.pk])).status_code == 404
    with pytest.raises(TaskNotFound):
        services.call_for_ticket(actor=technician, ticket=ticket)
    assert not SensitiveAccessLog.objects.exists()


def test_a_dispatcher_may_call_about_any_open_ticket_of_the_estate(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.NEW)
    assert client_as(users["frontdesk"]).post(reverse("tickets:call", args=[ticket.pk])).status_code == 200
    assert SensitiveAccessLog.objects.get().purpose == "ticket"


def test_a_housekeeper_does_not_call_from_tickets_they_do_not_work(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.NEW)
    assert client_as(users["housekeeper"]).post(reverse("tickets:call", args=[ticket.pk])).status_code == 404
    assert not SensitiveAccessLog.objects.exists()


def test_my_work_shows_masked_numbers_calls_only_on_mine_and_logs_nothing(
    client_as, technician, technician2, unit_a, maintenance, django_assert_max_num_queries
):
    mine = TicketFactory(unit=unit_a, team=maintenance, assignee=technician, status=S.IN_PROGRESS)
    queue = TicketFactory(unit=unit_a, team=maintenance, status=S.NEW)
    client = client_as(technician)
    client.get(reverse("tickets:my_work"))
    with django_assert_max_num_queries(12) as few:
        html = client.get(reverse("tickets:my_work")).content.decode()
    assert FREE_TEXT_PHONE not in html and "138****1111" in html
    assert reverse("tickets:call", args=[mine.pk]) in html
    assert reverse("tickets:call", args=[queue.pk]) not in html
    for _ in range(5):
        TicketFactory(unit=unit_a, team=maintenance, assignee=technician, status=S.ASSIGNED)
        TicketFactory(unit=unit_a, team=maintenance, status=S.NEW)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("tickets:my_work"))
    assert not SensitiveAccessLog.objects.exists()


def test_ticket_page_masks_a_free_text_phone_even_for_those_who_may_reveal(client_as, users, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.NEW)
    # The manager holds residents.view_sensitive; the number used to be shown in full, unlogged.
    html = client_as(users["manager"]).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert FREE_TEXT_PHONE not in html and "138****1111" in html
    assert reverse("tickets:call", args=[ticket.pk]) in html
    assert not SensitiveAccessLog.objects.exists()


def test_ticket_page_offers_no_call_to_a_technician_on_someone_elses_ticket(
    client_as, technician, technician2, unit_a, maintenance
):
    ticket = TicketFactory(unit=unit_a, team=maintenance, assignee=technician2, status=S.ASSIGNED)
    html = client_as(technician).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert reverse("tickets:call", args=[ticket.pk]) not in html


def test_the_access_log_links_the_call_to_its_task(client_as, users, unit_a):
    callback = CallbackFactory(ticket=TicketFactory(unit=unit_a, status=S.RESOLVED))
    ticket = TicketFactory(unit=unit_a, status=S.NEW)
    client_as(users["housekeeper"]).post(reverse("tickets:callback_call", args=[callback.pk]))
    client_as(users["frontdesk"]).post(reverse("tickets:call", args=[ticket.pk]))
    client = client_as(users["manager"])
    html = client.get(reverse("residents:access_log"), {"action": "call"}).content.decode()
    assert reverse("tickets:callback_detail", args=[callback.pk]) in html
    assert reverse("tickets:detail", args=[ticket.pk]) in html
    assert "Called from a task" in html and "not in the archive" in html
    only_callbacks = client.get(reverse("residents:access_log"), {"purpose": "callback"}).content.decode()
    assert reverse("tickets:detail", args=[ticket.pk]) not in only_callbacks
    # The callback link lands on the ticket page's callback section.
    landing = client.get(reverse("tickets:callback_detail", args=[callback.pk]))
    assert landing["Location"] == reverse("tickets:detail", args=[callback.ticket_id]) + "#callbacks"
