"""Forms of the move-out pages: pick the unit, the request itself, the filters of the list and one
form per workflow action. They parse input; the rules are the services'."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from frontdesk.models import MoveOut
from residents.models import Estate, Occupancy, Unit


class UnitPickForm(forms.Form):
    """Step one: the unit by its code (3-2-1101), within the user's estates."""

    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), required=False)
    unit_code = forms.CharField(
        label=_("Unit"),
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Unit code, e.g. 3-2-1101"), "autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")

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


class OccupantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, occupancy: Occupancy) -> str:
        return f"{occupancy.person.name} · {occupancy.get_role_display()}"


class MoveOutForm(forms.Form):
    """Step two: who asks (a current occupant of the unit), what and when."""

    occupancy = OccupantChoiceField(label=_("Requested by"), queryset=Occupancy.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=MoveOut.Kind.choices, widget=forms.RadioSelect)
    planned_date = forms.DateField(label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"}))
    window_start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    window_end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    items = forms.CharField(
        label=_("Items"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("e.g. fridge, sofa, ten boxes")}),
    )
    vehicle_plate = forms.CharField(label=_("Vehicle plate"), max_length=20, required=False)
    helpers = forms.IntegerField(label=_("Helpers"), min_value=0, max_value=50, initial=0)
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, occupants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupancy"].queryset = occupants
        self.fields["idempotency_key"].initial = uuid.uuid4().hex


class MoveOutFilterForm(forms.Form):
    q = forms.CharField(label=_("Number, unit, name or plate"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Open"))] + [("all", _("All"))] + MoveOut.Status.choices,
        required=False,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All"))] + MoveOut.Kind.choices, required=False)
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), required=False)
    planned_from = forms.DateField(
        label=_("Planned from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_until = forms.DateField(
        label=_("Planned until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    override_reason = forms.CharField(
        label=_("Reason for releasing with arrears"), max_length=300, required=False
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PortalUnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return unit.code


class PortalMoveOutForm(forms.Form):
    """A resident's own request, for one of the units they occupy today."""

    unit = PortalUnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=MoveOut.Kind.choices, widget=forms.RadioSelect)
    planned_date = forms.DateField(label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"}))
    window_start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    window_end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    items = forms.CharField(
        label=_("Items"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("e.g. fridge, sofa, ten boxes")}),
    )
    vehicle_plate = forms.CharField(label=_("Vehicle plate"), max_length=20, required=False)
    helpers = forms.IntegerField(label=_("Helpers"), min_value=0, max_value=50, initial=0)
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["idempotency_key"].initial = uuid.uuid4().hex
