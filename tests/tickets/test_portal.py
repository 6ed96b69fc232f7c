"""Resident portal: my requests, reporting with a photo, following progress, rating."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from residents.models import Person
from tests.tickets.factories import TicketFactory, category
from tickets import services
from tickets.models import Callback, Ticket

pytestmark = pytest.mark.django_db
S = Ticket.Status
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc8!'\x07\x00\x02\xb6\x01\x054\xa6u\xaa\x00\x00\x00\x00IEND\xaeB`\x82"  # 1×1, decodable: uploads are re-encoded


def own_ticket(resident, unit, **kw):
    return TicketFactory(unit=unit, reporter=Person.objects.get(user=resident), reporter_name="", **kw)


def test_resident_reports_a_repair_with_a_photo(client_as, resident, unit_a, maintenance):
    client = client_as(resident)
    form = client.get(reverse("portal:ticket_create")).content.decode()
    assert "3-2-1101" in form and 'enctype="multipart/form-data"' in form
    response = client.post(
        reverse("portal:ticket_create"),
        {
            "unit": unit_a.pk,
            "kind": "repair",
            "category": category("water_leak").pk,
            "description": "天花板滴水",
            "location": "卫生间",
            "photos": [SimpleUploadedFile("leak.png", PNG)],
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("portal:ticket_detail", args=[ticket.pk])
    assert (ticket.channel, ticket.reporter.user, ticket.team) == ("portal", resident, maintenance)
    assert ticket.attachments.count() == 1


def test_resident_cannot_report_for_someone_elses_unit(client_as, resident, unit_a2):
    response = client_as(resident).post(
        reverse("portal:ticket_create"),
        {"unit": unit_a2.pk, "kind": "repair", "category": category().pk, "description": "x"},
    )
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_portal_form_rejects_a_fake_photo(client_as, resident, unit_a):
    response = client_as(resident).post(
        reverse("portal:ticket_create"),
        {
            "unit": unit_a.pk,
            "kind": "repair",
            "category": category().pk,
            "description": "x",
            "photos": [SimpleUploadedFile("x.jpg", b"GIF89a not really")],
        },
    )
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_my_requests_lists_only_mine(client_as, resident, unit_a, unit_a2):
    mine = own_ticket(resident, unit_a)
    TicketFactory(unit=unit_a2, description="别人的报修")
    html = client_as(resident).get(reverse("portal:ticket_list")).content.decode()
    assert mine.number in html and "别人的报修" not in html


def test_detail_hides_internal_notes_and_404s_for_others(client_as, resident, users, unit_a, unit_a2):
    ticket = own_ticket(resident, unit_a)
    services.add_comment(ticket=ticket, actor=users["frontdesk"], body="内部：再催一次", is_public=False)
    services.add_comment(ticket=ticket, actor=users["frontdesk"], body="师傅明早九点上门", is_public=True)
    client = client_as(resident)
    html = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert "师傅明早九点上门" in html and "再催一次" not in html
    other = TicketFactory(unit=unit_a2)
    assert client.get(reverse("portal:ticket_detail", args=[other.pk])).status_code == 404


def test_resident_rates_a_resolved_request(client_as, resident, unit_a):
    ticket = own_ticket(resident, unit_a, status=S.RESOLVED)
    client = client_as(resident)
    html = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert reverse("portal:ticket_rate", args=[ticket.pk]) in html
    client.post(
        reverse("portal:ticket_rate", args=[ticket.pk]),
        {"solved": "no", "satisfaction": "2", "comment": "还是滴水"},
    )
    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED
    callback = Callback.objects.get(ticket=ticket)
    assert (callback.method, callback.satisfaction, callback.is_solved) == ("portal", 2, False)


def test_rating_needs_both_answers(client_as, resident, unit_a):
    ticket = own_ticket(resident, unit_a, status=S.RESOLVED)
    response = client_as(resident).post(reverse("portal:ticket_rate", args=[ticket.pk]), {"solved": "yes"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == S.RESOLVED


def test_only_the_reporter_rates(client_as, resident, unit_a):
    ticket = TicketFactory(unit=unit_a, status=S.RESOLVED)  # reported by phone by someone else
    assert (
        client_as(resident)
        .post(reverse("portal:ticket_rate", args=[ticket.pk]), {"solved": "yes", "satisfaction": "5"})
        .status_code
        == 403
    )


def test_resident_adds_information(client_as, resident, unit_a):
    ticket = own_ticket(resident, unit_a)
    client_as(resident).post(reverse("portal:ticket_comment", args=[ticket.pk]), {"body": "下午两点后在家"})
    event = ticket.events.get()
    assert event.is_public and event.actor == resident


def test_staff_use_desk_pages_not_the_portal(client_as, users):
    # No current occupancy, no portal: a 404, as for any page that is not theirs.
    assert client_as(users["frontdesk"]).get(reverse("portal:ticket_list")).status_code == 404


def test_portal_panel_shows_recent_requests_in_one_query(
    rf, resident, unit_a, unit_a2, django_assert_num_queries
):
    from servicecenter.panels import render_portal_panels

    mine = [own_ticket(resident, unit_a) for _ in range(7)]
    TicketFactory(unit=unit_a2)
    request = rf.get("/portal/")
    request.user = resident
    html = "".join(render_portal_panels(request, resident))
    assert reverse("portal:ticket_detail", args=[mine[-1].pk]) in html
    assert reverse("portal:ticket_create") in html
    from tickets.panels import portal_tickets_context

    with django_assert_num_queries(1):
        assert len(portal_tickets_context(request, resident)["tickets"]) == 5


def test_portal_pages_work_on_a_phone_layout(client_as, resident, unit_a):
    html = client_as(resident).get(reverse("portal:ticket_create")).content.decode()
    assert 'name="viewport"' in html and "portal" in html
