"""Forms of the hotspot pages: the filters and one form per repeat-repair action."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboards import hotspots
from dashboards.models import RepeatRepair
from dashboards.services_repeats import MAX_TEXT, action_owners
from servicecenter.forms import IdFormField, ReasonableDateFormField
from tickets.models import RootCause, TicketCategory


class HotspotFilterForm(forms.Form):
    estate = IdFormField(label=_("Estate"), required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=hotspots.KIND_CHOICES, required=False)
    dimension = forms.ChoiceField(label=_("Rows"), choices=hotspots.DIMENSION_CHOICES, required=False)
    grain = forms.ChoiceField(label=_("Columns"), choices=hotspots.GRAIN_CHOICES, required=False)
    count = forms.TypedChoiceField(
        label=_("How many"), choices=hotspots.COUNT_CHOICES, coerce=int, required=False, empty_value=6
    )

    def clean(self):
        data = super().clean()
        data["kind"] = data.get("kind") or hotspots.BOTH
        data["dimension"] = data.get("dimension") or hotspots.BY_BUILDING
        data["grain"] = data.get("grain") or hotspots.MONTH
        data["count"] = data.get("count") or 6
        return data


STATUS_CHOICES = [("", _("All")), ("open", _("Not yet closed")), *RepeatRepair.Status.choices]


class RepeatFilterForm(forms.Form):
    estate = IdFormField(label=_("Estate"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=TicketCategory.objects.order_by("sort_order", "code"), required=False
    )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, required=False, widget=forms.Textarea)

    def __init__(self, *args, repeat=None, **kwargs):
        super().__init__(*args, **kwargs)


class AssignActionForm(forms.Form):
    root_cause = forms.ModelChoiceField(
        label=_("Root cause"), queryset=RootCause.objects.filter(is_active=True)
    )
    action_description = forms.CharField(
        label=_("Action to take"), max_length=MAX_TEXT, widget=forms.Textarea
    )
    owner = forms.ModelChoiceField(label=_("Action owner"), queryset=get_user_model().objects.none())
    due_date = ReasonableDateFormField(label=_("Action due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, repeat=None, **kwargs):
        super().__init__(*args, **kwargs)
        if repeat is not None:
            self.fields["owner"].queryset = action_owners(estate_id=repeat.estate_id)
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
        self.fields["due_date"].initial = timezone.localdate() + timedelta(days=14)


class CloseForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=MAX_TEXT, widget=forms.Textarea)

    def __init__(self, *args, repeat=None, **kwargs):
        super().__init__(*args, **kwargs)


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=MAX_TEXT, widget=forms.Textarea)

    def __init__(self, *args, repeat=None, **kwargs):
        super().__init__(*args, **kwargs)


ACTION_FORMS = {
    "acknowledge": AcknowledgeForm,
    "assign_action": AssignActionForm,
    "close": CloseForm,
    "dismiss": DismissForm,
}
