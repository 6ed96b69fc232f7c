"""Issue #8, household privacy: a unit's bills, payments, receipts and reminders belong to its payer,
its owners and co-owners and the occupants the owner granted them; tickets stay with everyone."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from billing import services
from billing.models import DepositAccount
from residents import services as residents_services
from residents.models import Occupancy
from staff.models import Notification
from tests.billing.conftest import at, make_bill, new_key
from tests.factories import OccupancyFactory, PersonFactory, make_resident
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db

DUE = date(2025, 1, 31)


@pytest.fixture
def tenant(unit_a, resident):
    """A tenant living in the owner's unit, granted nothing."""
    return make_resident(unit_a, username="tenant", role=Occupancy.Role.TENANT)


@pytest.fixture
def member(unit_a, resident):
    return make_resident(unit_a, username="member", role=Occupancy.Role.HOUSEHOLD_MEMBER)


def occupancy_of(user) -> Occupancy:
    return Occupancy.objects.get(person__user=user)


@pytest.fixture
def paid(users, unit_a):
    bill = make_bill(unit_a, "30.00")
    payment = services.record_payment(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="30.00",
        method="cash",
        actor=users["clerk"],
        bill_ids=[bill.pk],
    ).payment
    return bill, payment


# --- pages -------------------------------------------------------------------------------------


def test_tenant_without_visibility_sees_no_bills_payments_or_receipts(client_as, tenant, paid):
    bill, payment = paid
    open_bill = make_bill(bill.unit, "12.34", period=date(2025, 2, 1))
    client = client_as(tenant)
    page = client.get(reverse("portal:billing_bills") + "?show=all")
    assert page.status_code == 200 and list(page.context["page"].object_list) == []
    assert b"portal-bills-not-shared" in page.content
    assert client.get(reverse("portal:billing_bill", args=[bill.pk])).status_code == 404
    assert client.get(reverse("portal:billing_bill", args=[open_bill.pk])).status_code == 404
    assert client.get(reverse("portal:billing_receipt", args=[payment.pk])).status_code == 404
    assert client.get(reverse("portal:billing_payments")).context["page"].paginator.count == 0
    home = client.get(reverse("portal:home"))
    assert b"portal-billing-panel" not in home.content and b"12.34" not in home.content


def test_household_member_without_visibility_sees_no_bills(client_as, member, unit_a):
    bill = make_bill(unit_a, "12.34")
    client = client_as(member)
    assert client.get(reverse("portal:billing_bill", args=[bill.pk])).status_code == 404
    assert b"12.34" not in client.get(reverse("portal:home")).content


def test_tenant_granted_visibility_sees_them(client_as, resident, tenant, paid):
    bill, payment = paid
    residents_services.set_bill_visibility(actor=resident, occupancy=occupancy_of(tenant), visible=True)
    client = client_as(tenant)
    page = client.get(reverse("portal:billing_bills") + "?show=all")
    assert [b.pk for b in page.context["page"].object_list] == [bill.pk]
    assert client.get(reverse("portal:billing_bill", args=[bill.pk])).status_code == 200
    assert client.get(reverse("portal:billing_receipt", args=[payment.pk])).status_code == 200
    make_bill(bill.unit, "12.34", period=date(2025, 2, 1))
    assert b"12.34" in client.get(reverse("portal:home")).content


def test_tenant_named_payer_sees_bills_without_a_grant(client_as, resident, tenant, unit_a):
    bill = make_bill(unit_a, "12.34")
    residents_services.set_payer(actor=resident, unit=unit_a, occupancy=occupancy_of(tenant))
    assert client_as(tenant).get(reverse("portal:billing_bill", args=[bill.pk])).status_code == 200


def test_owner_still_sees_bills_after_naming_a_tenant_payer(client_as, resident, tenant, unit_a):
    bill = make_bill(unit_a, "12.34")
    residents_services.set_payer(actor=resident, unit=unit_a, occupancy=occupancy_of(tenant))
    assert client_as(resident).get(reverse("portal:billing_bill", args=[bill.pk])).status_code == 200


def test_withdrawn_visibility_hides_the_bills_again(client_as, resident, tenant, unit_a):
    bill = make_bill(unit_a, "12.34")
    occupancy = occupancy_of(tenant)
    residents_services.set_bill_visibility(actor=resident, occupancy=occupancy, visible=True)
    residents_services.set_bill_visibility(actor=resident, occupancy=occupancy, visible=False)
    assert client_as(tenant).get(reverse("portal:billing_bill", args=[bill.pk])).status_code == 404


def test_household_member_still_sees_the_units_tickets(client_as, member, unit_a):
    from tests.tickets.conftest import ensure_default_categories

    ensure_default_categories()  # a transactional test elsewhere may have flushed them
    ticket = TicketFactory(unit=unit_a, description="leaking tap in the kitchen")
    client = client_as(member)
    assert client.get(reverse("portal:ticket_detail", args=[ticket.pk])).status_code == 200
    assert ticket in client.get(reverse("portal:ticket_list")).context["page"].object_list


