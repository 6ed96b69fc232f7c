"""Desk forms for fee collection. They parse input; the services apply the rules and save."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Bill, DepositAccount, PaymentMethod, Reminder
from servicecenter.forms import MoneyFormField, MonthFormField, ReasonableDateFormField

MISSING_KEY = _("This form has expired. Reload the page and enter the payment again.")


class PaymentForm(forms.Form):
    bills = forms.ModelMultipleChoiceField(
        label=_("Bills"),
        queryset=Bill.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to settle the oldest bills first."),
    )
    amount = MoneyFormField(label=_("Amount received (yuan)"), allow_zero=False)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    payer_name = forms.CharField(label=_("Paid by"), max_length=100, required=False)
    reference = forms.CharField(
        label=_("Transaction reference"),
        max_length=100,
        required=False,
        help_text=_("For card, WeChat, Alipay or transfer."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    # One token per rendered form: a double click or a resent form posts the payment once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def clean_idempotency_key(self):
        # Hidden, so its error is shown above the form: a post without it (an old or a forged form)
        # is refused before any money moves.
        key = (self.cleaned_data.get("idempotency_key") or "").strip()
        if not key:
            self.add_error(None, MISSING_KEY)
        return key

    def __init__(self, *args, open_bills=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bills"].queryset = open_bills if open_bills is not None else Bill.objects.none()
        self.fields["bills"].label_from_instance = lambda bill: (
            f"{bill.charge_item.name} {bill.period:%Y-%m} · {bill.outstanding}"
        )
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class RefundForm(ReasonForm):
    refund_method = forms.ChoiceField(
        label=_("Refund by"), choices=[c for c in PaymentMethod.choices if c[0] != PaymentMethod.PREPAID]
    )


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Reminder.Outcome.choices)
    promised_date = ReasonableDateFormField(
        label=_("Promised to pay by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class GenerateBillsForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=None, empty_label=None)
    period = MonthFormField(
        label=_("Month (YYYY-MM)"), max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )

    def __init__(self, *args, estates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates


class DepositForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=DepositAccount.Purpose.choices)
    reference = forms.CharField(
        label=_("Reference"), max_length=100, required=False, help_text=_("e.g. renovation:12")
    )
    amount = MoneyFormField(label=_("Amount received (yuan)"), allow_zero=False)
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[c for c in PaymentMethod.choices if c[0] != PaymentMethod.PREPAID],
        initial=PaymentMethod.CASH,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    # One token per rendered form: a double submit takes the deposit once (one receipt).
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex


class DepositRefundForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Refund by"), choices=[c for c in PaymentMethod.choices if c[0] != PaymentMethod.PREPAID]
    )
    deduction = MoneyFormField(label=_("Deduction (yuan)"), required=False)
    deduction_reason = forms.CharField(label=_("Reason for the deduction"), max_length=300, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def clean(self):
        data = super().clean()
        if data.get("deduction") and not (data.get("deduction_reason") or "").strip():
            self.add_error("deduction_reason", _("Say why the deduction is made."))
        return data

    @property
    def deductions(self) -> list[tuple]:
        amount = self.cleaned_data.get("deduction")
        return [(amount, self.cleaned_data["deduction_reason"])] if amount else []
