"""Forms of the batch pages: a batch, a day's slots, booking, spot checks, the report filters."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moveins.models import MoveIn, MoveInBatch, MoveInSlot, SpotCheck
from residents.models import Building, Estate
from servicecenter.forms import MonthFormField, ReasonableDateFormField

# Longest period a warranty report covers: the developer's warranty runs for years, but one report
# is read a year at a time.
MAX_REPORT_DAYS = 366 * 2


class BatchForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=100)
    starts_on = ReasonableDateFormField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = ReasonableDateFormField(
        label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"),
        queryset=Building.objects.none(),
        required=False,
        help_text=_("None chosen: the whole estate."),
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        estates = Estate.objects.visible_to(user).order_by("code")
        self.fields["estate"].queryset = estates
        self.fields["buildings"].queryset = (
            Building.objects.filter(estate__in=estates)
            .select_related("estate")
            .order_by("estate__code", "code")
        )


class SlotsForm(forms.Form):
    day = ReasonableDateFormField(
        label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.IntegerField(label=_("Minutes per slot"), min_value=5, max_value=24 * 60, initial=60)
    capacity = forms.IntegerField(label=_("Move-ins per slot"), min_value=1, max_value=500, initial=4)


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MoveInSlot) -> str:
        return f"{timezone.localtime(obj.starts_at):%Y-%m-%d %H:%M}–{timezone.localtime(obj.ends_at):%H:%M}"


class BookForm(forms.Form):
    """Book a move-in (by its number) into a slot of the batch."""

    number = forms.CharField(label=_("Move-in number"), max_length=30)
    slot = SlotChoiceField(label=_("Slot"), queryset=MoveInSlot.objects.none(), empty_label=None)

    def __init__(self, *args, batch: MoveInBatch, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.batch = batch
        self.fields["slot"].queryset = MoveInSlot.objects.filter(
            batch=batch, starts_at__gt=timezone.now()
        ).order_by("starts_at")

    def clean_number(self) -> MoveIn:
        number = self.cleaned_data["number"].strip()
        move_in = MoveIn.objects.visible_to(self.user).filter(estate=self.batch.estate, number=number).first()
        if move_in is None:
            raise forms.ValidationError(_("No move-in with this number in the batch's estate."))
        return move_in


class CancelBookingForm(forms.Form):
    move_in = forms.ModelChoiceField(queryset=MoveIn.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, batch: MoveInBatch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_in"].queryset = MoveIn.objects.filter(batch=batch)


class SpotCheckForm(forms.Form):
    number = forms.CharField(label=_("Move-in number"), max_length=30)
    result = forms.ChoiceField(label=_("Result"), choices=SpotCheck.Result.choices, widget=forms.RadioSelect)
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_number(self) -> MoveIn:
        number = self.cleaned_data["number"].strip()
        move_in = MoveIn.objects.visible_to(self.user).filter(number=number).first()
        if move_in is None:
            raise forms.ValidationError(_("No move-in with this number in your estates."))
        return move_in


class EstateMonthForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)
    month = MonthFormField(label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class WarrantyReportForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)
    date_from = ReasonableDateFormField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = ReasonableDateFormField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date cannot be before the start date."))
            if (end - start).days > MAX_REPORT_DAYS:
                raise forms.ValidationError(_("Choose a period of at most two years."))
        return data