def test_portal_bill_list_queries_do_not_grow_with_occupants(
    client_as, resident, unit_a, django_assert_max_num_queries
):
    for _ in range(3):
        make_bill(unit_a, "10.00", period=date(2025, 1, 1) + timedelta(days=40 * _))
    for n in range(5):
        OccupancyFactory(unit=unit_a, role=Occupancy.Role.TENANT, sees_bills=bool(n % 2))
    client = client_as(resident)
    client.get(reverse("portal:billing_bills"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("portal:billing_bills") + "?show=all")
    assert page.context["page"].paginator.count == 3


# --- API ---------------------------------------------------------------------------------------


def test_api_bills_and_payments_follow_the_payer_rule(api_as, resident, tenant, paid):
    bill, payment = paid
    client = api_as(tenant)
    assert client.get("/api/bills/").json()["results"] == []
    assert client.get("/api/payments/").json()["results"] == []
    assert client.get(f"/api/bills/{bill.pk}/").status_code == 404
    assert client.get(f"/api/payments/{payment.pk}/").status_code == 404
    residents_services.set_bill_visibility(actor=resident, occupancy=occupancy_of(tenant), visible=True)
    assert [b["id"] for b in client.get("/api/bills/").json()["results"]] == [bill.pk]
    assert [p["id"] for p in client.get("/api/payments/").json()["results"]] == [payment.pk]
    assert client.get(f"/api/bills/{bill.pk}/").status_code == 200


def test_api_bill_list_query_count(api_as, resident, unit_a, django_assert_max_num_queries):
    for n in range(5):
        make_bill(unit_a, "10.00", period=date(2024, 1 + n, 1))
        OccupancyFactory(unit=unit_a, role=Occupancy.Role.HOUSEHOLD_MEMBER)
    client = api_as(resident)
    client.get("/api/bills/")
    with django_assert_max_num_queries(10):
        assert client.get("/api/bills/").json()["count"] == 5


def test_deposits_hidden_from_a_tenant_without_visibility(users, tenant, resident, unit_a):
    services.receive_deposit(
        idempotency_key=new_key(),
        unit=unit_a,
        amount="500.00",
        method="cash",
        actor=users["clerk"],
        purpose="renovation",
    )
    assert not DepositAccount.objects.visible_to(tenant).exists()
    assert DepositAccount.objects.visible_to(resident).exists()


# --- reminders ---------------------------------------------------------------------------------


def run(day: date):
    # The factories start occupancies on a random past day; the ladder runs on a 2025 date and
    # notifies the occupants of that day, so everyone here moved in well before it.
    Occupancy.objects.update(start_date=date(2020, 1, 1))
    return services.run_reminder_ladder(now=at(day.year, day.month, day.day))


def test_reminders_go_to_the_owner_payer_only(resident, tenant, member, unit_a):
    residents_services.set_bill_visibility(actor=resident, occupancy=occupancy_of(tenant), visible=True)
    make_bill(unit_a, "223.75", due=DUE)
    run(DUE + timedelta(days=8))
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"resident"}
    assert "223.75" in Notification.objects.get(kind="billing_reminder").body


def test_reminders_go_to_a_tenant_named_payer_and_not_the_owner(resident, tenant, unit_a):
    residents_services.set_payer(actor=resident, unit=unit_a, occupancy=occupancy_of(tenant))
    make_bill(unit_a, "223.75", due=DUE)
    run(DUE + timedelta(days=8))
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"tenant"}


def test_reminders_fall_back_to_the_owner_when_the_payer_has_moved_out(resident, tenant, unit_a):
    occupancy = residents_services.set_payer(actor=resident, unit=unit_a, occupancy=occupancy_of(tenant))
    # Moved out on a date set in advance: no service ran on the day, the read-time rule applies.
    Occupancy.objects.filter(pk=occupancy.pk).update(start_date=date(2020, 1, 1), end_date=date(2025, 1, 1))
    make_bill(unit_a, "223.75", due=DUE)
    run(DUE + timedelta(days=8))
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"resident"}


def _sweep_queries(building, *, tag: str, occupants: int, day: date) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UnitFactory

    for n in range(5):
        unit = UnitFactory(building=building)
        make_resident(unit, username=f"owner-{tag}{n}")
        for m in range(occupants):
            make_resident(unit, username=f"tenant-{tag}{n}-{m}", role=Occupancy.Role.TENANT)
        make_bill(unit, "100.00", period=date(2025, 1, 1), due=DUE)
    Occupancy.objects.update(start_date=date(2020, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        services.run_reminder_ladder(now=at(day.year, day.month, day.day))
    return len(queries)


def test_reminder_sweep_queries_do_not_grow_with_occupants(estate_a, building_a, users):
    from tests.factories import BuildingFactory

    alone = _sweep_queries(building_a, tag="a", occupants=0, day=DUE + timedelta(days=8))
    crowded = _sweep_queries(
        BuildingFactory(estate=estate_a, code="9"), tag="b", occupants=4, day=DUE + timedelta(days=9)
    )
    assert crowded <= alone
    reminders = Notification.objects.filter(kind="billing_reminder")
    assert reminders.filter(recipient__username__startswith="owner").count() == 10
    assert not Notification.objects.filter(recipient__username__startswith="tenant").exists()


# --- fee calls ---------------------------------------------------------------------------------


def test_fee_call_dials_the_payer_first(resident, unit_a):
    tenant_person = PersonFactory(estate=unit_a.estate, mobile="13912345678")
    tenant_occupancy = OccupancyFactory(unit=unit_a, person=tenant_person, role=Occupancy.Role.TENANT)
    assert services.fee_call_person(unit_a) == occupancy_of(resident).person
    residents_services.set_payer(actor=resident, unit=unit_a, occupancy=tenant_occupancy)
    assert services.fee_call_person(unit_a) == tenant_person


def test_fee_call_falls_back_when_the_payer_has_no_mobile(resident, unit_a):
    tenant_person = PersonFactory(estate=unit_a.estate, mobile="")
    tenant_occupancy = OccupancyFactory(unit=unit_a, person=tenant_person, role=Occupancy.Role.TENANT)
    residents_services.set_payer(actor=resident, unit=unit_a, occupancy=tenant_occupancy)
    assert services.fee_call_person(unit_a) == occupancy_of(resident).person
