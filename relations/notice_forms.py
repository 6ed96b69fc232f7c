"""Forms of the notice and community-event pages. They parse input; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from relations.models import CommunityEvent, Notice
from residents.models import Building, Estate
from servicecenter.forms import ReasonableDateFormField


class BuildingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, building: Building) -> str:
        return f"{building.estate.code} · {building}"


class _TargetedForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none())
    buildings = BuildingChoiceField(
        label=_("Buildings"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the whole estate."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        estates = Estate.objects.visible_to(user).order_by("code")
        self.fields["estate"].queryset = estates
        self.fields["buildings"].queryset = (
            Building.objects.filter(estate__in=estates)
            .select_related("estate")
            .order_by("estate__code", "code")
        )
        if estates.count() == 1 and not self.is_bound:
            self.fields["estate"].initial = estates.first()


class NoticeForm(_TargetedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    start_date = ReasonableDateFormField(
        label=_("Shown from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = ReasonableDateFormField(label=_("Shown until"), widget=forms.DateInput(attrs={"type": "date"}))
    is_urgent = forms.BooleanField(
        label=_("Urgent"), required=False, help_text=_("Also sent by SMS to the residents when published.")
    )


class EventForm(_TargetedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    signup_deadline = forms.DateTimeField(
        label=_("Sign-up deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10000)


class NoticeFilterForm(forms.Form):
    STATUS_CHOICES = [("", pgettext_lazy("filter", "All")), *Notice.Status.choices]

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), required=False)
    urgent = forms.BooleanField(label=_("Urgent only"), required=False)
    current = forms.BooleanField(label=_("Showing today"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class EventFilterForm(forms.Form):
    STATUS_CHOICES = [("", pgettext_lazy("filter", "All")), *CommunityEvent.Status.choices]

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), required=False)
    upcoming = forms.BooleanField(label=_("Upcoming only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class PersonForm(forms.Form):
    """The household member a resident signs up (or takes off the list)."""

    person = forms.IntegerField(min_value=1, max_value=2**62)
