"""Headers every response carries: Cache-Control no-store, the Content-Security-Policy, and how
uploaded files are served (pictures inline, anything else as a download, never sniffed)."""

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from billing import services as billing_services
from residents import services as residents_services
from servicecenter.middleware import NoStoreMiddleware, cacheable
from tests.billing.conftest import make_bill
from tests.factories import OccupancyFactory, PersonFactory
from tests.tickets.conftest import ensure_default_categories
from tests.tickets.factories import TicketFactory
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc8!'\x07\x00\x02\xb6\x01\x054\xa6u\xaa\x00\x00\x00\x00IEND\xaeB`\x82"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


# --- Cache-Control: no-store ----------------------------------------------------------------------


def test_archive_person_page_is_not_stored(client_as, users, unit_a):
    person = PersonFactory(estate=unit_a.estate, name="张伟")
    OccupancyFactory(unit=unit_a, person=person)
    response = client_as(users["manager"]).get(reverse("residents:person_detail", args=[person.pk]))
    assert response.status_code == 200 and _no_store(response)


def test_portal_bill_and_receipt_are_not_stored(client_as, users, resident, unit_a):
    bill = make_bill(unit_a, "10.00")
    payment = billing_services.record_payment(
        unit=unit_a, amount="5.00", method="cash", actor=users["clerk"], idempotency_key=uuid.uuid4().hex
    ).payment
    client = client_as(resident)
    for url in (
        reverse("portal:billing_bills"),
        reverse("portal:billing_bill", args=[bill.pk]),
        reverse("portal:billing_receipt", args=[payment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and _no_store(response), url


def test_desk_receipt_is_not_stored(client_as, users, unit_a):
    payment = billing_services.record_payment(
        unit=unit_a, amount="5.00", method="cash", actor=users["clerk"], idempotency_key=uuid.uuid4().hex
    ).payment
    response = client_as(users["clerk"]).get(reverse("billing:receipt", args=[payment.pk]))
    assert response.status_code == 200 and _no_store(response)


def test_exports_are_not_stored(client_as, users, estate_a):
    client = client_as(users["manager"])
    statement = client.get(reverse("billing:statement_export"), {"estate": estate_a.pk, "month": "2025-03"})
    archive = client.get(reverse("residents:export"), {"estate": estate_a.pk})
    for response in (statement, archive):
        assert response.status_code == 200 and _no_store(response)
        assert response["Content-Disposition"].startswith("attachment")


def test_api_lists_are_not_stored(api_as, users, unit_a):
    client = api_as(users["manager"])
    for url in ("/api/persons/", "/api/tickets/", "/api/units/"):
        response = client.get(url)
        assert response.status_code == 200 and _no_store(response), url


def test_login_page_is_not_stored_either(client):
    # Safe by default: the rule does not depend on being logged in.
    response = client.get(reverse("login"))
    assert response.status_code == 200 and _no_store(response)


def test_no_store_overrides_a_view_that_asked_for_caching():
    def view(request):
        response = HttpResponse("bill")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    response = NoStoreMiddleware(view)(RequestFactory().get("/billing/bills/1/"))
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives and "public" not in directives


def test_a_view_can_opt_out_and_static_files_are_left_alone():
    @cacheable
    def notice(request):
        response = HttpResponse("停水通知")
        response["Cache-Control"] = "public, max-age=600"
        return response

    assert (
        NoStoreMiddleware(notice)(RequestFactory().get("/notice/"))["Cache-Control"] == "public, max-age=600"
    )

    def static(request):
        response = HttpResponse("body{}")
        response["Cache-Control"] = "max-age=315360000, public, immutable"
        return response

    served = NoStoreMiddleware(static)(RequestFactory().get(settings.STATIC_URL + "css/app.css"))
    assert "no-store" not in served["Cache-Control"]


# --- Content-Security-Policy ----------------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_carries_a_strict_policy(client_as, users):
    response = client_as(users["clerk"]).get(reverse("billing:cashier"))
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    # No template asked for a nonce, so none is offered.
    assert not any(source.startswith("'nonce-") for source in policy["script-src"])


def test_the_api_and_the_login_page_carry_it_too(api_as, users, client):
    assert "default-src 'self'" in api_as(users["manager"]).get("/api/tickets/")["Content-Security-Policy"]
    assert "script-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]


def test_only_the_browsable_api_may_use_inline_styles(client_as, users):
    client = client_as(users["manager"])
    html = _policy(client.get("/api/tickets/", HTTP_ACCEPT="text/html"))
    data = _policy(client.get("/api/tickets/", HTTP_ACCEPT="application/json"))
    assert "'unsafe-inline'" in html["style-src"] and "'unsafe-inline'" not in html["script-src"]
    assert "'unsafe-inline'" not in data["style-src"]


def test_swagger_ui_runs_its_init_script_with_this_requests_nonce(client_as, users):
    response = client_as(users["manager"]).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    nonces = [source for source in _policy(response)["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    assert f'<script nonce="{nonce}">' in html and "SwaggerUIBundle(" in html
    assert f'<style nonce="{nonce}">' in html
    assert re.search(r"<script>", html) is None  # every inline script carries the nonce


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"] + [
    Path(settings.BASE_DIR) / app / "templates"
    for app in ("servicecenter", "staff", "residents", "tickets", "billing")
]
INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)(?![^>]*\bnonce=)[^>]*>", re.I),
        "inline script",
    ),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
    (re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.I), "inline <style>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_hold_no_inline_script_or_style():
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html") if folder.exists() else []:
            text = path.read_text(encoding="utf-8")
            found += [
                f"{path.relative_to(settings.BASE_DIR)}: {what}"
                for pattern, what in INLINE
                if pattern.search(text)
            ]
    assert found == []


# --- Serving uploads ------------------------------------------------------------------------------


@pytest.fixture
def ticket(unit_a):
    ensure_default_categories()
    return TicketFactory(unit=unit_a)


def _attach(ticket, actor, name, payload):
    return ticket_services.add_attachment(
        ticket=ticket, actor=actor, uploaded=SimpleUploadedFile(name, payload)
    )


def test_ticket_pdf_is_a_download_and_a_photo_opens_inline(client_as, users, ticket):
    pdf = _attach(ticket, users["frontdesk"], "quote.pdf", PDF)
    photo = _attach(ticket, users["frontdesk"], "leak.png", PNG)
    client = client_as(users["frontdesk"])
    pdf_response = client.get(reverse("tickets:attachment", args=[ticket.pk, pdf.pk]))
    photo_response = client.get(reverse("tickets:attachment", args=[ticket.pk, photo.pk]))
    assert pdf_response["Content-Disposition"].startswith("attachment;")
    assert photo_response["Content-Disposition"].startswith("inline;")
    for response in (pdf_response, photo_response):
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff" and _no_store(response)
    assert pdf_response["Content-Type"] == "application/pdf" and photo_response["Content-Type"] == "image/png"


def test_api_attachment_pdf_is_a_download(api_as, users, ticket):
    pdf = _attach(ticket, users["frontdesk"], "quote.pdf", PDF)
    response = api_as(users["frontdesk"]).get(f"/api/tickets/{ticket.pk}/attachments/{pdf.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_archive_document_pdf_is_a_download(client_as, users, unit_a):
    document = residents_services.upload_document(
        actor=users["clerk"], uploaded=SimpleUploadedFile("contract.pdf", PDF), title="购房合同", unit=unit_a
    )
    response = client_as(users["clerk"]).get(reverse("residents:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff" and _no_store(response)
