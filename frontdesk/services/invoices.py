"""Invoice requests (开发票): a resident or the desk asks for an invoice for paid bills of a unit;
the clerk marks it issued with the invoice number, or rejects it with a reason. A bill is on at
most one open or issued request (checked here and held by a partial unique constraint)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing.models import Bill
from frontdesk.models import InvoiceRequest, InvoiceRequestBill, InvoiceRequestEvent
from frontdesk.services._common import now_or, require_estate
from frontdesk.workflows import INVOICE_REQUEST
from residents.models import Unit, resident_bill_unit_ids
from servicecenter.exceptions import DomainError
from servicecenter.money import to_money
from servicecenter.scoping import access_for

REQUEST_PERM = "frontdesk.request_invoice"
# 统一社会信用代码 (18) or the older taxpayer numbers (15 or 20): digits and capital letters.
TAX_NUMBER_RE = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{18}$|^[0-9A-Z]{20}$")
MAX_BILLS = 60


class BillAlreadyRequested(DomainError):
    status_code = 409


def _may_request_for(actor, unit: Unit) -> InvoiceRequest.Channel:
    """The desk for any unit of its estates; a resident for a unit whose bills they may see."""
    access = access_for(actor)
    if access.is_staff_member:
        if not actor.has_perm(REQUEST_PERM):
            raise PermissionDenied(_("You are not allowed to register invoice requests."))
        require_estate(actor, unit.estate_id)
        return InvoiceRequest.Channel.DESK
    if access.is_resident and Unit.objects.filter(pk=unit.pk, pk__in=resident_bill_unit_ids(actor)).exists():
        return InvoiceRequest.Channel.PORTAL
    raise PermissionDenied(_("You may not ask for invoices for this unit."))


def clean_tax_number(value: str) -> str:
    number = re.sub(r"\s", "", value or "").upper()
    if number and not TAX_NUMBER_RE.match(number):
        raise DomainError(
            _("Enter the tax number as 15, 18 or 20 digits and capital letters."), code="tax_number_invalid"
        )
    return number


@transaction.atomic
def request_invoice(
    *,
    actor,
    unit: Unit,
    bill_ids: Iterable[int],
    title: str,
    tax_number: str = "",
    email: str = "",
    idempotency_key: str,
    now: datetime | None = None,
) -> InvoiceRequest:
    """Ask for one invoice covering the chosen paid bills of the unit; the amount is what was paid
    on them. A retry with the same idempotency key returns the first request."""
    now = now_or(now)
    channel = _may_request_for(actor, unit)
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise DomainError(
            _("This request has no idempotency key. Reload the form and submit it again."),
            code="idempotency_key_required",
        )
    earlier = InvoiceRequest.objects.filter(estate_id=unit.estate_id, idempotency_key=key).first()
    if earlier is not None:
        return earlier
    title = (title or "").strip()
    if not title:
        raise DomainError(
            _("Enter the invoice title (a person's or a company's name)."), code="title_required"
        )
    tax_number = clean_tax_number(tax_number)
    ids = sorted({int(pk) for pk in bill_ids})
    if not ids:
        raise DomainError(_("Choose at least one paid bill."), code="bills_required")
    if len(ids) > MAX_BILLS:
        raise DomainError(_("Choose at most %(count)s bills.") % {"count": MAX_BILLS}, code="too_many_bills")
    # Locked so that two requests for the same bill cannot both pass the check below.
    bills = list(Bill.objects.select_for_update().filter(pk__in=ids, unit=unit).order_by("pk"))
    if len(bills) != len(ids):
        raise DomainError(_("Some of the chosen bills are not this unit's."), code="bill_wrong_unit")
    unpaid = [b for b in bills if b.status != Bill.Status.PAID]
    if unpaid:
        raise DomainError(_("Only paid bills can be invoiced."), code="bill_not_paid")
    if InvoiceRequestBill.objects.filter(bill_id__in=ids, is_active=True).exists():
        raise BillAlreadyRequested(
            _("An invoice has already been requested or issued for some of these bills."),
            code="bill_already_requested",
        )
    request = InvoiceRequest(
        estate_id=unit.estate_id,
        unit=unit,
        amount=to_money(sum((b.amount_paid for b in bills), start=to_money(0))),
        title=title[:150],
        tax_number=tax_number,
        email=(email or "").strip()[:254],
        channel=channel,
        requested_by=actor,
        requested_at=now,
        idempotency_key=key,
    )
    if request.amount <= 0:
        raise DomainError(_("Nothing was paid on these bills."), code="nothing_paid")
    try:
        with transaction.atomic():
            request.save()
            InvoiceRequestBill.objects.bulk_create(
                InvoiceRequestBill(request=request, bill=bill, amount=to_money(bill.amount_paid))
                for bill in bills
            )
    except IntegrityError:
        raise BillAlreadyRequested(
            _("An invoice has already been requested or issued for some of these bills."),
            code="bill_already_requested",
        ) from None
    InvoiceRequestEvent.objects.create(
        request=request,
        action="request",
        from_status="",
        to_status=request.status,
        actor=actor,
        created_at=now,
    )
    return request


def _lock(request: InvoiceRequest) -> InvoiceRequest:
    return InvoiceRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)


@transaction.atomic
def issue_invoice(
    *, request: InvoiceRequest, actor, invoice_number: str, now: datetime | None = None
) -> InvoiceRequest:
    now = now_or(now)
    request = _lock(request)
    INVOICE_REQUEST.check(request, "issue", actor, now=now)
    require_estate(actor, request.estate_id)
    number = (invoice_number or "").strip()
    if not number:
        raise DomainError(_("Enter the invoice number."), code="invoice_number_required")
    INVOICE_REQUEST.transition(
        request,
        "issue",
        actor=actor,
        note=number,
        now=now,
        fields={"invoice_number": number[:40], "decided_by": actor, "decided_at": now},
    )
    return request


@transaction.atomic
def reject_invoice_request(
    *, request: InvoiceRequest, actor, reason: str, now: datetime | None = None
) -> InvoiceRequest:
    """Refused with a reason; its bills may be asked for again."""
    now = now_or(now)
    request = _lock(request)
    INVOICE_REQUEST.check(request, "reject", actor, now=now)
    require_estate(actor, request.estate_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason; the resident sees it."), code="reason_required")
    INVOICE_REQUEST.transition(
        request,
        "reject",
        actor=actor,
        note=reason,
        now=now,
        fields={"reject_reason": reason[:300], "decided_by": actor, "decided_at": now},
    )
    request.lines.update(is_active=False)
    return request
