"""Forms of the key custody, invoice and knowledge pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from frontdesk.models import InvoiceRequest, KeyCustody

COLLECTOR_ROWS = 3


class KeyCustodyForm(forms.Form):
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    description = forms.CharField(
        label=_("Keys"), max_length=200, help_text=_("e.g. front door ×2, mailbox ×1")
    )
    quantity = forms.IntegerField(label=_("Number of keys"), min_value=1, max_value=99, initial=1)
    storage_tag = forms.CharField(label=_("Storage tag"), max_length=30)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(p.pk, p.name) for p in owners]
        for index in range(COLLECTOR_ROWS):
            required = index == 0
            self.fields[f"collector_{index}_name"] = forms.CharField(
                label=_("Name"), max_length=100, required=required
            )
            self.fields[f"collector_{index}_phone"] = forms.CharField(
                label=_("Phone"), max_length=20, required=required
            )
            self.fields[f"collector_{index}_id_number"] = forms.CharField(
                label=_("ID number"), max_length=30, required=False
            )

    def collector_rows(self):
        return [
            (self[f"collector_{i}_name"], self[f"collector_{i}_phone"], self[f"collector_{i}_id_number"])
            for i in range(COLLECTOR_ROWS)
        ]

    def collectors(self) -> list[dict]:
        data = self.cleaned_data
        rows = []
        for index in range(COLLECTOR_ROWS):
            name = data.get(f"collector_{index}_name", "").strip()
            phone = data.get(f"collector_{index}_phone", "").strip()
            if name or phone:
                rows.append(
                    {"name": name, "phone": phone, "id_number": data.get(f"collector_{index}_id_number", "")}
                )
        return rows


class KeyListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("At the desk or handed out")), *KeyCustody.Status.choices, ("", _("All"))],
    )
    q = forms.CharField(label=_("Unit, tag or owner"), required=False, max_length=50)


class HandOutForm(forms.Form):
    collector = forms.IntegerField(label=_("Named collector"))
    id_number = forms.CharField(label=_("ID number presented"), max_length=30)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class TakeBackForm(forms.Form):
    person_name = forms.CharField(label=_("Brought back by"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReturnToOwnerForm(forms.Form):
    id_number = forms.CharField(label=_("Owner's ID number"), required=False, max_length=30)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class InvoiceRequestForm(forms.Form):
    bills = forms.TypedMultipleChoiceField(
        label=_("Paid bills"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("Invoice title"), max_length=150)
    tax_number = forms.CharField(label=_("Tax number"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email for the e-invoice"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, bills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bills"].choices = [(b.pk, str(b.pk)) for b in bills]


class InvoiceQueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*InvoiceRequest.Status.choices, ("", _("All"))],
    )
    unit = forms.CharField(label=_("Unit"), required=False, max_length=30)


class IssueForm(forms.Form):
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=40)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
