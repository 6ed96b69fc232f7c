"""Forms of the rosters' pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class _Time(forms.TimeInput):
    input_type = "time"


class ReceptionHoursForm(forms.Form):
    """When the service desk opens and closes: Monday to Friday, and Saturday and Sunday."""

    weekday_opens = forms.TimeField(label=_("Monday to Friday: opens"), widget=_Time(format="%H:%M"))
    weekday_closes = forms.TimeField(label=_("Monday to Friday: closes"), widget=_Time(format="%H:%M"))
    weekend_opens = forms.TimeField(label=_("Saturday and Sunday: opens"), widget=_Time(format="%H:%M"))
    weekend_closes = forms.TimeField(label=_("Saturday and Sunday: closes"), widget=_Time(format="%H:%M"))
