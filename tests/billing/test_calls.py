"""Dialling from the fee-collection calls page (issue #8): the housekeeper's Call shows the payer's
number for that call and logs it with the call as purpose; the page itself shows no numbers."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from residents.models import Occupancy, SensitiveAccessLog
from residents.services import TaskNotFound
from tests.billing.conftest import make_bill
from tests.factories import OccupancyFactory, PersonFactory, UnitFactory, make_staff, make_zone

pytestmark = pytest.mark.django_db

OWNER_MOBILE = "13700007777"
TENANT_MOBILE = "13600006666"


def _overdue(unit):
    make_bill(unit, "100.00", period=date(2024, 1, 1), due=timezone.localdate() - timedelta(days=70))


@pytest.fixture
def on_call_list(users, estate_a, building_a, unit_a):
    """unit_a owes 70 days and is on estate A's housekeeper's call list; an owner and a tenant live there."""
    make_zone(estate_a, users["housekeeper"], building_a)
    _overdue(unit_a)
    services.run_reminder_ladder()
    owner = PersonFactory(estate=estate_a, name="张业主", mobile=OWNER_MOBILE)
    tenant = PersonFactory(estate=estate_a, name="李租户", mobile=TENANT_MOBILE)
    OccupancyFactory(unit=unit_a, person=tenant, role=Occupancy.Role.TENANT)
    OccupancyFactory(unit=unit_a, person=owner, role=Occupancy.Role.OWNER)
    return owner


def test_housekeeper_dials_the_owner_and_one_row_is_logged(client_as, users, unit_a, on_call_list):
    response = client_as(users["housekeeper"]).post(reverse("billing:call_dial", args=[unit_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="tel:{OWNER_MOBILE}"' in html and "Dial 137 0000 7777" in html and TENANT_MOBILE not in html
    assert "no-store" in response["Cache-Control"]
    rows = list(
        SensitiveAccessLog.objects.values_list(
            "action", "purpose", "purpose_id", "person_id", "reason", "estate_id", "actor_id"
        )
    )
    assert rows == [
        (
            "call",
            "fee_call",
            unit_a.pk,
            on_call_list.pk,
            f"Fee-collection call to {unit_a.code}",
            unit_a.estate_id,
            users["housekeeper"].pk,
        )
    ]


def test_without_an_owner_the_tenant_is_called(users, unit_a, estate_a, building_a):
    make_zone(estate_a, users["housekeeper"], building_a)
    _overdue(unit_a)
    services.run_reminder_ladder()
    tenant = PersonFactory(estate=estate_a, mobile=TENANT_MOBILE)
    OccupancyFactory(unit=unit_a, person=PersonFactory(estate=estate_a, mobile=""), role=Occupancy.Role.OWNER)
    OccupancyFactory(unit=unit_a, person=tenant, role=Occupancy.Role.TENANT)
    call = services.call_for_fee(actor=users["housekeeper"], unit=unit_a)
    assert (call.phone, SensitiveAccessLog.objects.get().person) == (TENANT_MOBILE, tenant)


def test_calls_page_shows_no_numbers_offers_call_and_logs_nothing(
    client_as, users, unit_a, estate_a, building_a, on_call_list, django_assert_max_num_queries
):
    client = client_as(users["housekeeper"])
    client.get(reverse("billing:calls"))
    with django_assert_max_num_queries(12) as few:
        html = client.get(reverse("billing:calls")).content.decode()
    assert OWNER_MOBILE not in html and TENANT_MOBILE not in html
    assert reverse("billing:call_dial", args=[unit_a.pk]) in html
    for number in ("1201", "1301", "1401"):
        unit = UnitFactory(building=building_a, entrance="2", number=number)
        OccupancyFactory(unit=unit)
        _overdue(unit)
    services.run_reminder_ladder()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("billing:calls")).context["page"].object_list) == 4
    assert not SensitiveAccessLog.objects.exists()


def test_housekeeper_cannot_dial_a_unit_outside_their_estate(
    client_as, users, unit_b, estate_b, on_call_list
):
    make_zone(estate_b, make_staff("housekeeper", estate_b, username="hk-b"), unit_b.building)
    _overdue(unit_b)
    services.run_reminder_ladder()
    OccupancyFactory(unit=unit_b)
    response = client_as(users["housekeeper"]).post(reverse("billing:call_dial", args=[unit_b.pk]))
    assert response.status_code == 404
    with pytest.raises(TaskNotFound):
        services.call_for_fee(actor=users["housekeeper"], unit=unit_b)
    assert not SensitiveAccessLog.objects.exists()


def test_another_housekeeper_of_the_estate_cannot_dial_a_unit_not_on_their_list(
    client_as, unit_a, estate_a, on_call_list
):
    other = make_staff("housekeeper", estate_a, username="hk-2")
    response = client_as(other).post(reverse("billing:call_dial", args=[unit_a.pk]))
    assert response.status_code == 404
    assert OWNER_MOBILE not in response.content.decode()
    assert not SensitiveAccessLog.objects.exists()


def test_a_unit_without_an_open_call_is_404(client_as, users, unit_a, estate_a, building_a):
    make_zone(estate_a, users["housekeeper"], building_a)
    OccupancyFactory(unit=unit_a)
    assert (
        client_as(users["housekeeper"]).post(reverse("billing:call_dial", args=[unit_a.pk])).status_code
        == 404
    )
    assert not SensitiveAccessLog.objects.exists()


def test_the_manager_may_dial_any_unit_on_the_estates_list(client_as, users, unit_a, on_call_list):
    response = client_as(users["manager"]).post(reverse("billing:call_dial", args=[unit_a.pk]))
    assert response.status_code == 200
    assert SensitiveAccessLog.objects.get().actor == users["manager"]


def test_frontdesk_may_not_dial(client_as, users, unit_a, on_call_list):
    assert (
        client_as(users["frontdesk"]).post(reverse("billing:call_dial", args=[unit_a.pk])).status_code == 403
    )
    assert not SensitiveAccessLog.objects.exists()


def test_no_phone_on_file_is_a_clear_message(client_as, users, unit_a, estate_a, building_a):
    make_zone(estate_a, users["housekeeper"], building_a)
    _overdue(unit_a)
    services.run_reminder_ladder()
    response = client_as(users["housekeeper"]).post(
        reverse("billing:call_dial", args=[unit_a.pk]), follow=True
    )
    assert response.status_code == 200
    assert "No phone number is on file for this call." in response.content.decode()
    assert not SensitiveAccessLog.objects.exists()


def test_the_access_log_links_a_fee_call_to_its_unit(client_as, users, unit_a, on_call_list):
    client_as(users["housekeeper"]).post(reverse("billing:call_dial", args=[unit_a.pk]))
    html = client_as(users["manager"]).get(reverse("residents:access_log")).content.decode()
    assert reverse("residents:unit_detail", args=[unit_a.pk]) in html
    assert "Fee-collection call" in html
