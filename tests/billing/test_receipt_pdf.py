"""The receipt as a downloadable PDF, on the desk and in the resident portal."""

from datetime import date

import pytest
from django.urls import reverse

from billing import services
from billing.receipts_pdf import receipt_pdf
from billing.selectors import payment_for_page
from tests.billing.conftest import at, make_bill, new_key
from tests.billing.pdftext import pdf_text

pytestmark = pytest.mark.django_db


def pay(unit, amount, user, **kwargs):
    kwargs.setdefault("method", "cash")
    kwargs.setdefault("now", at(2025, 3, 10))
    return services.record_payment(
        idempotency_key=new_key(), unit=unit, amount=amount, actor=user, **kwargs
    ).payment


def _is_pdf_download(response, payment) -> bool:
    return (
        response.status_code == 200
        and response["Content-Type"] == "application/pdf"
        and response["Content-Disposition"] == f'attachment; filename="receipt-{payment.receipt.number}.pdf"'
        and response.content.startswith(b"%PDF")
    )


def test_desk_downloads_the_receipt_with_its_facts(client_as, users, unit_a, django_assert_max_num_queries):
    make_bill(unit_a, "100.00", period=date(2025, 2, 1))
    payment = pay(unit_a, "130.00", users["clerk"], payer_name="Wang", reference="REF-778")
    client = client_as(users["clerk"])
    client.get(reverse("billing:receipt", args=[payment.pk]))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("billing:receipt_pdf", args=[payment.pk]))
    assert _is_pdf_download(response, payment)
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    for fact in (payment.receipt.number, "2025-03-10 10:00", unit_a.code, "Wang", "REF-778", "2025-02"):
        assert fact in text, fact
    assert "100.00" in text and "30.00" in text and "130.00" in text  # the bill, the prepaid rest, the total
    assert "壹佰叁拾元整" in text
    assert "Voided" not in text


def test_query_count_does_not_grow_with_the_lines(client_as, users, unit_a, django_assert_max_num_queries):
    for month in range(1, 13):
        make_bill(unit_a, "10.00", period=date(2024, month, 1))
    payment = pay(unit_a, "120.00", users["clerk"])
    assert payment.allocations.count() == 12
    client = client_as(users["clerk"])
    client.get(reverse("billing:receipt", args=[payment.pk]))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("billing:receipt_pdf", args=[payment.pk]))
    assert _is_pdf_download(response, payment)
    assert "2024-12" in pdf_text(response.content)


def test_a_voided_payment_receipt_says_so(client_as, users, unit_a):
    make_bill(unit_a, "50.00")
    payment = pay(unit_a, "50.00", users["clerk"])
    services.void_payment(
        payment=payment, actor=users["manager"], reason="wrong unit", now=at(2025, 3, 10, 17)
    )
    response = client_as(users["clerk"]).get(reverse("billing:receipt_pdf", args=[payment.pk]))
    assert _is_pdf_download(response, payment)
    assert "Voided" in pdf_text(response.content)


def test_desk_of_another_estate_gets_a_404(client_as, users, unit_b):
    payment = pay(unit_b, "10.00", users["company"])
    assert client_as(users["clerk"]).get(reverse("billing:receipt_pdf", args=[payment.pk])).status_code == 404
    assert _is_pdf_download(
        client_as(users["company"]).get(reverse("billing:receipt_pdf", args=[payment.pk])), payment
    )


def test_desk_without_the_payment_permission_is_refused(client_as, users, unit_a):
    payment = pay(unit_a, "10.00", users["clerk"])
    response = client_as(users["technician"]).get(reverse("billing:receipt_pdf", args=[payment.pk]))
    assert response.status_code in (302, 403)
    assert not response.content.startswith(b"%PDF")


def test_portal_downloads_own_receipt_only(client_as, users, resident, unit_a, unit_a2):
    mine = pay(unit_a, "5.00", users["clerk"])
    theirs = pay(unit_a2, "5.00", users["clerk"])
    client = client_as(resident)
    response = client.get(reverse("portal:billing_receipt_pdf", args=[mine.pk]))
    assert _is_pdf_download(response, mine)
    assert mine.receipt.number in pdf_text(response.content)
    assert client.get(reverse("portal:billing_receipt_pdf", args=[theirs.pk])).status_code == 404


def test_prepaid_payment_has_no_receipt_file(client_as, users, resident, unit_a):
    pay(unit_a, "50.00", users["clerk"])  # all to the prepaid balance
    make_bill(unit_a, "20.00")
    services.apply_prepaid_balances(
        estate=unit_a.estate, unit_ids=[unit_a.pk], actor=users["clerk"], now=at(2025, 3, 11)
    )
    from billing.models import Payment

    prepaid = Payment.objects.get(receipt__isnull=True)
    assert client_as(users["clerk"]).get(reverse("billing:receipt_pdf", args=[prepaid.pk])).status_code == 404
    assert (
        client_as(resident).get(reverse("portal:billing_receipt_pdf", args=[prepaid.pk])).status_code == 404
    )


def test_pages_link_the_pdf(client_as, users, resident, unit_a):
    payment = pay(unit_a, "5.00", users["clerk"])
    desk_url = reverse("billing:receipt_pdf", args=[payment.pk])
    portal_url = reverse("portal:billing_receipt_pdf", args=[payment.pk])
    desk = client_as(users["clerk"])
    assert desk_url in desk.get(reverse("billing:receipt", args=[payment.pk])).content.decode()
    assert desk_url in desk.get(reverse("billing:payment_detail", args=[payment.pk])).content.decode()
    portal = client_as(resident)
    assert portal_url in portal.get(reverse("portal:billing_receipt", args=[payment.pk])).content.decode()
    assert portal_url in portal.get(reverse("portal:billing_payments")).content.decode()


def test_uncompressed_file_holds_the_number_in_plain_text(users, unit_a):
    payment = pay(unit_a, "5.00", users["clerk"])
    content = receipt_pdf(payment_for_page(user=users["clerk"], pk=payment.pk), compress=False)
    assert content.startswith(b"%PDF") and payment.receipt.number.encode() in content
