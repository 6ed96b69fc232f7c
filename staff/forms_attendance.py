from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import Team


class HandoverForm(forms.Form):
    tickets = forms.TypedMultipleChoiceField(
        label=_("Open tickets handed over"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    keys = forms.CharField(
        label=_("Keys handed over"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    incidents = forms.CharField(
        label=_("Incidents"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, ticket_choices: list[tuple[int, str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].choices = [
            (pk, f"{number} {summary}") for pk, number, summary in ticket_choices
        ]


class SheetForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.visible_to(user).select_related("estate")
