"""The desk's fast forms for visitors, lost and found and parcels, and the forms of their actions.
Forms parse and check input; the services decide."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from residents.models import Estate, Unit

CARRIERS = ["顺丰", "京东", "中通", "圆通", "韵达", "申通", "极兔", "EMS", "邮政"]
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class _EstateForm(forms.Form):
    """The estate: a choice only for staff of several estates."""

    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), required=False)

    def __init__(self, *args, user, estates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        estates = list(estates if estates is not None else Estate.objects.visible_to(user).order_by("code"))
        self.estates = estates
        self.fields["estate"].queryset = Estate.objects.filter(pk__in=[e.pk for e in estates]).order_by(
            "code"
        )
        if len(estates) == 1:
            self.fields["estate"].initial = estates[0].pk
            self.fields["estate"].widget = forms.HiddenInput()

    def clean_estate(self):
        estate = self.cleaned_data.get("estate")
        if estate is None and len(self.estates) == 1:
            return self.estates[0]
        return estate


class _UnitCodeForm(_EstateForm):
    """The unit by its code (3-2-1101), within the user's estates."""

    unit_code = forms.CharField(
        label=_("Unit"),
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Unit code, e.g. 3-2-1101"), "autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        code = (data.get("unit_code") or "").strip()
        if not code:
            return data
        units = Unit.objects.visible_to(self.user).select_related("estate").filter(code=code)
        if data.get("estate"):
            units = units.filter(estate=data["estate"])
        found = list(units[:2])
        if not found:
            raise ValidationError({"unit_code": _("No unit with this code in your estates.")})
        if len(found) > 1:
            raise ValidationError({"estate": _("Several estates have this unit code: choose the estate.")})
        data["unit"] = found[0]
        return data


class VisitorForm(_UnitCodeForm):
    prefix = "visitor"
    name = forms.CharField(label=_("Visitor's name"), max_length=100)
    phone = forms.CharField(label=_("Visitor's phone"), max_length=30, required=False)
    purpose = forms.CharField(label=_("Purpose of the visit"), max_length=200, required=False)
    arrived_at = forms.DateTimeField(
        label=_("Time in"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        help_text=_("Empty: now."),
    )
    notify_occupant = forms.BooleanField(label=_("Notify the unit's occupants"), required=False)


class VisitorLeaveForm(forms.Form):
    left_at = forms.DateTimeField(
        label=_("Time out"), required=False, widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )


class LostItemForm(_EstateForm):
    prefix = "lost"
    description = forms.CharField(label=_("Item"), max_length=200)
    found_place = forms.CharField(label=_("Where found"), max_length=200)
    found_at = forms.DateTimeField(
        label=_("When found"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
        help_text=_("Empty: now."),
    )
    handed_in_by = forms.CharField(label=_("Handed in by"), max_length=100, required=False)
    storage_place = forms.CharField(label=_("Storage place"), max_length=100)
    photo = forms.FileField(
        label=_("Photo"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )

    def clean(self):
        data = super().clean()
        if not data.get("estate") and "estate" not in self.errors:
            self.add_error("estate", _("Choose the estate."))
        return data


class ClaimForm(forms.Form):
    claimant_name = forms.CharField(label=_("Claimant"), max_length=100)
    claimant_phone = forms.CharField(label=_("Claimant's phone"), max_length=30)
    id_number = forms.CharField(
        label=_("ID number (checked, not stored)"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class DisposeForm(forms.Form):
    note = forms.CharField(label=_("How it was disposed of"), max_length=300)


class ParcelForm(_UnitCodeForm):
    prefix = "parcel"
    carrier = forms.CharField(
        label=_("Carrier"),
        max_length=50,
        widget=forms.TextInput(attrs={"list": "carriers", "autocomplete": "off"}),
    )
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=50)
    recipient_name = forms.CharField(label=_("Name on the parcel"), max_length=100, required=False)
    notify_resident = forms.BooleanField(label=_("Notify the resident"), required=False, initial=True)


class PickUpForm(forms.Form):
    collected_by = forms.CharField(label=_("Collected by"), max_length=100)


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
