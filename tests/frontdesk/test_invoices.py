"""Invoice requests (开发票): the services' rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from frontdesk.models import InvoiceRequest, InvoiceRequestBill
from frontdesk.services import invoices
from servicecenter.exceptions import DomainError, TransitionError
from tests.billing.conftest import make_bill, new_key
from tests.frontdesk.keys_helpers import paid_bill

pytestmark = pytest.mark.django_db


@pytest.fixture
def bills(unit_a, users):
    return [
        paid_bill(unit_a, users["clerk"], "100.00", period=date(2025, 1, 1), code="p1"),
        paid_bill(unit_a, users["clerk"], "58.35", period=date(2025, 2, 1), code="p2"),
    ]


def _ask(actor, unit, bills, **extra):
    values = {"title": "王芳", "idempotency_key": new_key(), **extra}
    return invoices.request_invoice(actor=actor, unit=unit, bill_ids=[b.pk for b in bills], **values)


def test_a_resident_asks_for_paid_bills_and_the_amount_is_their_sum(unit_a, resident, bills):
    request = _ask(resident, unit_a, bills, tax_number="91440300 ma5f1a2b3c", email="w@example.com")
    assert request.amount == Decimal("158.35")
    assert (request.channel, request.status, request.tax_number) == (
        "portal",
        "requested",
        "91440300MA5F1A2B3C",
    )
    assert sorted(request.lines.values_list("bill_id", flat=True)) == sorted(b.pk for b in bills)
    assert list(request.events.values_list("action", "to_status", "actor")) == [
        ("request", "requested", resident.pk)
    ]


def test_the_desk_asks_on_a_residents_behalf(unit_a, users, bills):
    request = _ask(users["frontdesk"], unit_a, bills[:1])
    assert (request.channel, request.requested_by, request.amount) == (
        "desk",
        users["frontdesk"],
        Decimal("100.00"),
    )


def test_a_bill_on_an_open_or_issued_request_cannot_be_asked_for_again(unit_a, resident, users, bills):
    first = _ask(resident, unit_a, bills[:1])
    with pytest.raises(invoices.BillAlreadyRequested) as error:
        _ask(users["frontdesk"], unit_a, bills)
    assert (error.value.code, error.value.status_code) == ("bill_already_requested", 409)
    invoices.issue_invoice(request=first, actor=users["clerk"], invoice_number="No.00012345")
    with pytest.raises(invoices.BillAlreadyRequested):
        _ask(resident, unit_a, bills[:1])
    assert InvoiceRequest.objects.count() == 1


def test_a_rejected_requests_bills_may_be_asked_for_again(unit_a, resident, users, bills):
    first = _ask(resident, unit_a, bills)
    invoices.reject_invoice_request(request=first, actor=users["clerk"], reason="抬头与税号不符")
    first.refresh_from_db()
    assert (first.status, first.reject_reason) == ("rejected", "抬头与税号不符")
    assert not InvoiceRequestBill.objects.filter(request=first, is_active=True).exists()
    again = _ask(resident, unit_a, bills, title="某某公司", tax_number="91440300MA5F1A2B3C")
    assert again.amount == Decimal("158.35")


def test_only_paid_bills_of_the_unit(unit_a, unit_a2, resident, users, bills):
    unpaid = make_bill(unit_a, "80.00", period=date(2025, 3, 1), code="p3")
    with pytest.raises(DomainError) as error:
        _ask(resident, unit_a, [*bills, unpaid])
    assert error.value.code == "bill_not_paid"
    elsewhere = paid_bill(unit_a2, users["clerk"], period=date(2025, 1, 1), code="p4")
    with pytest.raises(DomainError) as error:
        _ask(users["frontdesk"], unit_a, [elsewhere])
    assert error.value.code == "bill_wrong_unit"
    assert not InvoiceRequest.objects.exists()


def test_a_resident_cannot_ask_for_another_unit(unit_a2, resident, users):
    theirs = paid_bill(unit_a2, users["clerk"], period=date(2025, 1, 1), code="p5")
    with pytest.raises(PermissionDenied):
        _ask(resident, unit_a2, [theirs])


def test_staff_without_the_permission_cannot_ask(unit_a, users, bills):
    with pytest.raises(PermissionDenied):
        _ask(users["supervisor"], unit_a, bills)


def test_the_title_and_the_tax_number_are_checked(unit_a, resident, bills):
    with pytest.raises(DomainError) as error:
        _ask(resident, unit_a, bills, title="  ")
    assert error.value.code == "title_required"
    with pytest.raises(DomainError) as error:
        _ask(resident, unit_a, bills, tax_number="12345")
    assert error.value.code == "tax_number_invalid"
    assert not InvoiceRequest.objects.exists()


def test_a_retry_with_the_same_key_gives_the_first_request(unit_a, resident, bills):
    key = new_key()
    first = _ask(resident, unit_a, bills, idempotency_key=key)
    assert _ask(resident, unit_a, bills, idempotency_key=key) == first
    assert InvoiceRequest.objects.count() == 1


def test_issue_needs_the_number_and_the_clerk(unit_a, resident, users, bills):
    request = _ask(resident, unit_a, bills)
    with pytest.raises(PermissionDenied):
        invoices.issue_invoice(request=request, actor=users["frontdesk"], invoice_number="1")
    with pytest.raises(DomainError) as error:
        invoices.issue_invoice(request=request, actor=users["clerk"], invoice_number=" ")
    assert error.value.code == "invoice_number_required"
    invoices.issue_invoice(request=request, actor=users["clerk"], invoice_number="No.00012345")
    request.refresh_from_db()
    assert (request.status, request.invoice_number, request.decided_by) == (
        "issued",
        "No.00012345",
        users["clerk"],
    )
    event = request.events.last()
    assert (event.action, event.from_status, event.to_status, event.note) == (
        "issue",
        "requested",
        "issued",
        "No.00012345",
    )
    with pytest.raises(TransitionError):
        invoices.reject_invoice_request(request=request, actor=users["clerk"], reason="x")


def test_reject_needs_a_reason(unit_a, resident, users, bills):
    request = _ask(resident, unit_a, bills)
    with pytest.raises(DomainError) as error:
        invoices.reject_invoice_request(request=request, actor=users["clerk"], reason="")
    assert error.value.code == "reason_required"
    request.refresh_from_db()
    assert request.status == "requested"
