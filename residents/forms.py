"""Desk forms for the archive. They only parse input; the services validate the rules and save."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from residents.models import ArchiveDocument, Estate, Occupancy, Person

# Fields holding a phone or ID number: on the edit form they start blank (the stored value is never
# sent to the browser) and blank means "keep what is stored".
KEEP_IF_BLANK = ("mobile", "other_phones", "id_number", "emergency_contact_phone")


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    mobile = forms.CharField(
        label=_("Mobile"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    other_phones = forms.CharField(
        label=_("Other phones"), max_length=200, required=False, help_text=_("Separate with commas.")
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    emergency_contact_name = forms.CharField(label=_("Emergency contact"), max_length=100, required=False)
    emergency_contact_phone = forms.CharField(
        label=_("Emergency contact phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def service_values(self) -> dict:
        """The cleaned values as keyword arguments for create_person/update_person."""
        return dict(self.cleaned_data)

    def apply_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the field it names (or on top of the form)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error)


class PersonCreateForm(PersonForm):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), empty_label=None)

    field_order = ["estate", "name"]

    def __init__(self, *args, estates=None, fixed_estate: Estate | None = None, **kwargs):
        """Give `fixed_estate` when the estate is known (from the unit the person joins), or
        `estates`, the user's visible estates, to choose from."""
        super().__init__(*args, **kwargs)
        self.fixed_estate = fixed_estate
        if fixed_estate is not None:
            del self.fields["estate"]
        elif estates is not None:
            self.fields["estate"].queryset = estates
        else:
            raise ValueError("PersonCreateForm needs `estates` or `fixed_estate`")

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        values["estate"] = self.fixed_estate or values["estate"]
        return values


class PersonEditForm(PersonForm):
    """Edit a person. Phone and ID fields start empty; a blank one keeps what is stored."""

    def __init__(self, *args, person: Person, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": person.name,
                "emergency_contact_name": person.emergency_contact_name,
                "notes": person.notes,
            },
        )
        super().__init__(*args, **kwargs)
        stored = {
            "mobile": person.mobile_masked,
            "other_phones": person.other_phones_masked,
            "id_number": person.id_number_masked,
            "emergency_contact_phone": person.emergency_contact_phone_masked,
        }
        for name in KEEP_IF_BLANK:
            field = self.fields[name]
            if stored[name]:
                field.widget.attrs["placeholder"] = stored[name]
                field.help_text = _("Leave blank to keep the stored number (%(masked)s).") % {
                    "masked": stored[name]
                }

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        for name in KEEP_IF_BLANK:
            if not values.get(name):
                values.pop(name, None)
        # update_person reads id_number=None as "keep the stored one".
        values["id_number"] = values.get("id_number") or None
        return values


class OccupancyTermsForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Occupancy.Role.choices, initial=Occupancy.Role.OWNER)
    start_date = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ExistingOccupantForm(OccupancyTermsForm):
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick a person from the search results.")},
    )

    field_order = ["person", "role", "start_date"]

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons


class EndOccupancyForm(forms.Form):
    end_date = forms.DateField(
        label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DocumentUploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Type"), choices=ArchiveDocument.Kind.choices, initial=ArchiveDocument.Kind.OTHER
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF or a photo (JPG, PNG, WEBP), at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Written to the access log with your name."),
        error_messages={"required": _("Say why you need the full numbers; it is written to the access log.")},
    )


class VerifyIdForm(forms.Form):
    presented = forms.CharField(
        label=_("ID number presented"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Type the ID number on the card the person shows you.")},
    )


class PassVerifyForm(forms.Form):
    """The gate's one box: the number printed on the pass (or read from its QR code)."""

    number = forms.CharField(
        label=_("Pass number"),
        max_length=60,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
                "enterkeyhint": "go",
                "placeholder": "LJYP2026-000123",
            }
        ),
        error_messages={"required": _("Type the number printed on the pass.")},
    )


class PassRevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=200,
        error_messages={"required": _("Say why the pass is revoked; the gate shows it.")},
    )
