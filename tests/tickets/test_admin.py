"""Admin: configuration editable by managers; tickets read-only and scoped to the user's estates."""

import pytest
from django.urls import reverse

from tests.tickets.factories import TicketFactory, category
from tickets.models import TicketPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(users):
    user = users["manager"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_ticket_admin_is_scoped_and_read_only(client_as, manager, unit_a, unit_b):
    mine = TicketFactory(unit=unit_a)
    other = TicketFactory(unit=unit_b)
    client = client_as(manager)
    html = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert mine.number in html and other.number not in html
    assert (
        client.get(reverse("admin:tickets_ticket_change", args=[other.pk])).status_code == 302
    )  # "doesn't exist"
    page = client.get(reverse("admin:tickets_ticket_change", args=[mine.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403


def test_manager_edits_category_sla(client_as, manager):
    client = client_as(manager)
    water = category("water_leak")
    page = client.get(reverse("admin:tickets_ticketcategory_change", args=[water.pk]))
    assert page.status_code == 200 and "sla_targets-TOTAL_FORMS" in page.content.decode()
    assert client.get(reverse("admin:tickets_ticketcategory_delete", args=[water.pk])).status_code == 403


def test_company_defaults_belong_to_head_office(client_as, manager, estate_a):
    company_row = TicketPolicy.objects.get(estate__isnull=True)
    own = TicketPolicy.objects.create(estate=estate_a, complaint_reply_hours=48)
    client = client_as(manager)
    assert (
        'name="_save"'
        not in client.get(
            reverse("admin:tickets_ticketpolicy_change", args=[company_row.pk])
        ).content.decode()
    )
    assert (
        'name="_save"'
        in client.get(reverse("admin:tickets_ticketpolicy_change", args=[own.pk])).content.decode()
    )
