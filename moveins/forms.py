"""Desk and portal forms for move-ins. They parse input and scope every choice to what the user
may see; the services in `moveins.services` decide the rules (and say no in the user's language)."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import PaymentMethod
from moveins.models import Defect, MoveIn, MoveInBatch
from residents.models import Estate, Occupancy, Person, Unit
from servicecenter.forms import ReasonableDateFormField

MAX_PHOTOS = 6
DEFECT_ROWS = 3
KEY_ROWS = 3


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one input; each is checked (type by content, size) by the service."""

    def __init__(self, *args, accept: str = "image/*", **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)s files at a time.") % {"n": MAX_PHOTOS})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _person_label(person: Person) -> str:
    return f"{person.name} · {person.mobile_masked}" if person.mobile else person.name


# --- the list -----------------------------------------------------------------------------------


class MoveInFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Open")), *MoveIn.Status.choices],
    )
    estate = forms.ModelChoiceField(
        label=_("Estate"), queryset=Estate.objects.none(), required=False, empty_label=_("All")
    )
    batch = forms.ModelChoiceField(
        label=_("Batch"), queryset=MoveInBatch.objects.none(), required=False, empty_label=_("All")
    )
    building = forms.ChoiceField(label=_("Building"), required=False)
    q = forms.CharField(label=_("Number, unit or owner"), required=False, max_length=50)

    def __init__(self, *args, user, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.visible_to(user).order_by("code")
        self.fields["batch"].queryset = MoveInBatch.objects.visible_to(user).order_by("-starts_on", "-pk")
        self.fields["building"].choices = [("", _("All")), *[(str(b.pk), str(b)) for b in buildings]]

    def clean_building(self) -> int | None:
        value = self.cleaned_data.get("building")
        return int(value) if value else None


# --- scheduling ---------------------------------------------------------------------------------


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


def owners_of(unit: Unit):
    """Who may take the unit over: the people on record as its owners (an owner's occupancy not
    ended), and the estate's people who occupy no unit yet (a buyer registered in the archive from
    the sale papers becomes the unit's occupant at the keys)."""
    today = timezone.localdate()
    owners = Occupancy.objects.filter(unit=unit, role__in=Occupancy.BILL_ROLES).exclude(end_date__lt=today)
    occupants = Occupancy.objects.current(today).filter(unit__estate_id=unit.estate_id)
    return (
        Person.objects.filter(estate_id=unit.estate_id)
        .filter(Q(pk__in=owners.values("person_id")) | ~Q(pk__in=occupants.values("person_id")))
        .order_by("name", "pk")
    )


class ScheduleForm(forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none(), empty_label=None)
    scheduled_for = forms.DateTimeField(
        label=_("Appointment"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.initial.setdefault("unit", unit.pk)
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex
        self.fields["owner"].queryset = owners_of(unit)
        self.fields["owner"].label_from_instance = _person_label

    def clean_unit(self) -> Unit:
        if self.cleaned_data.get("unit") != self.unit.pk:
            raise ValidationError(_("The unit changed: start the form again."))
        return self.unit

    def clean_idempotency_key(self) -> str:
        return self.cleaned_data.get("idempotency_key") or uuid.uuid4().hex


# --- the steps ----------------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ChecklistItemForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
    id_number = forms.CharField(
        label=_("ID number presented"),
        required=False,
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    signed_copy = forms.FileField(label=_("Signed copy"), required=False)


class DepositForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"), choices=[c for c in PaymentMethod.choices if c[0] != PaymentMethod.PREPAID]
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class DefectForm(forms.Form):
    location = forms.CharField(label=_("Where in the unit"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=2000)
    deadline = ReasonableDateFormField(label=_("Rectify by"), widget=forms.DateInput(attrs={"type": "date"}))
    responsible = forms.ChoiceField(
        label=_("Rectified by"), choices=Defect.Responsible.choices, initial=Defect.Responsible.WARRANTY
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    photos = MultipleFileField(label=_("Photos"))

    def __init__(self, *args, **kwargs):
        from tickets.models import TicketCategory

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = TicketCategory.objects.filter(is_active=True).order_by("pk")


class _DefectFormSetBase(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise ValidationError(_("Describe at least one defect."))


DefectFormSet = formset_factory(
    DefectForm, formset=_DefectFormSetBase, extra=DEFECT_ROWS, max_num=30, validate_max=True
)


def defect_formset(data=None, files=None):
    return DefectFormSet(data, files, prefix="defects")


class DefectsNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class KeyForm(forms.Form):
    kind = forms.CharField(label=_("Key"), max_length=50)
    count = forms.IntegerField(label=_("How many"), min_value=1, max_value=99)


class _KeyFormSetBase(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_changed() and form.cleaned_data for form in self.forms):
            raise ValidationError(_("List the keys handed over."))


KeyFormSet = formset_factory(KeyForm, formset=_KeyFormSetBase, extra=KEY_ROWS, max_num=20, validate_max=True)


def key_formset(data=None, *, initial=None):
    return KeyFormSet(data, prefix="keys", initial=initial)


class KeysForm(forms.Form):
    signed_by = forms.CharField(label=_("Signed for by"), max_length=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
