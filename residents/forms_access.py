"""Forms of the portal sign-up, password reset and the desk's activation code (issue #14)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from residents.services_access import mobile_digits


class IssuePortalCodeForm(forms.Form):
    by_sms = forms.BooleanField(
        label=_("Also send the code by SMS to the mobile in the archive"), required=False, initial=True
    )


class _NewPasswordMixin(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class ActivationForm(_NewPasswordMixin):
    identifier = forms.CharField(
        label=_("Mobile number"),
        max_length=150,
        help_text=_("The mobile number the service centre has for you (or your username, if you had one)."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "tel"}),
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    username = forms.CharField(
        label=_("Username (optional)"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to log in with your mobile number."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    field_order = ["identifier", "code", "username", "password1", "password2"]


class ResetRequestForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_mobile(self):
        digits = mobile_digits(self.cleaned_data["mobile"])
        if not digits:
            raise forms.ValidationError(_("Enter a mainland mobile number: 11 digits starting with 13–19."))
        return digits


class ResetConfirmForm(_NewPasswordMixin, ResetRequestForm):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    field_order = ["mobile", "code", "password1", "password2"]
