"""Invoice requests (开发票): a resident, or the desk for them, asks for an invoice for paid bills
of their unit; the clerk issues it (with the invoice number) or rejects it (with a reason).

A bill is on at most one open or issued request: `InvoiceRequestBill.is_active` is cleared when
a request is rejected, and a partial unique constraint holds the rule in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import MONEY
from residents.models import resident_bill_unit_ids
from servicecenter.scoping import ScopedQuerySet


class InvoiceRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("invoice request status", "Requested")
        ISSUED = "issued", pgettext_lazy("invoice request status", "Issued")
        REJECTED = "rejected", pgettext_lazy("invoice request status", "Rejected")

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Resident portal")
        DESK = "desk", _("At the desk")

    estate = models.ForeignKey(
        "residents.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate")
    )
    unit = models.ForeignKey(
        "residents.Unit", on_delete=models.PROTECT, related_name="invoice_requests", verbose_name=_("unit")
    )
    bills = models.ManyToManyField(
        "billing.Bill", through="InvoiceRequestBill", related_name="+", verbose_name=_("bills")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    title = models.CharField(
        _("invoice title"), max_length=150, help_text=_("A person's or a company's name.")
    )
    tax_number = models.CharField(
        _("tax number"), max_length=20, blank=True, help_text=_("Needed for a company (统一社会信用代码).")
    )
    email = models.EmailField(_("email for the e-invoice"), blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.DESK)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # A retried submission (double click, a lost response) gives the first request back.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)

    class QuerySet(ScopedQuerySet):
        def for_resident(self, user):
            return self.filter(unit__in=resident_bill_unit_ids(user))

        def open(self):
            return self.filter(status=InvoiceRequest.Status.REQUESTED)

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        ordering = ["requested_at", "pk"]
        permissions = [
            ("request_invoice", _("Can register invoice requests for residents")),
            ("issue_invoice", _("Can issue or reject invoice requests")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_request_amount_positive"),
            models.UniqueConstraint(
                fields=["estate", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="invoice_request_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["estate", "status", "requested_at"], name="invoice_request_queue_idx")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.amount}"


class InvoiceRequestBill(models.Model):
    request = models.ForeignKey(InvoiceRequest, on_delete=models.CASCADE, related_name="lines")
    bill = models.ForeignKey("billing.Bill", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    # False once the request is rejected: the bill may then be asked for again.
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("invoiced bill")
        verbose_name_plural = _("invoiced bills")
        constraints = [
            models.UniqueConstraint(
                fields=["bill"], condition=Q(is_active=True), name="invoice_bill_once_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.bill_id}"


class InvoiceRequestEvent(models.Model):
    request = models.ForeignKey(
        InvoiceRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("invoice request")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(
        _("from"), max_length=12, choices=InvoiceRequest.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=InvoiceRequest.Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class QuerySet(ScopedQuerySet):
        estate_lookup = "request__estate"

        def for_resident(self, user):
            return self.filter(request__unit__in=resident_bill_unit_ids(user))

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice request event")
        verbose_name_plural = _("invoice request events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"
