"""The portal's booking form for a special service: the unit, the preferred time and notes."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from residents.models import Unit


class SpecialServiceBookingForm(forms.Form):
    service = forms.ModelChoiceField(label=_("Service"), queryset=None, empty_label=None)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), empty_label=None)
    preferred_at = forms.DateTimeField(
        label=_("Preferred time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, services, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["service"].label_from_instance = _service_label
        self.fields["unit"].queryset = units
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex
            self.initial["preferred_at"] = (timezone.localtime() + timezone.timedelta(days=1)).replace(
                hour=10, minute=0, second=0, microsecond=0
            )

    def clean(self):
        data = super().clean()
        service, unit = data.get("service"), data.get("unit")
        if service and unit and service.estate_id != unit.estate_id:
            self.add_error("unit", _("This service is not offered in the unit's estate."))
        return data

    def clean_idempotency_key(self) -> str:
        return self.cleaned_data.get("idempotency_key") or uuid.uuid4().hex


def _service_label(service) -> str:
    per = f" / {gettext(service.price_unit)}" if service.price_unit else ""
    return f"{gettext(service.name)} · ¥{service.price}{per}"
