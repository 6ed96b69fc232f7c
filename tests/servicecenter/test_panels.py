"""Panels other apps add to shared pages: a portal panel's probes are asked together in one
statement, and a panel whose probes find nothing is not asked for its context."""

from datetime import date

import pytest
from django.urls import reverse

from frontdesk import services as frontdesk_services
from servicecenter.panels import Panel, render_panels, rows_exist
from servicecenter.scoping import enter_portal, forget_access
from tests.billing.factories import BillFactory
from tests.relations.notice_helpers import make_notice
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_rows_exist_answers_each_queryset_in_one_query(unit_a, unit_b, django_assert_num_queries):
    TicketFactory(unit=unit_a)
    querysets = [
        Ticket.objects.filter(unit=unit_a),
        Ticket.objects.filter(unit=unit_b),
        Ticket.objects.filter(unit=unit_a, status=Ticket.Status.CANCELLED),
        Ticket.objects.none(),  # no SQL at all
        Ticket.objects.filter(unit=unit_a).order_by("-created_at"),
    ]
    with django_assert_num_queries(1):
        assert rows_exist(querysets) == [True, False, False, False, True]
    with django_assert_num_queries(0):
        assert rows_exist([]) == []


class Calls:
    def __init__(self, context: dict):
        self.context, self.count = context, 0

    def __call__(self, request, user):
        self.count += 1
        return self.context


@pytest.fixture
def portal_request(rf, resident, unit_a):
    request = rf.get("/portal/")
    request.user = resident
    enter_portal(resident, unit_ids=(unit_a.pk,))
    yield request
    forget_access(resident)


def test_a_panel_is_asked_for_its_context_only_when_its_probe_finds_a_row(
    portal_request, resident, unit_a, unit_a2, django_assert_num_queries
):
    TicketFactory(unit=unit_a2)  # a neighbour's ticket: the resident's probe does not see it
    found_nothing = Calls({"tickets": [object()]})
    left_out = Calls({"tickets": [object()]})
    registry = [
        Panel(
            1,
            "portal/tickets_panel.html",
            found_nothing,
            probe=lambda user: [Ticket.objects.visible_to(user)],
            empty=lambda: {"tickets": []},
        ),
        Panel(
            2,
            "frontdesk/_portal_parcels.html",
            left_out,
            probe=lambda user: [Ticket.objects.visible_to(user)],
        ),
    ]
    with django_assert_num_queries(1):
        html = render_panels(registry, portal_request, resident)
    assert (found_nothing.count, left_out.count) == (0, 0)
    assert len(html) == 1  # the second panel shows nothing when empty: left out
    assert reverse("portal:ticket_create") in html[0]

    mine = TicketFactory(unit=unit_a)
    asked = Calls({"tickets": [mine]})
    registry[0] = Panel(
        1, "portal/tickets_panel.html", asked, probe=registry[0].probe, empty=registry[0].empty
    )
    html = render_panels(registry[:1], portal_request, resident)
    assert asked.count == 1
    assert reverse("portal:ticket_detail", args=[mine.pk]) in html[0]


def test_portal_home_queries_do_not_grow_with_what_the_panels_hold(
    client_as, resident, unit_a, unit_a2, building_a, users, django_assert_max_num_queries
):
    """A resident with nothing anywhere: the panels cost one probe statement, the bills panel and
    the requests panel. With notices, parcels, bills and tickets (more than each panel shows) the
    panels that found rows add their own fixed queries, whatever the number of rows."""
    client = client_as(resident)
    client.get(reverse("portal:home"))
    with django_assert_max_num_queries(8) as quiet:
        assert client.get(reverse("portal:home")).status_code == 200

    def fill(n: int):
        for i in range(n):
            TicketFactory(unit=unit_a)
            TicketFactory(unit=unit_a2)  # a neighbour's: never on the page
            BillFactory(unit=unit_a, period=date(2020 + n, 1 + i, 1))
            frontdesk_services.log_parcel(
                actor=users["frontdesk"], unit=unit_a, carrier="顺丰", tracking_number=f"SF{n}{i:04d}"
            )
            make_notice(
                unit_a.estate, users["manager"], buildings=[building_a], publish=True, title=f"通知{n}{i}"
            )

    fill(6)  # more than the bills panel lists: it sums the rest (one query more)
    with django_assert_max_num_queries(20) as few:
        page = client.get(reverse("portal:home"))
    assert "SF60005" in page.content.decode()  # the latest parcel
    fill(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("portal:home"))
    assert page.status_code == 200
    assert len(quiet.captured_queries) < len(few.captured_queries)
