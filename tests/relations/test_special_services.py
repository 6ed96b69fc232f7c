"""Special services (特约服务): the estate's catalogue, booking one from the portal (a paid-service
ticket at the catalogue's price, once per idempotency key), the portal pages and their scoping."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from relations.models import SpecialService, SpecialServiceBooking
from relations.services.special_services import book_special_service, ensure_default_special_services
from servicecenter.exceptions import DomainError
from tickets.models import Ticket, TicketCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleaning(estate_a):
    return SpecialService.objects.create(
        estate=estate_a,
        name="深度保洁",
        price=Decimal("300.00"),
        price_unit="次",
        category=TicketCategory.objects.get(code="public_cleaning"),
    )


def _later(days=2):
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


def test_the_default_catalogue_is_added_once(estate_a):
    assert ensure_default_special_services(estate_a) == 5
    assert ensure_default_special_services(estate_a) == 0
    assert SpecialService.objects.filter(estate=estate_a, is_active=True).count() == 5


def test_booking_creates_a_paid_service_ticket_at_the_catalogue_price(resident, unit_a, cleaning):
    booking = book_special_service(
        actor=resident,
        service=cleaning,
        unit=unit_a,
        preferred_at=_later(),
        notes="厨房油烟重",
        idempotency_key="b-1",
    )
    ticket = booking.ticket
    assert ticket.is_paid_service and ticket.service_price == Decimal("300.00")
    assert ticket.channel == Ticket.Channel.PORTAL and ticket.unit == unit_a
    assert ticket.reporter.user == resident and ticket.category == cleaning.category
    assert "厨房油烟重" in ticket.description and booking.price == Decimal("300.00")


def test_booking_twice_with_the_same_key_books_once(resident, unit_a, cleaning):
    when = _later()
    first = book_special_service(
        actor=resident, service=cleaning, unit=unit_a, preferred_at=when, idempotency_key="same"
    )
    again = book_special_service(
        actor=resident, service=cleaning, unit=unit_a, preferred_at=when, idempotency_key="same"
    )
    assert first.pk == again.pk
    assert SpecialServiceBooking.objects.count() == 1 and Ticket.objects.count() == 1


@pytest.mark.parametrize("problem", ["past", "inactive", "other_unit"])
def test_bad_bookings_are_refused_and_change_nothing(resident, unit_a, unit_a2, cleaning, problem):
    unit, when = unit_a, _later()
    if problem == "past":
        when = timezone.now() - timedelta(hours=1)
    elif problem == "inactive":
        SpecialService.objects.filter(pk=cleaning.pk).update(is_active=False)
        cleaning.refresh_from_db()
    else:
        unit = unit_a2
    with pytest.raises((DomainError, Exception)):
        book_special_service(
            actor=resident, service=cleaning, unit=unit, preferred_at=when, idempotency_key="x"
        )
    assert not Ticket.objects.exists() and not SpecialServiceBooking.objects.exists()


def test_staff_book_for_the_units_resident(users, resident, unit_a, cleaning):
    booking = book_special_service(
        actor=users["frontdesk"],
        service=cleaning,
        unit=unit_a,
        preferred_at=_later(),
        idempotency_key="desk-1",
    )
    assert booking.ticket.is_paid_service and booking.ticket.reporter.user == resident


def test_the_portal_books_a_service_and_lists_it(
    client, resident, unit_a, cleaning, django_assert_max_num_queries
):
    client.force_login(resident)
    assert reverse("portal:special_services") in client.get(reverse("portal:home")).content.decode()
    listing = client.get(reverse("portal:special_services")).content.decode()
    assert "深度保洁" in listing and "300.00" in listing
    form = client.get(reverse("portal:special_service_book"), {"service": cleaning.pk})
    assert form.status_code == 200
    data = {
        "service": cleaning.pk,
        "unit": unit_a.pk,
        "preferred_at": timezone.localtime(_later()).strftime("%Y-%m-%dT%H:%M"),
        "notes": "周末上午",
        "idempotency_key": "portal-1",
    }
    response = client.post(reverse("portal:special_service_book"), data)
    booking = SpecialServiceBooking.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "portal:ticket_detail", args=[booking.ticket_id]
    )
    client.post(reverse("portal:special_service_book"), data)
    assert SpecialServiceBooking.objects.count() == 1
    with django_assert_max_num_queries(15):
        listing = client.get(reverse("portal:special_services")).content.decode()
    assert booking.ticket.number in listing


def test_another_units_booking_and_another_estates_catalogue_stay_hidden(
    client, resident, resident2, unit_a2, cleaning, estate_b
):
    other = book_special_service(
        actor=resident2, service=cleaning, unit=unit_a2, preferred_at=_later(), idempotency_key="r2"
    )
    elsewhere = SpecialService.objects.create(
        estate=estate_b, name="外项目服务", price=Decimal("1.00"), category=cleaning.category
    )
    client.force_login(resident)
    listing = client.get(reverse("portal:special_services")).content.decode()
    assert other.ticket.number not in listing and "外项目服务" not in listing
    response = client.post(
        reverse("portal:special_service_book"),
        {
            "service": elsewhere.pk,
            "unit": unit_a2.pk,
            "preferred_at": "2030-01-01T10:00",
            "idempotency_key": "k",
        },
    )
    assert response.status_code == 400 and SpecialServiceBooking.objects.count() == 1


def test_the_api_lists_and_books_once_per_key(api_as, resident, resident2, unit_a, unit_a2, cleaning, users):
    other = book_special_service(
        actor=resident2, service=cleaning, unit=unit_a2, preferred_at=_later(), idempotency_key="r2"
    )
    api = api_as(resident)
    catalogue = api.get("/api/special-services/").json()["results"]
    assert [row["id"] for row in catalogue] == [cleaning.pk]
    body = {
        "service": cleaning.pk,
        "unit": unit_a.pk,
        "preferred_at": _later().isoformat(),
        "notes": "",
        "idempotency_key": "api-1",
    }
    first = api.post("/api/special-service-bookings/", body, format="json")
    again = api.post("/api/special-service-bookings/", body, format="json")
    assert first.status_code == 201 and again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert first.json()["price"] == "300.00"
    listed = [row["id"] for row in api.get("/api/special-service-bookings/").json()["results"]]
    assert listed == [first.json()["id"]]
    assert api.get(f"/api/special-service-bookings/{other.pk}/").status_code == 404
    refused = api.post(
        "/api/special-service-bookings/", {**body, "unit": unit_a2.pk, "idempotency_key": "k2"}, format="json"
    )
    assert refused.status_code == 400
    desk = api_as(users["frontdesk"]).get("/api/special-service-bookings/").json()["results"]
    assert len(desk) == 2
    assert api_as(users["technician"]).get("/api/special-service-bookings/").status_code == 403
